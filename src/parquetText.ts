import { parquetMetadata, parquetRead, parquetSchema } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { FlowLogError } from './errors.js'

/** Whether a body is a Parquet file: it starts with the magic bytes `PAR1`. */
export function isParquet(body: Uint8Array): boolean {
  return body[0] === 0x50 && body[1] === 0x41 && body[2] === 0x52 && body[3] === 0x31
}

/**
 * The records of a Parquet flow log file as flow log text: a header line of its column
 * names (`_` read as `-`, so `account_id` is `account-id`), then one line per row, row
 * group by row group, with `-` for nulls. Memory: the file itself plus one decoded row group.
 */
export async function* parquetText(body: Uint8Array, object: string): AsyncGenerator<Uint8Array> {
  const file =
    body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
      ? (body.buffer as ArrayBuffer)
      : (body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer)
  const unreadable = (error: unknown): FlowLogError =>
    new FlowLogError(`unreadable Parquet file: ${(error as Error).message}`, { code: 'UNREADABLE_PARQUET', object, cause: error })

  let metadata
  try {
    metadata = parquetMetadata(file)
  } catch (error) {
    throw unreadable(error)
  }
  const columns = parquetSchema(metadata).children.map((column) => column.element.name)
  yield Buffer.from(columns.map((name) => name.replaceAll('_', '-')).join(' ') + '\n')

  let rowStart = 0
  for (const rowGroup of metadata.row_groups) {
    const rowEnd = rowStart + Number(rowGroup.num_rows)
    let rows: unknown[][] = []
    try {
      await parquetRead({
        file,
        metadata,
        compressors,
        rowStart,
        rowEnd,
        onComplete: (data: unknown[][]) => {
          rows = data
        },
      })
    } catch (error) {
      throw unreadable(error)
    }
    const lines = rows.map((row) => row.map((value) => (value === null || value === undefined ? '-' : String(value))).join(' '))
    if (lines.length > 0) yield Buffer.from(lines.join('\n') + '\n')
    rowStart = rowEnd
  }
}
