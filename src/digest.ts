import { abortable } from './abortable.js'
import type { FlowLogError } from './errors.js'
import { formatOf, type Format } from './format.js'
import { BIG, textReader, type LogText, type RecordLine } from './flowLogText.js'
import { abortSignal } from './options.js'

export interface DigestOptions {
  /**
   * The time window each line carries: `overall`, the earliest start and latest end of
   * all records (the original's rule), or `group`, the group's own. Default `overall`.
   */
  window?: 'overall' | 'group'
  /**
   * The fields that make the group key, e.g. `['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action']`;
   * other fields are left out of the output. Default: every field present.
   */
  keyFields?: readonly string[]
  /** The fields of text without a header line. Default: the default format (version 2). */
  fields?: readonly string[]
  /** Lenient reading: malformed lines are skipped and reported here. Default: they throw. */
  onError?: (error: FlowLogError) => void
  /** Stops the digest; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/** Packets or bytes summed over a group: -1 while no record had a value; a bigint past 2^53. */
type Count = number | bigint

interface Group {
  packets: Count
  bytes: Count
  start: number
  end: number
  tcpFlags: number
}

/** The groups of one output format. */
interface Block {
  readonly format: Format
  readonly groups: Map<string, Group>
}

/** How the records of one input format are keyed, and the block their groups go to. */
interface Plan {
  readonly block: Block
  /** Positions of the fields that make the group key, in format order. */
  readonly keyPositions: readonly number[]
  /** Positions of the fields the digest reads, -1 where the format lacks them. */
  readonly at: Readonly<Record<'srcport' | 'dstport' | 'packets' | 'bytes' | 'start' | 'end' | 'tcpFlags' | 'logStatus', number>>
}

/** Fields that are summed, spanned or OR-ed rather than part of the group key. */
const AGGREGATED = new Set(['packets', 'bytes', 'start', 'end', 'tcp-flags'])

/**
 * Digests flow log text into one line per group of records that are equal in every
 * field but packets and bytes (summed), start and end (the window), tcp-flags (OR-ed)
 * and the ephemeral port (the larger of srcport and dstport, srcport when equal), which
 * becomes 0. Header lines and records whose log-status is not OK are dropped. Every
 * line carries the overall earliest start and latest end (or its group's own, with
 * `window: 'group'`).
 *
 * The output is flow log text in the input's format: for each format, its header line,
 * then its groups sorted by their text; formats in order of their header lines. The same
 * records give the same bytes whatever the order of lines, chunks or files.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs'
 * for await (const text of pipe(createReadStream('flows.log'), digest())) process.stdout.write(text)
 * ```
 */
export function digest(
  options: DigestOptions = {},
): (text: AsyncIterable<LogText | string> | Iterable<LogText | string>) => AsyncGenerator<Uint8Array> {
  const { window = 'overall', keyFields, fields, onError } = options
  if (window !== 'overall' && window !== 'group') throw new TypeError(`window must be 'overall' or 'group', got ${String(window)}`)
  if (keyFields !== undefined) {
    if (!Array.isArray(keyFields) || keyFields.length === 0) throw new TypeError('keyFields must be a non-empty array of field names')
    const aggregated = keyFields.filter((field) => AGGREGATED.has(field))
    if (aggregated.length > 0) throw new TypeError(`keyFields cannot hold aggregated fields: ${aggregated.join(', ')}`)
  }
  if (fields !== undefined && (!Array.isArray(fields) || fields.length === 0)) {
    throw new TypeError('fields must be a non-empty array of field names')
  }
  const signal = abortSignal('signal', options.signal)
  const isKey = (field: string): boolean => !AGGREGATED.has(field) && (keyFields === undefined || keyFields.includes(field))

  return async function* (text) {
    const plans = new Map<Format, Plan>()
    const blocks = new Map<Format, Block>()
    let earliest = -1
    let latest = -1
    let scratch: Buffer = Buffer.allocUnsafe(1024)

    const planOf = (format: Format): Plan => {
      let plan = plans.get(format)
      if (!plan) {
        const output = formatOf(format.fields.filter((field) => AGGREGATED.has(field) || isKey(field)))
        let block = blocks.get(output)
        if (!block) blocks.set(output, (block = { format: output, groups: new Map() }))
        const position = (field: string): number => format.positions.get(field) ?? -1
        plan = {
          block,
          keyPositions: format.fields.flatMap((field, i) => (isKey(field) ? [i] : [])),
          at: {
            srcport: position('srcport'),
            dstport: position('dstport'),
            packets: position('packets'),
            bytes: position('bytes'),
            start: position('start'),
            end: position('end'),
            tcpFlags: position('tcp-flags'),
            logStatus: position('log-status'),
          },
        }
        plans.set(format, plan)
      }
      return plan
    }

    const reader = textReader({
      fields,
      onError,
      onHeader: planOf,
      onRecord(record: RecordLine) {
        const { at, keyPositions, block } = planOf(record.format)
        const { bytes, starts, ends, numbers } = record
        const { logStatus, srcport, dstport } = at
        if (logStatus >= 0 && !isOk(bytes, starts[logStatus]!, ends[logStatus]!)) return

        let ephemeral = -1
        if (srcport >= 0 && dstport >= 0 && numbers[srcport]! >= 0 && numbers[dstport]! >= 0) {
          ephemeral = numbers[srcport]! >= numbers[dstport]! ? srcport : dstport
        }

        let length = 0
        for (const p of keyPositions) {
          const from = starts[p]!
          const to = p === ephemeral ? from + 1 : ends[p]!
          if (length + to - from + 1 > scratch.length) {
            const grown = Buffer.allocUnsafe(2 * (length + to - from + 1))
            scratch.copy(grown, 0, 0, length)
            scratch = grown
          }
          if (length > 0) scratch[length++] = 32
          if (p === ephemeral) scratch[length++] = 48
          else for (let i = from; i < to; i++) scratch[length++] = bytes[i]!
        }
        const key = scratch.toString('latin1', 0, length)

        let group = block.groups.get(key)
        if (!group) {
          group = { packets: -1, bytes: -1, start: -1, end: -1, tcpFlags: -1 }
          block.groups.set(key, group)
        }
        const value = (p: number): number => (p < 0 ? -1 : numbers[p]!)
        const count = (p: number): number | bigint =>
          value(p) === BIG ? BigInt(bytes.toString('latin1', starts[p], ends[p])) : value(p)
        group.packets = addCount(group.packets, count(at.packets))
        group.bytes = addCount(group.bytes, count(at.bytes))
        const start = value(at.start)
        const end = value(at.end)
        const tcpFlags = value(at.tcpFlags)
        if (start >= 0 && (group.start < 0 || start < group.start)) group.start = start
        if (end > group.end) group.end = end
        if (tcpFlags >= 0) group.tcpFlags = group.tcpFlags < 0 ? tcpFlags : group.tcpFlags | tcpFlags
        if (start >= 0 && (earliest < 0 || start < earliest)) earliest = start
        if (end > latest) latest = end
      },
    })

    for await (const chunk of abortable(text, signal)) reader.push(chunk)
    reader.end()

    let out: string[] = []
    let size = 0
    for (const block of [...blocks.values()].sort((a, b) => compare(a.format.header, b.format.header))) {
      const lines = [block.format.header]
      for (const key of [...block.groups.keys()].sort(compare)) {
        const group = block.groups.get(key)!
        const span = window === 'overall' ? { start: earliest, end: latest } : group
        lines.push(lineOf(block.format, key, group, span))
      }
      for (const line of lines) {
        out.push(line)
        size += line.length + 1
        if (size >= 64 * 1024) {
          signal?.throwIfAborted()
          yield Buffer.from(out.join('\n') + '\n', 'latin1')
          out = []
          size = 0
        }
      }
    }
    if (out.length > 0) yield Buffer.from(out.join('\n') + '\n', 'latin1')
  }
}

/** Writes a group back as a line of its format. */
function lineOf(format: Format, key: string, group: Group, span: { start: number; end: number }): string {
  const keyValues = key.split(' ')
  let k = 0
  const show = (n: Count): string => (n === -1 ? '-' : String(n))
  return format.fields
    .map((field) => {
      switch (field) {
        case 'packets':
          return show(group.packets)
        case 'bytes':
          return show(group.bytes)
        case 'start':
          return show(span.start)
        case 'end':
          return show(span.end)
        case 'tcp-flags':
          return show(group.tcpFlags)
        default:
          return keyValues[k++]
      }
    })
    .join(' ')
}

function addCount(sum: Count, value: number | bigint): Count {
  if (value === -1) return sum
  if (sum === -1) return value
  if (typeof sum === 'bigint' || typeof value === 'bigint') return BigInt(sum) + BigInt(value)
  const total = sum + value
  return Number.isSafeInteger(total) ? total : BigInt(sum) + BigInt(value)
}

function isOk(bytes: Buffer, start: number, end: number): boolean {
  return end - start === 2 && bytes[start] === 79 && bytes[start + 1] === 75
}

/** Code-unit order: for latin1 keys, the byte order of the text. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
