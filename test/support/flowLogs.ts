/** Flow log files as AWS delivers them: names, keys in the four layouts, gzip text bodies. */
import { gzipSync } from 'node:zlib'

/** The header line of the default format (version 2). */
export const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'

/** The four ways AWS lays out flow log keys in a bucket. */
export type Layout = 'default' | 'hourly' | 'hive' | 'hive-hourly'
export const LAYOUTS: readonly Layout[] = ['default', 'hourly', 'hive', 'hive-hourly']

export interface FileSpec {
  readonly account: string
  readonly region: string
  readonly flowLogId: string
  /** The start of the delivery window, minute precision (UTC). */
  readonly time: Date
  readonly hash: string
  readonly layout?: Layout
  readonly extension?: 'log.gz' | 'log.parquet'
}

const two = (n: number): string => String(n).padStart(2, '0')

/** `{account}_vpcflowlogs_{region}_{flow-log-id}_{yyyymmddTHHMMZ}_{hash}.log.gz` */
export function fileName(spec: FileSpec): string {
  const t = spec.time
  const stamp = `${t.getUTCFullYear()}${two(t.getUTCMonth() + 1)}${two(t.getUTCDate())}T${two(t.getUTCHours())}${two(t.getUTCMinutes())}Z`
  return `${spec.account}_vpcflowlogs_${spec.region}_${spec.flowLogId}_${stamp}_${spec.hash}.${spec.extension ?? 'log.gz'}`
}

/** The key AWS would deliver the file under, in the spec's layout (default: `default`). */
export function fileKey(spec: FileSpec): string {
  const t = spec.time
  const [yyyy, mm, dd, hh] = [String(t.getUTCFullYear()), two(t.getUTCMonth() + 1), two(t.getUTCDate()), two(t.getUTCHours())]
  const { account, region } = spec
  const name = fileName(spec)
  switch (spec.layout ?? 'default') {
    case 'default':
      return `AWSLogs/${account}/vpcflowlogs/${region}/${yyyy}/${mm}/${dd}/${name}`
    case 'hourly':
      return `AWSLogs/${account}/vpcflowlogs/${region}/${yyyy}/${mm}/${dd}/${hh}/${name}`
    case 'hive':
      return `AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=${yyyy}/month=${mm}/day=${dd}/${name}`
    case 'hive-hourly':
      return `AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=${yyyy}/month=${mm}/day=${dd}/hour=${hh}/${name}`
  }
}

/** A text flow log file: the header line, then the records, gzipped. */
export function gzipLog(records: readonly string[]): Buffer {
  return gzipSync([HEADER, ...records].map((line) => `${line}\n`).join(''))
}

/** The values of a default-format record: protocol 6, an end 60 s after the start and ACCEPT unless given. */
export interface RecordFields {
  account: string
  eni: string
  src: string
  dst: string
  srcport: number
  dstport: number
  protocol?: number
  packets: number
  bytes: number
  start: number
  end?: number
  action?: 'ACCEPT' | 'REJECT'
}

/** A record of the default format. */
export function record(fields: RecordFields): string {
  const { account, eni, src, dst, srcport, dstport, protocol = 6, packets, bytes, start, end = start + 60, action = 'ACCEPT' } = fields
  return `2 ${account} ${eni} ${src} ${dst} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} OK`
}
