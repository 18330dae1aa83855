/** What the name of a flow log file says about it. */
export interface LogFileName {
  /** The 12-digit AWS account id that owns the flow log. */
  readonly account: string
  /** The region the flow log is in, e.g. `us-east-1`. */
  readonly region: string
  /** The flow log id, e.g. `fl-1234abcd`. */
  readonly flowLogId: string
  /** The start of the 5-minute delivery window the file belongs to (UTC, minute precision). */
  readonly timestamp: Date
  /** The hash AWS appends to make names unique. */
  readonly hash: string
  /** `text` for `.log.gz` files, `parquet` for `.log.parquet` files. */
  readonly format: 'text' | 'parquet'
}

/** Where a flow log file is stored: an S3 object, or a file in a local copy of a bucket. */
export interface LogObject {
  /** The bucket; for a local copy, the folder that stands for it. */
  readonly bucket: string
  /** The object's key; for a local copy, the file's path within the folder, with `/` separators. */
  readonly key: string
  /** For a local copy, the file's path on disk; absent for S3 objects. */
  readonly path?: string
}

/** A flow log file: where it is stored, what its name says, and its size. */
export interface LogFile extends LogObject, LogFileName {
  /** The object's size in bytes, as listed. */
  readonly size: number
}

const FILE_NAME =
  /^(\d{12})_vpcflowlogs_([a-z]{2}(?:-[a-z0-9]+)+)_(fl-[0-9a-z]+)_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_([0-9a-zA-Z]+)\.log\.(gz|parquet)$/

/**
 * Parses the key of a flow log object into what its file name says, or returns
 * `undefined` when the key is not a flow log file (CloudTrail logs, folder markers,
 * stray files). Every AWS layout (default, hourly, Hive-compatible, Hive-compatible
 * hourly) ends in the same file name, and only that name is read: the name alone says
 * all there is to know, so a file still parses after being copied or moved elsewhere.
 *
 * @example
 * ```ts
 * parseLogFileKey('AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz')
 * // { account: '123456789012', region: 'us-east-1', flowLogId: 'fl-1234abcd',
 * //   timestamp: 2018-06-20T16:20:00.000Z, hash: 'fe123456', format: 'text' }
 * ```
 */
export function parseLogFileKey(key: string): LogFileName | undefined {
  const match = FILE_NAME.exec(key.slice(key.lastIndexOf('/') + 1))
  if (!match) return undefined
  const [, account, region, flowLogId, year, month, day, hour, minute, hash, extension] = match as unknown as string[]
  const [y, mo, d, h, mi] = [year, month, day, hour, minute].map(Number) as [number, number, number, number, number]
  const timestamp = new Date(0)
  timestamp.setUTCFullYear(y, mo - 1, d) // not Date.UTC, which reads years 0-99 as 1900-1999
  timestamp.setUTCHours(h, mi)
  if (timestamp.getUTCMonth() !== mo - 1 || timestamp.getUTCDate() !== d || h > 23 || mi > 59) return undefined
  return {
    account: account!,
    region: region!,
    flowLogId: flowLogId!,
    timestamp,
    hash: hash!,
    format: extension === 'gz' ? 'text' : 'parquet',
  }
}
