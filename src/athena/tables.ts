/**
 * The Athena table of a set of flow logs that share a format, a storage format and a
 * place: its name, columns and `CREATE EXTERNAL TABLE` statement, with partition
 * projection matching the layout.
 */
import { createHash } from 'node:crypto'
import { NUMERIC_FIELDS, type Format } from '../format.js'
import { ACCOUNT_COLUMN, REGION_COLUMN, type Layout } from './layouts.js'

/** What defines a table: the same definition always gives the same name and the same DDL. */
export interface TableDefinition {
  /** The fields of the flow logs' format, as their header (or Parquet schema) names them. */
  readonly format: Format
  /** `text` for gzip text with a header line, `parquet` for Parquet. */
  readonly storage: 'text' | 'parquet'
  readonly layout: Layout
  readonly bucket: string
  /** The folder the account folders lie in, e.g. `AWSLogs/`. */
  readonly root: string
}

/** The earliest time folder partition projection offers: before any flow log was delivered to S3. */
const FIRST_FOLDER = new Date(Date.UTC(2015, 0, 1))

/** A field's column name: `-` read as `_`, as in AWS's own tables and Parquet files (`account-id` is `account_id`). */
export function columnOf(field: string): string {
  return field.replaceAll('-', '_')
}

/**
 * A field's column type: counts and times (packets, bytes, start, end) are `bigint`, other
 * numeric fields `int`, and the rest `string`, as AWS types them in Parquet.
 */
function columnType(field: string): 'bigint' | 'int' | 'string' {
  if (!NUMERIC_FIELDS.has(field)) return 'string'
  return field === 'packets' || field === 'bytes' || field === 'start' || field === 'end' ? 'bigint' : 'int'
}

/**
 * The table's name: `flow_logs_` and a hash of its definition, so two formats (or two
 * places, or text and Parquet) never share a table, and the same flow logs find the
 * table made for them before.
 */
export function tableName(table: TableDefinition): string {
  const { format, storage, layout, bucket, root } = table
  const hash = createHash('sha256').update(JSON.stringify([format.header, storage, layout.name, bucket, root])).digest('hex')
  return `flow_logs_${hash.slice(0, 16)}`
}

/** The location of the table: the folder the account folders lie in. */
function tableLocation(table: TableDefinition): string {
  return `s3://${table.bucket}/${table.root}`
}

/** A name quoted for Athena's DDL (Hive): backticks. */
const ddlName = (name: string): string => `\`${name.replaceAll('`', '``')}\``

/** A string quoted for Athena's DDL (Hive): double quotes, as AWS writes table properties. */
const ddlString = (text: string): string => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`

/** `CREATE DATABASE IF NOT EXISTS` for the database the tables go to. */
export function createDatabaseStatement(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${ddlName(database)}`
}

/**
 * `CREATE EXTERNAL TABLE IF NOT EXISTS` for the table: a column per field of the format,
 * partitioned by account and region (injected: the query names them) and the time
 * folders (a date range from 2015 to now, by day or hour), whose locations partition
 * projection computes from the layout, so that no partition is ever added by hand and a
 * query reads only the folders its predicates allow. Text files skip their header line.
 */
export function createTableStatement(table: TableDefinition, database: string): string {
  const { layout, storage } = table
  const time = layout.timeColumn
  const columns = table.format.fields.map((field) => `  ${ddlName(columnOf(field))} ${columnType(field)}`).join(',\n')
  const properties: Array<[string, string]> = [
    ...(storage === 'text' ? [['skip.header.line.count', '1'] as [string, string]] : []),
    ['projection.enabled', 'true'],
    [`projection.${ACCOUNT_COLUMN}.type`, 'injected'],
    [`projection.${REGION_COLUMN}.type`, 'injected'],
    [`projection.${time}.type`, 'date'],
    [`projection.${time}.format`, layout.dateFormat],
    [`projection.${time}.range`, `${layout.folder(FIRST_FOLDER)},NOW`],
    [`projection.${time}.interval`, '1'],
    [`projection.${time}.interval.unit`, layout.unit],
    ['storage.location.template', tableLocation(table) + layout.template],
  ]
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${ddlName(database)}.${ddlName(tableName(table))} (`,
    columns,
    ')',
    `PARTITIONED BY (${[ACCOUNT_COLUMN, REGION_COLUMN, time].map((column) => `${ddlName(column)} string`).join(', ')})`,
    storage === 'text' ? "ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '" : 'STORED AS PARQUET',
    `LOCATION ${ddlString(tableLocation(table))}`,
    'TBLPROPERTIES (',
    properties.map(([name, value]) => `  ${ddlString(name)} = ${ddlString(value)}`).join(',\n'),
    ')',
  ].join('\n')
}
