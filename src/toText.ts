import { abortable } from './abortable.js'
import { DEFAULT_FORMAT, formatOf, propertyOf, type Format } from './format.js'
import { abortSignal, fieldList } from './options.js'
import { formatOfRecord, type FlowLogRecord } from './records.js'

export interface ToTextOptions {
  /**
   * The fields to write, in order. Default: the format each record was read in by
   * `records()`, or the default format (version 2) for records made elsewhere.
   */
  fields?: readonly string[]
  /** Stops writing; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Writes records back as flow log text: a header line whenever the format changes,
 * then one line per record with `-` for absent fields. The way back from `records()`:
 * text read and written again is the same records in the same format.
 *
 * @example
 * ```ts
 * const rejected = async function* (rs: AsyncIterable<FlowLogRecord>) {
 *   for await (const r of rs) if (r.action === 'REJECT') yield r
 * }
 * pipe(createReadStream('flows.log'), records(), rejected, toText(), digest())
 * ```
 */
export function toText(
  options: ToTextOptions = {},
): (records: AsyncIterable<FlowLogRecord> | Iterable<FlowLogRecord>) => AsyncGenerator<Uint8Array> {
  const fields = fieldList('fields', options.fields)
  const fixed = fields && formatOf(fields)
  const signal = abortSignal('signal', options.signal)
  return async function* (records) {
    let current: Format | undefined
    let lines: string[] = []
    let properties: string[] = []
    for await (const record of abortable(records, signal)) {
      const format = fixed ?? formatOfRecord.get(record) ?? DEFAULT_FORMAT
      if (format !== current) {
        current = format
        properties = format.fields.map(propertyOf)
        lines.push(format.header)
      }
      lines.push(properties.map((property) => String(record[property] ?? '-')).join(' '))
      if (lines.length >= 1024) {
        yield Buffer.from(lines.join('\n') + '\n')
        lines = []
      }
    }
    if (lines.length > 0) yield Buffer.from(lines.join('\n') + '\n')
  }
}
