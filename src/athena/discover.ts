/**
 * What Athena needs to know about the flow logs in a bucket, found with vpcflow's own
 * listing: the flow logs in the window, their layout, accounts and regions, and the
 * format of each (the header of one of its objects, or its Parquet schema). Flow logs
 * that share a format, a storage format and a place share a table.
 */
import { constants, gunzipSync } from 'node:zlib'
import type { S3Client } from '@aws-sdk/client-s3'
import { parquetMetadataAsync, parquetSchema } from 'hyparquet'
import { FlowLogError, objectUrl, s3Failure } from '../errors.js'
import { formatOf, KNOWN_FIELDS } from '../format.js'
import { listLogFiles } from '../listLogFiles.js'
import type { LogFile } from '../parseLogFileKey.js'
import { s3Sdk } from '../s3Sdk.js'
import { layoutOf } from './layouts.js'
import type { FlowLogTable } from './query.js'
import { tableName, type TableDefinition } from './tables.js'

export interface DiscoveryOptions {
  readonly s3: S3Client
  readonly bucket: string
  readonly prefix: string | undefined
  readonly start: Date | undefined
  readonly end: Date | undefined
  readonly accounts: readonly string[] | undefined
  readonly regions: readonly string[] | undefined
  readonly flowLogIds: readonly string[] | undefined
  /** Told each log file listed, with the files and bytes listed so far. */
  readonly onListed: ((file: LogFile, files: number, bytes: number) => void) | undefined
  readonly signal: AbortSignal | undefined
}

/** The tables the flow logs of the window need, and what the listing found. */
export interface Discovery {
  readonly tables: readonly FlowLogTable[]
  /** Log files in the window, and their stored bytes: what a query reads at most. */
  readonly files: number
  readonly bytes: number
}

/** One flow log's files in the window. */
interface FlowLog {
  readonly sample: LogFile
  readonly place: Omit<TableDefinition, 'format'>
  readonly accounts: Set<string>
  readonly regions: Set<string>
  /** The region folders its files lie in. */
  readonly folders: Set<string>
  first: Date
  last: Date
}

/** Headers read at once. */
const CONCURRENCY = 8
/** The bytes read from the start of a gzip text object for its header line: far more than any header needs. */
const HEAD_BYTES = 64 * 1024

/** Lists the log files of the window and finds the tables they need. */
export async function discover(options: DiscoveryOptions): Promise<Discovery> {
  const { s3, bucket, prefix, start, end, accounts, regions, flowLogIds, onListed, signal } = options
  const flowLogs = new Map<string, FlowLog>()
  /** The region folders that hold text files, of any flow log. */
  const textFolders = new Set<string>()
  let files = 0
  let bytes = 0
  for await (const file of listLogFiles({ client: s3, bucket, prefix, start, end, accounts, regions, signal })) {
    const located = layoutOf(file.key)
    if (located && file.format === 'text') textFolders.add(located.region)
    if (flowLogIds && !flowLogIds.includes(file.flowLogId)) continue
    files++
    bytes += file.size
    onListed?.(file, files, bytes)
    if (!located) {
      throw new Error(`${objectUrl(file)} is in none of the four layouts AWS writes, which Athena's partition projection reads: digest it without Athena`)
    }
    const place = { storage: file.format, layout: located.layout, bucket, root: located.root }
    const id = JSON.stringify([file.flowLogId, place.storage, place.layout.name, place.root])
    const flowLog = flowLogs.get(id)
    if (!flowLog) {
      const sets = { accounts: new Set([file.account]), regions: new Set([file.region]), folders: new Set([located.region]) }
      flowLogs.set(id, { sample: file, place, ...sets, first: file.timestamp, last: file.timestamp })
      continue
    }
    flowLog.accounts.add(file.account)
    flowLog.regions.add(file.region)
    flowLog.folders.add(located.region)
    if (file.timestamp < flowLog.first) flowLog.first = file.timestamp
    if (file.timestamp > flowLog.last) flowLog.last = file.timestamp
  }

  const all = [...flowLogs.values()]
  // A table reads every file in its partitions' folders: Parquet cannot read text.
  for (const flowLog of all) {
    const shared = flowLog.place.storage === 'parquet' && [...flowLog.folders].find((folder) => textFolders.has(folder))
    if (shared) {
      throw new Error(
        `s3://${bucket}/${shared} holds Parquet and text flow log files side by side, and an Athena table of Parquet reads every file of its folders: digest them without Athena`,
      )
    }
  }
  const fields = new Array<readonly string[]>(all.length)
  let next = 0
  const reader = async (): Promise<void> => {
    for (let i = next++; i < all.length; i = next++) fields[i] = await formatFields(s3, all[i]!.sample, signal)
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, all.length) }, reader))

  const tables = new Map<string, FlowLogTable>()
  all.forEach((flowLog, i) => {
    const definition: TableDefinition = { ...flowLog.place, format: formatOf(fields[i]!) }
    const { format, storage } = definition
    if (storage === 'text' && format.tags.length > 0) {
      const tags = format.tags.map((position) => format.fields[position]).join(', ')
      throw new Error(
        `${objectUrl(flowLog.sample)}: its format has ${tags}, tag values that may hold blanks, which a space-separated Athena table cannot tell from the blanks between fields: digest it without Athena, or have it delivered as Parquet`,
      )
    }
    const name = tableName(definition)
    const table = tables.get(name)
    const union = <T>(a: readonly T[], b: Iterable<T>): T[] => [...new Set([...a, ...b])].sort()
    tables.set(name, {
      ...definition,
      name,
      flowLogIds: union(table?.flowLogIds ?? [], [flowLog.sample.flowLogId]),
      accounts: union(table?.accounts ?? [], flowLog.accounts),
      regions: union(table?.regions ?? [], flowLog.regions),
      first: table && table.first < flowLog.first ? table.first : flowLog.first,
      last: table && table.last > flowLog.last ? table.last : flowLog.last,
    })
  })
  return { tables: [...tables.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), files, bytes }
}

/** The fields of a log file: its header line, or its Parquet columns (`_` read as `-`). */
async function formatFields(s3: S3Client, file: LogFile, signal: AbortSignal | undefined): Promise<readonly string[]> {
  if (file.format === 'parquet') {
    const metadata = await parquetMetadataAsync({ byteLength: file.size, slice: (from, to) => range(s3, file, from, to ?? file.size, signal) }).catch(
      (error: unknown) => {
        if (error instanceof FlowLogError || signal?.aborted) throw error
        throw new FlowLogError(`unreadable Parquet file: ${(error as Error).message}`, { code: 'UNREADABLE_PARQUET', object: objectUrl(file), cause: error })
      },
    )
    return parquetSchema(metadata).children.map((column) => column.element.name.replaceAll('_', '-'))
  }
  const head = new Uint8Array(await range(s3, file, 0, Math.min(file.size, HEAD_BYTES), signal))
  let text: Buffer
  try {
    // The start of a gzip stream inflates as far as it goes.
    text = head[0] === 0x1f && head[1] === 0x8b ? gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH }) : Buffer.from(head)
  } catch (error) {
    throw new FlowLogError(`corrupt gzip: ${(error as Error).message}`, { code: 'CORRUPT_GZIP', object: objectUrl(file), cause: error })
  }
  const newline = text.indexOf(10)
  const fields = text.toString('latin1', 0, newline < 0 ? text.length : newline).replace(/^\xef\xbb\xbf/, '').trim().split(/\s+/)
  if (!fields.every((field) => /^[a-z][a-z0-9-]*$/.test(field)) || !fields.some((field) => KNOWN_FIELDS.has(field))) {
    throw new FlowLogError('no header line: the first line of a flow log file names its fields', { code: 'MISSING_FIELD', object: objectUrl(file), line: 1 })
  }
  return fields
}

/** Bytes `from` to `to` (exclusive) of a log file's object. */
async function range(s3: S3Client, file: LogFile, from: number, to: number, signal: AbortSignal | undefined): Promise<ArrayBuffer> {
  const { GetObjectCommand } = await s3Sdk()
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: file.bucket, Key: file.key, Range: `bytes=${from}-${to - 1}` }), { abortSignal: signal })
    const bytes = await response.Body!.transformToByteArray()
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  } catch (error) {
    throw s3Failure('GetObject', objectUrl(file), error, signal ?? new AbortController().signal)
  }
}
