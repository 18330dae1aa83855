/**
 * The query that digests flow logs in Athena: the digest's rules in SQL (Trino, as Athena
 * runs it), over one table per format, with partition predicates that keep it to the
 * folders of the window, the accounts and the regions.
 */
import { digestFormat } from '../digest/digester.js'
import { ACCOUNT_COLUMN, REGION_COLUMN } from './layouts.js'
import { columnOf, type TableDefinition } from './tables.js'

/** A table and what the query reads of it. */
export interface FlowLogTable extends TableDefinition {
  /** The table's name (see `tableName`). */
  readonly name: string
  /** The flow logs of this format: files of other flow logs in the same folders are not read. */
  readonly flowLogIds: readonly string[]
  readonly accounts: readonly string[]
  readonly regions: readonly string[]
  /** The times of the first and last files to read (the start of their 5-minute windows), both inclusive. */
  readonly first: Date
  readonly last: Date
}

/**
 * How the digest aggregates the fields that are not part of the group key: packets and
 * bytes summed, the earliest start, the latest end, tcp-flags OR-ed.
 */
const AGGREGATES: ReadonlyMap<string, (column: string) => string> = new Map([
  ['packets', (column: string) => `sum(${column})`],
  ['bytes', (column: string) => `sum(${column})`],
  ['start', (column: string) => `min(${column})`],
  ['end', (column: string) => `max(${column})`],
  ['tcp-flags', (column: string) => `bitwise_or_agg(${column})`],
])

/** An identifier quoted for Trino. */
const name = (text: string): string => `"${text.replaceAll('"', '""')}"`
/** A string literal for Trino. */
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`
const list = (values: readonly string[]): string => values.map(literal).join(', ')

/**
 * What a flow log file's name says, as a regular expression over `"$path"`: group 1 is
 * the flow log id, group 2 the start of its 5-minute window (`yyyymmddTHHMM`).
 */
const FILE_NAME = String.raw`_(fl-[0-9a-z]+)_(\d{8}T\d{4})Z_[0-9a-zA-Z]+\.log\.(gz|parquet)$`

/** A file name's time, `yyyymmddTHHMM`, of a moment rounded down to the minute. */
function nameTime(time: Date): string {
  return time.toISOString().slice(0, 16).replace(/[-:]/g, '')
}

/**
 * The query: for each table, the groups of its records by the digest's rules, each row
 * the table's index (`format`) and the group as a flow log text line (`line`) in the
 * digest's format of the table. Only records whose log-status is OK count; the
 * ephemeral port (the larger of srcport and dstport when both are above 0, srcport when
 * equal) is written as 0; packets and bytes are summed, start is the earliest, end the
 * latest, tcp-flags are OR-ed; absent values are `-`. Each line carries its group's own
 * window: a digest of the rows gives either window.
 */
export function digestQuery(tables: readonly FlowLogTable[], database: string, keyFields: readonly string[] | undefined): string {
  return tables.map((table, index) => tableQuery(table, index, database, keyFields)).join('\nUNION ALL\n')
}

function tableQuery(table: FlowLogTable, index: number, database: string, keyFields: readonly string[] | undefined): string {
  const { format, layout } = table
  const output = digestFormat(format, keyFields).fields
  const keys = output.filter((field) => !AGGREGATES.has(field))
  const has = (field: string): boolean => format.positions.has(field)
  const column = (field: string): string => name(columnOf(field))

  // The ephemeral port, written as 0 where the digest writes it so.
  const [src, dst] = [column('srcport'), column('dstport')]
  const both = has('srcport') && has('dstport') ? `${src} > 0 AND ${dst} > 0` : undefined
  const keyValue = (field: string): string => {
    if (both && field === 'srcport') return `CASE WHEN ${both} AND ${src} >= ${dst} THEN 0 ELSE ${src} END AS ${src}`
    if (both && field === 'dstport') return `CASE WHEN ${both} AND ${dst} > ${src} THEN 0 ELSE ${dst} END AS ${dst}`
    return column(field)
  }
  const aggregated = output.filter((field) => AGGREGATES.has(field))

  const path = name('$path')
  const conditions = [
    `${name(ACCOUNT_COLUMN)} IN (${list(table.accounts)})`,
    `${name(REGION_COLUMN)} IN (${list(table.regions)})`,
    `${name(layout.timeColumn)} BETWEEN ${literal(layout.folder(table.first))} AND ${literal(layout.folder(table.last))}`,
    `regexp_extract(${path}, ${literal(FILE_NAME)}, 1) IN (${list(table.flowLogIds)})`,
    `regexp_extract(${path}, ${literal(FILE_NAME)}, 2) BETWEEN ${literal(nameTime(table.first))} AND ${literal(nameTime(table.last))}`,
    ...(has('log-status') ? [`${column('log-status')} = 'OK'`] : []),
  ]
  const line = output.map((field) => `coalesce(CAST(${column(field)} AS varchar), '-')`).join(" || ' ' || ")
  return [
    `SELECT ${index} AS "format", ${line} AS "line"`,
    'FROM (',
    `  SELECT ${[...keys.map(column), ...aggregated.map((field) => `${AGGREGATES.get(field)!(column(field))} AS ${column(field)}`)].join(', ')}`,
    '  FROM (',
    `    SELECT ${[...keys.map(keyValue), ...aggregated.map(column)].join(', ')}`,
    `    FROM ${name(database)}.${name(table.name)}`,
    `    WHERE ${conditions.join('\n      AND ')}`,
    '  ) AS records',
    // Without key fields there is one group, and none when no record counts.
    keys.length > 0 ? `  GROUP BY ${keys.map(column).join(', ')}` : '  HAVING count(*) > 0',
    ') AS groups',
  ].join('\n')
}
