/**
 * An Athena for the tests: an HTTP server on 127.0.0.1 that speaks Athena's JSON protocol
 * (`X-Amz-Target: AmazonAthena.<Operation>`, `application/x-amz-json-1.1`, errors as
 * `__type` and `Message`) to the real SDK client, and runs the statements with DuckDB over
 * the objects of the S3 test server, read from its directory as Athena reads S3.
 *
 * `CREATE DATABASE` and `CREATE EXTERNAL TABLE` (the Hive DDL vpcflow writes) go to a
 * catalog. A query's tables are read as Athena reads them: partition projection maps the
 * table's `storage.location.template` (injected columns, a date column in its format) to
 * the objects under it, which become the partition values and `"$path"`; text skips
 * `skip.header.line.count` lines of each file; a query on a table with injected
 * partition columns must name their values, or it fails with Athena's CONSTRAINT_VIOLATION.
 *
 * Tests decide how each query goes (`script`: the states polls see, a failure), throttle
 * operations, and hold responses to act while a call is in flight.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readdir, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join, relative, sep } from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { deferred, type Deferred } from './async.js'
import { duckDbQuery, duckDbTextValue, duckDbType } from './trinoOnDuckDb.js'

export type State = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED'

/** How a query goes: the state each poll sees in turn (the last one stays), and a reason if it fails. */
export interface Script {
  readonly states?: readonly State[]
  readonly reason?: string
}

export interface Execution {
  readonly id: string
  readonly statement: string
  state: State
  reason?: string
  /** Polls so far (GetQueryExecution). */
  polls: number
  readonly script: Required<Pick<Script, 'states'>> & Script
  columns: string[]
  rows: Array<Array<string | null>>
  dataScanned: number
  stopped: boolean
}

/** A table as `CREATE EXTERNAL TABLE` defined it. */
export interface HiveTable {
  readonly database: string
  readonly name: string
  readonly columns: ReadonlyArray<{ name: string; type: string }>
  readonly partitions: readonly string[]
  readonly parquet: boolean
  readonly location: string
  readonly properties: ReadonlyMap<string, string>
}

export interface AthenaEndpoint {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string
  readonly databases: Set<string>
  /** Tables by `database.name`. */
  readonly tables: Map<string, HiveTable>
  /** Every query execution, in the order started. */
  readonly executions: Execution[]
  /** How each new query goes. Default: SUCCEEDED at the first poll. */
  script: (statement: string) => Script | undefined
  /** Requests received so far, by operation (`StartQueryExecution`...). */
  count(operation: string): number
  /** The next `times` requests of `operation` fail with TooManyRequestsException (HTTP 400). */
  throttle(operation: string, times: number): void
  /**
   * Holds the response to the next request of `operation` (after acting on it): `reached`
   * resolves when the request came, the response goes once `release()` is called.
   */
  hold(operation: string): { reached: Promise<void>; release(): void }
  /** Executions not ended: QUEUED or RUNNING. */
  running(): Execution[]
  stop(): Promise<void>
}

/** Starts the endpoint over the objects s3rver keeps in `s3Directory`. */
export async function startAthena(s3Directory: string): Promise<AthenaEndpoint> {
  const db = await DuckDBInstance.create(':memory:')
  const duck = await db.connect()
  const databases = new Set<string>()
  const tables = new Map<string, HiveTable>()
  const executions: Execution[] = []
  const counts = new Map<string, number>()
  const throttled = new Map<string, number>()
  const held = new Map<string, { reached: Deferred; released: Deferred }>()
  let ids = 0

  const endpoint: AthenaEndpoint = {
    endpoint: '',
    databases,
    tables,
    executions,
    script: () => undefined,
    count: (operation) => counts.get(operation) ?? 0,
    throttle: (operation, times) => void throttled.set(operation, times),
    hold(operation) {
      const hold = { reached: deferred(), released: deferred() }
      held.set(operation, hold)
      return { reached: hold.reached.promise, release: () => hold.released.resolve() }
    },
    running: () => executions.filter((execution) => execution.state === 'QUEUED' || execution.state === 'RUNNING'),
    stop: async () => {
      for (const hold of held.values()) hold.released.resolve()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      duck.closeSync()
      db.closeSync()
    },
  }

  const operations: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    async StartQueryExecution(input) {
      if (!(input.ResultConfiguration as { OutputLocation?: string } | undefined)?.OutputLocation && input.WorkGroup === undefined) {
        // The primary workgroup has no result location here, as in a new account.
        throw new AthenaError(
          'InvalidRequestException',
          'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
        )
      }
      const statement = String(input.QueryString)
      const script = endpoint.script(statement) ?? {}
      const execution: Execution = {
        id: `query-${++ids}`,
        statement,
        state: 'QUEUED',
        polls: 0,
        script: { ...script, states: script.states ?? ['SUCCEEDED'] },
        columns: [],
        rows: [],
        dataScanned: 0,
        stopped: false,
      }
      executions.push(execution)
      try {
        await run(execution, String((input.QueryExecutionContext as { Database?: string } | undefined)?.Database ?? 'default'))
      } catch (error) {
        execution.reason = (error as Error).message
      }
      return { QueryExecutionId: execution.id }
    },
    async GetQueryExecution(input) {
      const execution = find(input.QueryExecutionId)
      if (execution.state === 'QUEUED' || execution.state === 'RUNNING') {
        const { states } = execution.script
        let next = states[Math.min(execution.polls, states.length - 1)]!
        if (next === 'SUCCEEDED' && execution.reason !== undefined) next = 'FAILED'
        if (next === 'FAILED') execution.reason ??= execution.script.reason ?? 'failed'
        execution.state = next
      }
      execution.polls++
      const ended = execution.state === 'SUCCEEDED' || execution.state === 'FAILED' || execution.state === 'CANCELLED'
      return {
        QueryExecution: {
          QueryExecutionId: execution.id,
          Query: execution.statement,
          StatementType: /^\s*CREATE/i.test(execution.statement) ? 'DDL' : 'DML',
          Status: {
            State: execution.state,
            ...(execution.state === 'FAILED' ? { StateChangeReason: execution.reason } : {}),
            SubmissionDateTime: Date.now() / 1000,
            ...(ended ? { CompletionDateTime: Date.now() / 1000 } : {}),
          },
          Statistics: { DataScannedInBytes: execution.state === 'QUEUED' ? 0 : execution.dataScanned, EngineExecutionTimeInMillis: 1 },
        },
      }
    },
    async GetQueryResults(input) {
      const execution = find(input.QueryExecutionId)
      if (execution.state !== 'SUCCEEDED') throw new AthenaError('InvalidRequestException', `Query has not yet finished. Current state: ${execution.state}`)
      const max = Number(input.MaxResults ?? 1000)
      if (!(max >= 1 && max <= 1000)) throw new AthenaError('InvalidRequestException', 'MaxResults must be between 1 and 1000')
      // The first row of the first page names the columns, as Athena's result sets do for SELECT.
      const all = [execution.columns, ...execution.rows]
      const from = Number(input.NextToken ?? 0)
      const page = all.slice(from, from + max)
      return {
        ResultSet: {
          Rows: page.map((row) => ({ Data: row.map((value) => (value === null ? {} : { VarCharValue: value })) })),
          ResultSetMetadata: { ColumnInfo: execution.columns.map((name) => ({ Name: name, Type: 'varchar' })) },
        },
        ...(from + max < all.length ? { NextToken: String(from + max) } : {}),
      }
    },
    async StopQueryExecution(input) {
      const execution = find(input.QueryExecutionId)
      execution.stopped = true
      if (execution.state === 'QUEUED' || execution.state === 'RUNNING') execution.state = 'CANCELLED'
      return {}
    },
  }

  function find(id: unknown): Execution {
    const execution = executions.find((candidate) => candidate.id === id)
    if (!execution) throw new AthenaError('InvalidRequestException', `QueryExecution ${String(id)} was not found`)
    return execution
  }

  /** Runs a statement as Athena would: DDL into the catalog, queries with DuckDB over the tables' objects. */
  async function run(execution: Execution, database: string): Promise<void> {
    const { statement } = execution
    const createDatabase = /^CREATE DATABASE IF NOT EXISTS `([^`]+)`$/.exec(statement.trim())
    if (createDatabase) return void databases.add(createDatabase[1]!)
    if (/^CREATE EXTERNAL TABLE/.test(statement)) {
      const table = parseTable(statement)
      if (!databases.has(table.database)) throw new Error(`SemanticException [Error 10072]: Database does not exist: ${table.database}`)
      const key = `${table.database}.${table.name}`
      if (!tables.has(key)) tables.set(key, table)
      return
    }
    let scanned = 0
    for (const table of tables.values()) {
      if (!statement.includes(`"${table.database}"."${table.name}"`) && !(table.database === database && statement.includes(`"${table.name}"`))) continue
      for (const column of table.partitions) {
        if (table.properties.get(`projection.${column}.type`) === 'injected' && !new RegExp(`"${column}" (IN \\(|= ')`).test(statement)) {
          throw new Error(`CONSTRAINT_VIOLATION: For the injected projected partition column ${column}, the WHERE clause must contain only static equality conditions, and at least one such condition must be present.`)
        }
      }
      scanned += await defineView(duck, table)
    }
    const reader = await duck.runAndReadAll(duckDbQuery(statement))
    execution.columns = reader.columnNames()
    execution.rows = reader.getRowsJS().map((row) => row.map((value) => (value === null || value === undefined ? null : String(value))))
    execution.dataScanned = scanned
  }

  /** Makes `database.table` a DuckDB view over the objects its projection reaches; returns their bytes. */
  async function defineView(connection: DuckDBConnection, table: HiveTable): Promise<number> {
    const template = table.properties.get('storage.location.template') ?? table.location
    const [, bucket = '', keys = ''] = /^s3:\/\/([^/]+)\/(.*)$/.exec(template) ?? []
    const pattern = new RegExp(`^${locationPattern(keys, table)}/[^/]+$`)
    const files: Array<{ path: string; key: string; size: number; values: string[] }> = []
    for (const path of await objectFiles(join(s3Directory, bucket))) {
      const key = relative(join(s3Directory, bucket), path).split(sep).join('/').replace(/\._S3rver_object$/, '')
      const match = pattern.exec(key)
      if (match) files.push({ path, key, size: (await stat(path)).size, values: table.partitions.map((column) => match.groups![column]!) })
    }
    const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`
    const ident = (text: string): string => `"${text.replaceAll('"', '""')}"`
    const typed = table.columns.map(({ name, type }) => ({ name, type: duckDbType(type) }))
    const partitions = [...table.partitions, '$path']
    let select: string
    if (files.length === 0 || (!table.parquet && !files.some((file) => file.key.endsWith('.gz')))) {
      select = `SELECT ${[...typed.map(({ name, type }) => `CAST(NULL AS ${type}) AS ${ident(name)}`), ...partitions.map((column) => `CAST(NULL AS VARCHAR) AS ${ident(column)}`)].join(', ')} WHERE false`
    } else {
      const list = `[${files.map((file) => quote(file.path)).join(', ')}]`
      // A text table reads each line as Hive's LazySimpleSerDe does: split at single spaces,
      // missing fields NULL, extra ones ignored (files of another format in the same folders).
      // Hive would read a Parquet file beside them as lines of bytes, which "$path" then
      // leaves out; DuckDB cannot decode those, so only the .gz files are read here.
      const gzipped = files.filter((file) => file.key.endsWith('.gz'))
      const source = table.parquet
        ? `read_parquet(${list}, filename = true, union_by_name = true)`
        : `read_csv([${gzipped.map((file) => quote(file.path)).join(', ')}], delim = '\x1f', header = false, ` +
          `skip = ${Number(table.properties.get('skip.header.line.count') ?? 0)}, columns = {'line': 'VARCHAR'}, compression = 'gzip', ` +
          `filename = true, quote = '', escape = '', auto_detect = false, null_padding = true)`
      const values = files.map((file) => `(${[file.path, ...file.values, `s3://${bucket}/${file.key}`].map(quote).join(', ')})`).join(', ')
      const columns = typed.map(({ name, type }, i) =>
        table.parquet ? `CAST(data.${ident(name)} AS ${type}) AS ${ident(name)}` : `${duckDbTextValue(`string_split(data.line, ' ')[${i + 1}]`, type)} AS ${ident(name)}`,
      )
      select =
        `SELECT ${[...columns, ...partitions.map((column) => `objects.${ident(column)}`)].join(', ')} FROM ${source} AS data ` +
        `JOIN (VALUES ${values}) AS objects(${['file', ...partitions].map(ident).join(', ')}) ON data.filename = objects.file`
    }
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${ident(table.database)}`)
    await connection.run(`CREATE OR REPLACE VIEW ${ident(table.database)}.${ident(table.name)} AS ${select}`)
    return files.reduce((sum, file) => sum + file.size, 0)
  }

  const server = createServer((request, response) => void handle(request, response))
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const operation = String(request.headers['x-amz-target'] ?? '').replace(/^AmazonAthena\./, '')
    counts.set(operation, (counts.get(operation) ?? 0) + 1)
    let status = 200
    let body: unknown
    try {
      const throttles = throttled.get(operation) ?? 0
      if (throttles > 0) {
        throttled.set(operation, throttles - 1)
        throw new AthenaError('TooManyRequestsException', 'Rate exceeded')
      }
      const handler = operations[operation]
      if (!handler) throw new AthenaError('UnknownOperationException', `no such operation: ${operation}`)
      body = await handler(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>)
    } catch (error) {
      status = 400
      body = error instanceof AthenaError ? { __type: error.type, Message: error.message } : { __type: 'InternalServerException', Message: String(error) }
      if (!(error instanceof AthenaError)) status = 500
    }
    const hold = held.get(operation)
    if (hold) {
      held.delete(operation)
      hold.reached.resolve()
      await hold.released.promise
    }
    const text = JSON.stringify(body)
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text) })
    response.end(text)
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(endpoint, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
}

class AthenaError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message)
  }
}

/** The files of the objects under a folder of s3rver's. */
async function objectFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('._S3rver_object')).map((entry) => join(entry.parentPath, entry.name))
}

/**
 * A regular expression for the keys a location template reaches: each `${column}` a
 * named group, an injected column any folder name, a date column what its format writes.
 */
function locationPattern(template: string, table: HiveTable): string {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return template
    .split(/(\$\{[a-z_]+\})/)
    .map((part) => {
      const column = /^\$\{([a-z_]+)\}$/.exec(part)?.[1]
      if (!column) return escape(part)
      const type = table.properties.get(`projection.${column}.type`)
      if (type !== 'date') return `(?<${column}>[^/]+)`
      return `(?<${column}>${dateFormatPattern(table.properties.get(`projection.${column}.format`) ?? '', escape)})`
    })
    .join('')
}

/** What a Java DateTimeFormatter pattern (`yyyy/MM/dd`, `'year='yyyy`) writes, as a regular expression. */
function dateFormatPattern(format: string, escape: (text: string) => string): string {
  return (format.match(/'[^']*'|yyyy|MM|dd|HH|./g) ?? [])
    .map((token) => (token.startsWith("'") ? escape(token.slice(1, -1)) : token === 'yyyy' ? '\\d{4}' : /^(MM|dd|HH)$/.test(token) ? '\\d{2}' : escape(token)))
    .join('')
}

/** The parts of the `CREATE EXTERNAL TABLE` vpcflow writes. */
function parseTable(statement: string): HiveTable {
  const head = /^CREATE EXTERNAL TABLE IF NOT EXISTS `([^`]+)`\.`([^`]+)` \(\n([\s\S]*?)\n\)\nPARTITIONED BY \(([^)]*)\)\n([^\n]+)\nLOCATION "([^"]+)"\nTBLPROPERTIES \(\n([\s\S]*)\n\)$/.exec(statement)
  if (!head) throw new Error(`line 1:1: mismatched input: the test endpoint does not read this DDL: ${statement.slice(0, 80)}`)
  const [, database, name, columns, partitions, storage, location, properties] = head as unknown as string[]
  const column = (text: string) => {
    const [, columnName, type] = /^\s*`([^`]+)` (\w+)$/.exec(text)!
    return { name: columnName!, type: type! }
  }
  return {
    database: database!,
    name: name!,
    columns: columns!.split(',\n').map(column),
    partitions: partitions!.split(', ').map((text) => column(text).name),
    parquet: storage === 'STORED AS PARQUET',
    location: location!,
    properties: new Map([...properties!.matchAll(/"([^"]+)" = "((?:[^"\\]|\\.)*)"/g)].map((match) => [match[1]!, match[2]!.replace(/\\(.)/g, '$1')])),
  }
}
