/**
 * The work of a digest, apart from the stage around it, so that worker threads can share
 * it: reading text into groups, merging what several readers gathered, and writing the
 * groups back as flow log text.
 */
import type { FlowLogError } from './errors.js'
import { formatOf, type Format } from './format.js'
import { BIG, compare, textReader, type LogText, type RecordLine } from './flowLogText.js'
import { groupTable, keyBuffer, type Count, type Group, type GroupTable, type GroupTableParts } from './groupTable.js'

/** The groups of one output format. */
export interface Block {
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
export const AGGREGATED: ReadonlySet<string> = new Set(['packets', 'bytes', 'start', 'end', 'tcp-flags'])

/** What decides the groups: the fields of headerless text and the key fields. */
export interface DigesterOptions {
  readonly fields?: readonly string[]
  readonly keyFields?: readonly string[]
  readonly onError?: (error: FlowLogError) => void
}

/** What a digest has gathered: its blocks by output format, and the overall window. */
export interface DigestState {
  readonly blocks: Map<string, Block>
  readonly earliest: number
  readonly latest: number
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
  let earliest = -1
  let latest = -1
  let scratch = keyBuffer(1024)
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
    push: reader.push as (chunk: LogText | string) => void,
    end: reader.end,
    state: (): DigestState => ({ blocks, earliest, latest }),
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
  readonly earliest: number
  readonly latest: number
}

export function partsOf(state: DigestState): DigestParts {
  const blocks = [...state.blocks.values()].map((block) => ({ fields: block.format.fields, table: block.table.parts() }))
  return { blocks, earliest: state.earliest, latest: state.latest }
}

/** Folds what other digesters gathered into one state, as if one had read it all. */
export function mergeDigests(all: readonly DigestParts[]): DigestState {
  const blocks = new Map<string, Block>()
  let earliest = -1
  let latest = -1
  for (const parts of all) {
    for (const { fields, table } of parts.blocks) {
      const format = formatOf(fields)
      let block = blocks.get(format.header)
      if (!block) blocks.set(format.header, (block = { format, table: groupTable() }))
      block.table.merge(table)
    }
    if (parts.earliest >= 0 && (earliest < 0 || parts.earliest < earliest)) earliest = parts.earliest
    if (parts.latest > latest) latest = parts.latest
  }
  return { blocks, earliest, latest }
}

/** Writes the groups as flow log text: each block's header, then its groups in key order. */
export async function* writeDigest(state: DigestState, window: 'overall' | 'group', signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
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
