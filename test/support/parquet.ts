/** Writes flow log text as Parquet with a real writer (DuckDB), typed as AWS types its columns. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

const INT32 = new Set(['version', 'srcport', 'dstport', 'protocol', 'tcp-flags', 'traffic-path', 'encryption-status'])
const INT64 = new Set(['packets', 'bytes', 'start', 'end'])

export type Codec = 'snappy' | 'gzip' | 'zstd'

/**
 * The Parquet bytes of a text flow log file (header line, then records; `-` is null).
 * `rename` changes column names (e.g. to `account_id`); `drop` leaves columns out.
 */
export async function toParquet(
  text: string,
  options: { codec?: Codec; rowGroupSize?: number; rename?: (field: string) => string; drop?: string[] } = {},
): Promise<Uint8Array> {
  const { codec = 'snappy', rowGroupSize = 122880, rename = (f: string) => f, drop = [] } = options
  const [header = '', ...lines] = text.trim().split('\n')
  const fields = header.trim().split(/\s+/)
  const dir = mkdtempSync(join(tmpdir(), 'vpcflow-parquet-'))
  try {
    const csv = join(dir, 'records.txt')
    writeFileSync(csv, lines.map((line) => line.trim().split(/\s+/).join('\t')).join('\n') + '\n')
    const columns = Object.fromEntries(fields.map((f) => [f, 'VARCHAR']))
    const select = fields
      .filter((f) => !drop.includes(f))
      .map((f) => {
        const type = INT32.has(f) ? 'INTEGER' : INT64.has(f) ? 'BIGINT' : 'VARCHAR'
        return `CAST(NULLIF("${f}", '-') AS ${type}) AS "${rename(f)}"`
      })
      .join(', ')
    const out = join(dir, 'records.parquet')
    const db = await DuckDBInstance.create(':memory:')
    const connection = await db.connect()
    await connection.run(
      `COPY (SELECT ${select} FROM read_csv('${csv}', delim='\t', header=false, columns=${JSON.stringify(columns).replaceAll('"', "'")}))
       TO '${out}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${rowGroupSize})`,
    )
    connection.closeSync()
    db.closeSync()
    return new Uint8Array(readFileSync(out))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
