import { abortable } from './abortable.js'
import type { FlowLogError } from './errors.js'
import { formatOf, type Format } from './format.js'
import { BIG, textReader, type LogText, type RecordLine } from './flowLogText.js'
import { groupTable, keyBuffer, type Count, type Group, type GroupTable } from './groupTable.js'
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

/** The groups of one output format. */
interface Block {
  readonly format: Format
  readonly table: GroupTable
}

/** How the records of one input format are keyed, and the block their groups go to. */
interface Plan {
  readonly block: Block
  /** Positions of the fields that make the group key, in format order. */
  readonly keyPositions: Int32Array
  /** Positions of the fields the digest reads, -1 where the format lacks them. */
  readonly srcport: number
  readonly dstport: number
  readonly packets: number
  readonly bytes: number
  readonly start: number
  readonly end: number
  readonly tcpFlags: number
  readonly logStatus: number
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
    const digester = createDigester({ fields, onError, isKey })
    for await (const chunk of abortable(text, signal)) digester.push(chunk)
    digester.end()
    yield* writeDigest(digester.state(), window, signal)
  }
}

/** What a digest has gathered: its blocks by output format, and the overall window. */
export interface DigestState {
  readonly blocks: Map<string, Block>
  readonly earliest: number
  readonly latest: number
}

/** Reads flow log text pushed in chunks and gathers its groups. */
function createDigester(options: {
  fields: readonly string[] | undefined
  onError: ((error: FlowLogError) => void) | undefined
  isKey: (field: string) => boolean
}) {
  const { fields, onError, isKey } = options
  const plans = new Map<Format, Plan>()
  const blocks = new Map<string, Block>()
  let earliest = -1
  let latest = -1
  let scratch = keyBuffer(1024)

  let lastFormat: Format | undefined
  let lastPlan: Plan | undefined
  const planOf = (format: Format): Plan => {
    if (format === lastFormat) return lastPlan!
    let plan = plans.get(format)
    if (!plan) {
      const output = formatOf(format.fields.filter((field) => AGGREGATED.has(field) || isKey(field)))
      let block = blocks.get(output.header)
      if (!block) blocks.set(output.header, (block = { format: output, table: groupTable() }))
      const position = (field: string): number => format.positions.get(field) ?? -1
      plan = {
        block,
        keyPositions: Int32Array.from(format.fields.flatMap((field, i) => (isKey(field) ? [i] : []))),
        srcport: position('srcport'),
        dstport: position('dstport'),
        packets: position('packets'),
        bytes: position('bytes'),
        start: position('start'),
        end: position('end'),
        tcpFlags: position('tcp-flags'),
        logStatus: position('log-status'),
      }
      plans.set(format, plan)
    }
    lastFormat = format
    lastPlan = plan
    return plan
  }

  /** A count as the record has it: -1 when absent, a bigint past 2^53. */
  function countAt(record: RecordLine, p: number): Count {
    if (p < 0) return -1
    const value = record.numbers[p]!
    return value !== BIG ? value : BigInt(record.bytes.toString('latin1', record.starts[p], record.ends[p]))
  }

  function onRecord(record: RecordLine): void {
    const plan = planOf(record.format)
    const { bytes, starts, ends, numbers } = record
    const { logStatus, srcport, dstport, keyPositions } = plan
    if (logStatus >= 0 && !isOk(bytes, starts[logStatus]!, ends[logStatus]!)) return

    let ephemeral = -1
    if (srcport >= 0 && dstport >= 0 && numbers[srcport]! >= 0 && numbers[dstport]! >= 0) {
      ephemeral = numbers[srcport]! >= numbers[dstport]! ? srcport : dstport
    }

    // The key: the key fields joined by spaces, the ephemeral port written as 0.
    const longest = ends[record.format.fields.length - 1]! - starts[0]! + keyPositions.length + 4
    if (longest > scratch.bytes.length) scratch = keyBuffer(2 * longest)
    const key = scratch.bytes
    let length = 0
    for (let k = 0; k < keyPositions.length; k++) {
      const p = keyPositions[k]!
      if (k > 0) key[length++] = 32
      if (p === ephemeral) {
        key[length++] = 48
      } else {
        for (let i = starts[p]!, to = ends[p]!; i < to; i++) key[length++] = bytes[i]!
      }
    }

    const start = plan.start < 0 ? -1 : numbers[plan.start]!
    const end = plan.end < 0 ? -1 : numbers[plan.end]!
    const tcpFlags = plan.tcpFlags < 0 ? -1 : numbers[plan.tcpFlags]!
    plan.block.table.add(scratch, length, countAt(record, plan.packets), countAt(record, plan.bytes), start, end, tcpFlags)
    if (start >= 0 && (earliest < 0 || start < earliest)) earliest = start
    if (end > latest) latest = end
  }

  const reader = textReader({ fields, onError, onHeader: planOf, onRecord })
  return {
    push: reader.push,
    end: reader.end,
    state: (): DigestState => ({ blocks, earliest, latest }),
  }
}

/** Writes the groups as flow log text: each block's header, then its groups in key order. */
async function* writeDigest(state: DigestState, window: 'overall' | 'group', signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  let out: string[] = []
  let size = 0
  for (const block of [...state.blocks.values()].sort((a, b) => compare(a.format.header, b.format.header))) {
    const lines = [block.format.header]
    for (const group of block.table.sorted()) {
      const span = window === 'overall' ? { start: state.earliest, end: state.latest } : group
      lines.push(lineOf(block.format, group, span))
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

/** Writes a group back as a line of its format. */
function lineOf(format: Format, group: Group, span: { start: number; end: number }): string {
  const keyValues = group.key.split(' ')
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

function isOk(bytes: Buffer, start: number, end: number): boolean {
  return end - start === 2 && bytes[start] === 79 && bytes[start + 1] === 75
}

/** Code-unit order: for latin1 keys, the byte order of the text. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
