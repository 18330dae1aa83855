import type { AthenaClient, QueryExecutionState } from '@aws-sdk/client-athena'
import type { S3Client } from '@aws-sdk/client-s3'
import { digest, type DigestOptions } from '../digest/digest.js'
import type { ListLogFilesOptions } from '../listLogFiles.js'
import type { LogFile } from '../parseLogFileKey.js'
import { abortSignal, callback, validDate } from '../options.js'
import { discover } from './discover.js'
import { checkKeyFields, digestFormat } from '../digest/digester.js'
import { digestQuery, type FlowLogTable } from './query.js'
import { DEFAULT_POLL_INTERVAL, doubling, runQuery, type QueryContext } from './queryExecution.js'
import { queryResults } from './queryResults.js'
import { createDatabaseStatement, createTableStatement } from './tables.js'

/**
 * What to read, as for `listLogFiles` (`bucket`, `prefix`, `start`, `end`, `accounts`,
 * `regions`), and how to digest it, as for `digest` (`keyFields`, `window`, and `maxMemory`
 * and `tempDir` for the groups of the rows, which may be many).
 */
export interface AthenaDigestOptions
  extends Pick<ListLogFilesOptions, 'bucket' | 'prefix' | 'start' | 'end' | 'accounts' | 'regions'>,
    Pick<DigestOptions, 'keyFields' | 'window' | 'maxMemory' | 'tempDir'> {
  /** The Athena client the statements run with. */
  client: AthenaClient
  /** The S3 client that lists the log files and reads a header of each flow log. */
  s3: S3Client
  /** Only files of these flow logs. */
  flowLogIds?: readonly string[]
  /** The Glue database the tables are made in (and made, if missing). Default `vpcflow`. */
  database?: string
  /** The Athena workgroup the statements run in. Default: the account's `primary`. */
  workgroup?: string
  /**
   * Where Athena writes results, e.g. `s3://my-athena-results/vpcflow/`. Default: the
   * workgroup's own result location (Athena fails the query when it has none).
   */
  outputLocation?: string
  /**
   * The wait before each poll of a statement's state, in milliseconds: a number is the
   * first wait, which doubles at each poll up to 1 s; a function is given the poll
   * number (1, 2...) and returns the wait. Default 100.
   */
  pollInterval?: number | ((poll: number) => number)
  /** Told how the work goes: the listing, each statement's state and the data it scanned, the rows read. */
  onProgress?: (progress: AthenaProgress) => void
  /** Stops the work; a query under way is stopped (StopQueryExecution), and the iteration rejects with the signal's reason. */
  signal?: AbortSignal
}

/** How an Athena digest goes, as `onProgress` is told. */
export type AthenaProgress =
  | {
      readonly step: 'listing'
      /** The log file just listed. */
      readonly file: LogFile
      /** Log files listed so far, and their bytes. */
      readonly files: number
      readonly bytes: number
    }
  | {
      readonly step: 'table' | 'query'
      /** The statement: a `CREATE`, or the digest's query. */
      readonly statement: string
      readonly queryExecutionId: string
      readonly state: QueryExecutionState
      /** Bytes the statement has scanned so far: what Athena bills, $5 per TB. */
      readonly dataScannedInBytes: number
    }
  | { readonly step: 'results'; readonly rows: number }

/** What an Athena digest runs: its statements, and what the listing found. */
export interface AthenaPlan {
  /** The tables the flow logs of the window need. */
  readonly tables: readonly FlowLogTable[]
  /** `CREATE DATABASE IF NOT EXISTS`, then `CREATE EXTERNAL TABLE IF NOT EXISTS` for each table; none when there is nothing to read. */
  readonly ddl: readonly string[]
  /** The digest's query; empty when there is nothing to read. */
  readonly query: string
  /** Log files in the window and their stored bytes: the most the query can scan. */
  readonly files: number
  readonly bytes: number
}

/** The price of a query, in dollars, at Athena's $5 per TB (10^12 bytes) scanned, rounded up to the megabyte, with its 10 MB minimum. */
export function athenaPrice(dataScannedInBytes: number): number {
  const megabytes = Math.max(10, Math.ceil(dataScannedInBytes / 1e6))
  return (megabytes * 1e6 * 5) / 1e12
}

/** The default database of the tables. */
export const DEFAULT_DATABASE = 'vpcflow'

/**
 * The same digest as `digest()` over the same objects, byte for byte, computed by Amazon
 * Athena: for buckets too large to read object by object. It lists the log files of the
 * window with `listLogFiles`, reads a header (or Parquet schema) of each flow log, makes
 * a table per format if missing (partition projection matching the layout), runs one
 * query that applies the digest's rules, and reads its result a page at a time through
 * `digest()` for the order, header and formatting (the digest of a digest is the
 * digest). Memory: a page of rows and the local digest's groups.
 *
 * @example
 * ```ts
 * import { AthenaClient } from '@aws-sdk/client-athena'
 * import { S3Client } from '@aws-sdk/client-s3'
 * const text = athenaDigest({
 *   client: new AthenaClient({}), s3: new S3Client({}), bucket: 'my-flow-logs', prefix: 'AWSLogs/',
 *   start: new Date('2024-05-01T00:00Z'), end: new Date('2024-05-31T23:55Z'),
 *   outputLocation: 's3://my-athena-results/vpcflow/',
 * })
 * for await (const chunk of pipe(text, toDot())) process.stdout.write(chunk)
 * ```
 */
export function athenaDigest(options: AthenaDigestOptions): AsyncGenerator<Uint8Array> {
  const settings = validate(options)
  const { local } = settings
  return (async function* () {
    const plan = await planOf(settings)
    if (plan.tables.length === 0) return
    const context = (step: 'table' | 'query', statement: string): QueryContext => ({
      ...settings,
      onState: settings.onProgress && ((state) => settings.onProgress!({ step, statement, ...state })),
    })
    for (const statement of plan.ddl) await runQuery(statement, statement.split('\n')[0]!.replace(/ \($/, ''), context('table', statement))
    const what = 'the digest query'
    const { queryExecutionId } = await runQuery(plan.query, what, context('query', plan.query))
    yield* local(resultText(queryExecutionId, what, plan.tables, settings))
  })()
}

/**
 * What `athenaDigest` would run, without running it: the listing and the headers are
 * read (from S3), no Athena statement is. For review of the statements, the data they
 * may scan, and the permissions they need.
 *
 * @example
 * ```ts
 * const plan = await planAthenaDigest({ client, s3, bucket: 'my-flow-logs', prefix: 'AWSLogs/', start, end })
 * console.log([...plan.ddl, plan.query].join(';\n\n'), `\n-- at most ${plan.bytes} bytes: $${athenaPrice(plan.bytes)}`)
 * ```
 */
export function planAthenaDigest(options: AthenaDigestOptions): Promise<AthenaPlan> {
  return planOf(validate(options))
}

type Settings = ReturnType<typeof validate>

function validate(options: AthenaDigestOptions) {
  const { client, s3, bucket, prefix, database = DEFAULT_DATABASE, workgroup, outputLocation, keyFields } = options
  if (!client || typeof client.send !== 'function') throw new TypeError('client must be an AthenaClient')
  if (!s3 || typeof s3.send !== 'function') throw new TypeError('s3 must be an S3Client')
  if (typeof bucket !== 'string' || bucket === '') throw new TypeError(`bucket must be a non-empty string, got ${String(bucket)}`)
  if (typeof database !== 'string' || !/^[a-z0-9_]{1,255}$/.test(database)) {
    throw new TypeError(`database must be a name of lower-case letters, digits and underscores, got ${String(database)}`)
  }
  if (workgroup !== undefined && (typeof workgroup !== 'string' || workgroup === '')) throw new TypeError(`workgroup must be a non-empty string, got ${String(workgroup)}`)
  if (outputLocation !== undefined && (typeof outputLocation !== 'string' || !/^s3:\/\/[^/]+/.test(outputLocation))) {
    throw new TypeError(`outputLocation must be an s3://bucket/prefix/ URL, got ${String(outputLocation)}`)
  }
  const start = options.start && validDate('start', options.start)
  const end = options.end && validDate('end', options.end)
  const lists = { accounts: options.accounts, regions: options.regions, flowLogIds: options.flowLogIds }
  for (const [name, list] of Object.entries(lists)) {
    if (list !== undefined && (!Array.isArray(list) || list.length === 0 || list.some((value) => typeof value !== 'string' || !/^[a-z0-9-]+$/.test(value)))) {
      throw new TypeError(`${name} must be a non-empty array of ids, got ${JSON.stringify(list)}`)
    }
  }
  const signal = abortSignal('signal', options.signal)
  // The rows go through digest, which checks window and keyFields as it would for the objects themselves.
  const local = digest({ window: options.window, keyFields, maxMemory: options.maxMemory, tempDir: options.tempDir, signal })
  const { pollInterval = DEFAULT_POLL_INTERVAL } = options
  if (typeof pollInterval !== 'function' && (typeof pollInterval !== 'number' || !Number.isFinite(pollInterval) || pollInterval < 0)) {
    throw new TypeError(`pollInterval must be a number of milliseconds >= 0 or a function, got ${String(pollInterval)}`)
  }
  return {
    client,
    s3,
    bucket,
    prefix,
    start,
    end,
    ...lists,
    keyFields,
    database,
    workgroup,
    outputLocation,
    pollInterval: typeof pollInterval === 'function' ? pollInterval : doubling(pollInterval),
    onProgress: callback('onProgress', options.onProgress),
    signal,
    local,
  }
}

async function planOf(settings: Settings): Promise<AthenaPlan> {
  const { database, keyFields, onProgress } = settings
  const onListed = onProgress && ((file: LogFile, files: number, bytes: number) => onProgress({ step: 'listing', file, files, bytes }))
  const { tables, files, bytes } = await discover({ ...settings, onListed })
  checkKeyFields(keyFields, tables.map((table) => table.format))
  if (tables.length === 0) return { tables, ddl: [], query: '', files, bytes }
  return {
    tables,
    ddl: [createDatabaseStatement(database), ...tables.map((table) => createTableStatement(table, database))],
    query: digestQuery(tables, database, keyFields),
    files,
    bytes,
  }
}

/** The result's rows as flow log text: each table's digest header before its rows. */
async function* resultText(queryExecutionId: string, what: string, tables: readonly FlowLogTable[], settings: Settings): AsyncGenerator<Uint8Array> {
  const { client, keyFields } = settings
  const headers = tables.map((table) => digestFormat(table.format, keyFields).header)
  let current: string | null | undefined
  let rows = 0
  for await (const page of queryResults(client, queryExecutionId, what, settings.signal)) {
    const lines: string[] = []
    for (const [format, line] of page) {
      if (format !== current) {
        current = format
        lines.push(headers[Number(format)]!)
      }
      lines.push(line ?? '')
    }
    rows += page.length
    settings.onProgress?.({ step: 'results', rows })
    if (lines.length > 0) yield Buffer.from(`${lines.join('\n')}\n`)
  }
}
