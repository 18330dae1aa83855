/**
 * The work of a digest, apart from the stage around it, so that worker threads can share
 * it: reading text into groups, merging what several readers gathered, and writing the
 * groups back as flow log text.
 */
import type { FlowLogError } from '../errors.js'
import { formatOf, type Format } from '../format.js'
import { BIG, compare, DEFAULT_MAX_LINE_LENGTH, isBlank, lineError, textReader, type LogText, type RecordLine } from '../flowLogText.js'
import type { Count } from './exactGroups.js'
import { groupTable, widen, type GroupTable, type GroupTableParts, type LineLayout, type Span } from './groupTable.js'
import { mergeRuns, type Run, type RunFolder } from './runs.js'

/** The groups of one output format: in its table, and in the runs the table spilled. */
export interface Block {
  readonly format: Format
  readonly table: GroupTable
  readonly runs: Run[]
}

/** How the records of one input format are read and keyed, and the block their groups go to. */
interface Plan extends LineLayout {
  readonly block: Block
  /** Positions of the fields that make the group key, in format order. */
  readonly keyPositions: Int32Array
  /** Positions of the tag fields among them (a tag value may hold blanks). */
  readonly keyTags: Int32Array
}

/** A key value must not hold blanks, which separate a digest line's fields: a tag value may (see textReader). */
function noBlanks(record: RecordLine, p: number): void {
  const { bytes, starts, ends } = record
  let i = starts[p]!
  while (i < ends[p]! && !isBlank(bytes[i]!)) i++
  if (i < ends[p]!) {
    const value = bytes.toString('utf8', starts[p], ends[p])
    const field = record.format.fields[p]!
    throw lineError(record, 'FIELD_COUNT', `${field} "${value.slice(0, 40)}" holds blanks, which a digest line cannot carry: group without it (keyFields)`)
  }
}

/** Fields that are summed, spanned or OR-ed rather than part of the group key. */
export const AGGREGATED: ReadonlySet<string> = new Set(['packets', 'bytes', 'start', 'end', 'tcp-flags'])

/** What decides the groups: the fields of headerless text and the key fields; and where groups spill. */
export interface DigesterOptions {
  readonly fields?: readonly string[]
  readonly keyFields?: readonly string[]
  readonly onError?: (error: FlowLogError) => void
  readonly spill: SpillOptions
}

/** Where a reader's full tables spill their groups, and the bytes each table may hold. */
export interface SpillOptions {
  readonly folder: RunFolder
  readonly limit: number
  readonly onSpill?: ((run: Run) => void) | undefined
}

/** What a digest has gathered: its blocks by output format. */
export interface DigestState {
  readonly blocks: Map<string, Block>
  /** The block of an output format, made when first asked for. */
  blockOf(format: Format): Block
  readonly spill: SpillOptions
}

/** The blocks of a digest, each with a table that spills as `spill` says. */
function digestState(spill: SpillOptions): DigestState {
  const blocks = new Map<string, Block>()
  const blockOf = (format: Format): Block => {
    let block = blocks.get(format.header)
    if (!block) {
      const runs: Run[] = []
      const write = (groups: Parameters<RunFolder['write']>[0], count: number, span: Span): void => {
        const run = spill.folder.write(groups, count, span)
        runs.push(run)
        spill.onSpill?.(run)
      }
      blocks.set(format.header, (block = { format, table: groupTable({ limit: spill.limit, write }), runs }))
    }
    return block
  }
  return { blocks, blockOf, spill }
}

/** Whether a field is part of the group key. */
function keyTest(keyFields: readonly string[] | undefined): (field: string) => boolean {
  return (field) => !AGGREGATED.has(field) && (keyFields === undefined || keyFields.includes(field))
}

/** The format of a digest of records in `format`: its key fields and aggregated fields, in its order. */
export function digestFormat(format: Format, keyFields: readonly string[] | undefined): Format {
  const isKey = keyTest(keyFields)
  return formatOf(format.fields.filter((field) => AGGREGATED.has(field) || isKey(field)))
}

/** Throws when a key field asked for is in none of the formats read (if any were). */
export function checkKeyFields(keyFields: readonly string[] | undefined, formats: Iterable<Format>): void {
  const present = new Set([...formats].flatMap((format) => format.fields))
  const missing = keyFields?.filter((field) => present.size > 0 && !present.has(field)) ?? []
  if (missing.length > 0) throw new TypeError(`keyFields ${missing.join(', ')}: in none of the formats read`)
}

/** Reads flow log text pushed in chunks and gathers its groups. */
export function createDigester(options: DigesterOptions) {
  const { fields, onError } = options
  const isKey = keyTest(options.keyFields)
  const plans = new Map<Format, Plan>()
  const state = digestState(options.spill)
  /** Record lines read so far (of any log-status). */
  let records = 0

  let lastFormat: Format | undefined
  let lastPlan: Plan | undefined
  const planOf = (format: Format): Plan => {
    if (format === lastFormat) return lastPlan!
    let plan = plans.get(format)
    if (!plan) {
      const block = state.blockOf(digestFormat(format, options.keyFields))
      const position = (field: string): number => format.positions.get(field) ?? -1
      plan = {
        block,
        keyPositions: Int32Array.from(format.fields.flatMap((field, i) => (isKey(field) ? [i] : []))),
        keyTags: Int32Array.from(format.tags.filter((i) => isKey(format.fields[i]!))),
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
    for (let k = 0; k < plan.keyTags.length; k++) noBlanks(record, plan.keyTags[k]!)

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
    state: (): DigestState => state,
    /** Record lines read since the last call. */
    takeRecords: (): number => {
      const read = records
      records = 0
      return read
    },
  }
}

/** A digest's state in plain data, to send between threads: each block's groups, and its runs. */
export interface DigestParts {
  readonly blocks: ReadonlyArray<{ readonly fields: readonly string[]; readonly table: GroupTableParts; readonly runs: readonly Run[] }>
}

/** The state's groups as plain data; a table that has spilled before spills the rest, so that only its runs go. */
export function partsOf(state: DigestState): DigestParts {
  const blocks = [...state.blocks.values()].map(({ format, table, runs }) => {
    if (runs.length > 0) table.spill()
    return { fields: format.fields, table: table.parts(), runs }
  })
  return { blocks }
}

/** Folds what other digesters gathered into `state`, as if its digester had read it all. */
export function mergeDigests(state: DigestState, others: readonly DigestParts[]): DigestState {
  for (const parts of others) {
    for (const { fields, table, runs } of parts.blocks) {
      const block = state.blockOf(formatOf(fields))
      block.runs.push(...runs)
      if (table.arena.byteLength > 0) block.table.merge(table)
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
  // a block that has spilled spills the rest: its groups are merged from its runs
  for (const { table, runs } of blocks) if (runs.length > 0) table.spill()
  const overall = { start: -1, end: -1 }
  for (const { table, runs } of blocks) {
    widen(overall, table.span())
    for (const run of runs) widen(overall, run.span)
  }
  for (const { format, table, runs } of blocks) {
    signal?.throwIfAborted()
    yield Buffer.from(`${format.header}\n`, 'latin1')
    const own = window === 'overall' ? overall : undefined
    const lines = runs.length > 0 ? mergeRuns(table, runs, state.spill.folder, state.spill.limit, format.fields, own) : table.lines(format.fields, own)
    for (const text of lines) {
      signal?.throwIfAborted()
      yield text
    }
  }
}

function isOk(bytes: Buffer, start: number, end: number): boolean {
  return end - start === 2 && bytes[start] === 79 && bytes[start + 1] === 75
}
