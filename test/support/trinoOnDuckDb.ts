/**
 * The differences between Athena's dialects and DuckDB's, for the statements vpcflow
 * writes: everything the test endpoint changes in them before DuckDB runs them is here.
 *
 * - Trino's `bitwise_or_agg(x)` is DuckDB's `bit_or(x)`.
 * - Hive DDL's column types `int`, `bigint`, `string` are DuckDB's `INTEGER`, `BIGINT`, `VARCHAR`.
 * - Reading a text table, Hive's LazySimpleSerDe turns a value that is not a number of a
 *   numeric column (`-`) into NULL: DuckDB's `TRY_CAST`.
 *
 * Alike in both, and so left as they are: double-quoted identifiers, `''` in string
 * literals, `regexp_extract(s, pattern, group)`, `CAST(x AS varchar)`, `coalesce`, `||`,
 * `sum`, `min`, `max`, `CASE`, `UNION ALL`, subqueries with aliases. (DuckDB's `sum` of
 * BIGINT is a HUGEINT where Trino's is a BIGINT: the same digits.)
 */

/** A query of Trino as DuckDB runs it. */
export function duckDbQuery(trino: string): string {
  return trino.replace(/\bbitwise_or_agg\(/g, 'bit_or(')
}

/** A Hive DDL column type as DuckDB's. */
export function duckDbType(hive: string): string {
  const type = { int: 'INTEGER', bigint: 'BIGINT', string: 'VARCHAR' }[hive.toLowerCase()]
  if (!type) throw new Error(`no DuckDB type for the Hive type ${hive}`)
  return type
}

/** A value of a text table's column, read as Hive's LazySimpleSerDe reads it: NULL when it is not of the type. */
export function duckDbTextValue(column: string, type: string): string {
  return `TRY_CAST(${column} AS ${type})`
}
