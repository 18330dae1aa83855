/**
 * The work of a digest, apart from the stage around it, so that worker threads can share
 * it: reading text into groups, merging what several readers gathered, and writing the
 * groups back as flow log text.
 */
import type { FlowLogError } from '../errors.js'
import { formatOf, type Format } from '../format.js'
import { BIG, compare, DEFAULT_MAX_LINE_LENGTH, textReader, type LogText, type RecordLine } from '../flowLogText.js'
import { groupTable, widen, type Count, type GroupTable, type GroupTableParts, type LineLayout } from './groupTable.js'

/** The groups of one output format. */
export interface Block {
  readonly format: Format
  readonly table: GroupTable
}

/** How the records of one input format are read and keyed, and the block their groups go to. */
interface Plan extends LineLayout {
  readonly block: Block
  /** Positions of the fields that make the group key, in format order. */
  readonly keyPositions: Int32Array
}

/** Fields that are summed, spanned or OR-ed rather than part of the group key. */
export const AGGREGATED: ReadonlySet<string> = new Set(['packets', 'bytes', 'start', 'end', 'tcp-flags'])

/** What decides the groups: the fields of headerless text and the key fields. */
export interface DigesterOptions {
  readonly fields?: readonly string[]
  readonly keyFields?: readonly string[]
  readonly onError?: (error: FlowLogError) => void
}

/** What a digest has gathered: its blocks by output format. */
export interface DigestState {
  readonly blocks: Map<string, Block>
}

/** Whether a field is part of the group key. */
function keyTest(keyFields: readonly string[] | undefined): (field: string) => boolean {
  return (field) => !AGGREGATED.has(field) && (keyFields === undefined || keyFields.includes(field))
}

/** Reads flow log text pushed in chunks and gathers its groups. */
export function createDigester(options: DigesterOptions) {
  const { fields, onError } = options
  const isKey = keyTest(options.keyFields)
  const plans = new Map<Format, Plan>()
  const blocks = new Map<string, Block>()
  /** Record lines read so far (of any log-status). */
  let records = 0

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
        numeric: format.numeric,
        isKey: Uint8Array.from(format.fields, (field) => (isKey(field) ? 1 : 0)),
        maxLineLength: DEFAULT_MAX_LINE_LENGTH,
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
    records++
    const plan = planOf(record.format)
    const { bytes, starts, ends, numbers } = record
    const { logStatus, srcport, dstport, keyPositions } = plan
    if (logStatus >= 0 && !isOk(bytes, starts[logStatus]!, ends[logStatus]!)) return

    // The ephemeral port: the larger, srcport when equal. Where a port is 0 already (ICMP,
    // or a line of a digest) the ports stay as they are, so a digest of digests is the digest.
    let ephemeral = -1
    if (srcport >= 0 && dstport >= 0 && numbers[srcport]! > 0 && numbers[dstport]! > 0) {
      ephemeral = numbers[srcport]! >= numbers[dstport]! ? srcport : dstport
    }

    // The key: the key fields joined by spaces, the ephemeral port written as 0.
    const { table } = plan.block
    const key = table.keyBytes(ends[record.format.fields.length - 1]! - starts[0]! + keyPositions.length + 4)
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
    table.add(length, countAt(record, plan.packets), countAt(record, plan.bytes), start, end, tcpFlags)
  }

  /** Plain lines go to the table's scanner in bulk; it stops at any other, which is read as a record. */
  function onLines(bytes: Uint8Array, start: number, end: number, format: Format): { end: number; lines: number } {
    const plan = planOf(format)
    const read = plan.block.table.scan(bytes, start, end, plan)
    records += read.lines
    return read
  }

  const reader = textReader({ fields, onError, onHeader: planOf, onRecord, onLines })
  return {
    push: reader.push as (chunk: LogText | string) => void,
    end: reader.end,
    state: (): DigestState => ({ blocks }),
    /** Record lines read since the last call. */
    takeRecords: (): number => {
      const read = records
      records = 0
      return read
    },
  }
}

/** A digest's state in plain data, to send between threads. */
export interface DigestParts {
  readonly blocks: ReadonlyArray<{ readonly fields: readonly string[]; readonly table: GroupTableParts }>
}

export function partsOf(state: DigestState): DigestParts {
  const blocks = [...state.blocks.values()].map((block) => ({ fields: block.format.fields, table: block.table.parts() }))
  return { blocks }
}

/** Folds what other digesters gathered into `state`, as if its digester had read it all. */
export function mergeDigests(state: DigestState, others: readonly DigestParts[]): DigestState {
  const { blocks } = state
  for (const parts of others) {
    for (const { fields, table } of parts.blocks) {
      const format = formatOf(fields)
      let block = blocks.get(format.header)
      if (!block) blocks.set(format.header, (block = { format, table: groupTable() }))
      block.table.merge(table)
    }
  }
  return state
}

/**
 * Writes the groups as flow log text: each block's header, then its groups in key order.
 * The overall window is the earliest start and latest end of all groups, which are those
 * of all records read.
 */
export async function* writeDigest(state: DigestState, window: 'overall' | 'group', signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const blocks = [...state.blocks.values()].sort((a, b) => compare(a.format.header, b.format.header))
  const overall = { start: -1, end: -1 }
  for (const { table } of blocks) widen(overall, table.span())
  for (const { format, table } of blocks) {
    signal?.throwIfAborted()
    yield Buffer.from(`${format.header}\n`, 'latin1')
    for (const lines of table.lines(format.fields, window === 'overall' ? overall : undefined)) {
      signal?.throwIfAborted()
      yield lines
    }
  }
}

function isOk(bytes: Buffer, start: number, end: number): boolean {
  return end - start === 2 && bytes[start] === 79 && bytes[start + 1] === 75
}
