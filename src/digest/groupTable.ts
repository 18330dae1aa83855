/**
 * The groups of a digest, keyed by the bytes of their key fields, with no object or string
 * per record. The table and the scanner that fills it from plain record lines run in
 * WebAssembly (core/, through core.ts); this side gives them text, reads the groups back,
 * and holds the sums that pass 2^53 as bigints (exactGroups.ts), so that they stay exact.
 */
import { fault, instantiate } from './core.js'
import { LAYOUT } from './core.generated.js'
import { BYTES, END, FLAGS, folded, groupAt, lineOf, PACKETS, recordsOf, recordSize, START, type Count, type Group } from './exactGroups.js'

/**
 * How the scanner reads the record lines of one format: which fields are numbers and which
 * make the key, and where the fields the digest reads are (-1 where the format lacks them).
 */
export interface LineLayout {
  readonly numeric: Uint8Array
  readonly isKey: Uint8Array
  readonly srcport: number
  readonly dstport: number
  readonly packets: number
  readonly bytes: number
  readonly start: number
  readonly end: number
  readonly tcpFlags: number
  readonly logStatus: number
  readonly maxLineLength: number
}

export interface GroupTable {
  /** Room for a key of `length` bytes, to fill before calling `add`. Valid until the next call on the table. */
  keyBytes(length: number): Uint8Array
  /**
   * Adds a record to the group whose key is the first `length` bytes written to `keyBytes()`:
   * counts are -1 when absent, and may be bigints (from text that already passed 2^53).
   */
  add(length: number, packets: Count, bytes: Count, start: number, end: number, tcpFlags: number): void
  /**
   * Reads the record lines of `text` from `start` to `end` (just past a newline), all in
   * `layout`, until one is not plain (see core/scan.ts). Returns where it stopped (`end`,
   * or the start of a line left to the caller) and how many record lines it read.
   */
  scan(text: Uint8Array, start: number, end: number, layout: LineLayout): { end: number; lines: number }
  /** Folds another table's groups (its `parts()`) into this one, as if its records had been added here. */
  merge(other: GroupTableParts): void
  /**
   * The groups as lines of text in key (byte) order, in chunks of some 64 KiB: the fields
   * named (a key field, or packets, bytes, start, end, tcp-flags: absent ones as `-`),
   * with the start and end of `window`, or else each group's own. The table is then empty.
   */
  lines(fields: readonly string[], window: { start: number; end: number } | undefined): Generator<Uint8Array>
  /** The earliest start and the latest end of all groups (-1 for none): those of all records added. */
  span(): Span
  /** The table's state in typed arrays, for sending to another thread. */
  parts(): GroupTableParts
  /** Writes the table's groups to a run now (as it does when it is full), if it has any, and empties it. */
  spill(): void
  /**
   * Lines of the groups of sorted runs (blocks of whole records, as `Spill.write` takes
   * them), merged, as `lines` writes a table's: the table itself must be empty.
   */
  mergedLines(runs: readonly RunBlocks[], fields: readonly string[], window: Span | undefined): Generator<Uint8Array>
  /** The records of sorted runs, merged: blocks of them, to write as a run of their own (valid until the next). */
  merged(runs: readonly RunBlocks[]): Generator<Uint8Array>
}

/** An earliest start and a latest end (-1 for none). */
export interface Span {
  start: number
  end: number
}

/** Where a full table's groups go: a run of them, in key order. */
export interface Spill {
  /** The bytes the table may hold (arena, slots, sorting) before its groups go to a run. */
  readonly limit: number
  /** Takes the groups as blocks of whole records (each valid until the next), with their count and span. */
  write(blocks: Iterable<Uint8Array>, groups: number, span: Span): void
}

/** A run being read: its blocks of whole records in turn (each valid until the next), then undefined. */
export interface RunBlocks {
  next(): Uint8Array | undefined
}

/** A table's state, for structured clone between threads. */
export interface GroupTableParts {
  /**
   * The groups, one after another: packets, bytes, start, end, tcp-flags (f64), the key's
   * length (i32, then 4 bytes unused) and the key, zero-padded to 8 bytes.
   */
  readonly arena: Uint8Array
  /** Sums past 2^53 (marked IN_BIG in the arena), by group (its offset in the arena). */
  readonly big: ReadonlyMap<number, { packets?: bigint; bytes?: bigint }>
}

const { CHUNK, IN_BIG, KEY, FOLLOWS } = LAYOUT
/** Where each aggregated field is among a group's numbers: the others are key fields. */
const NUMBERS: ReadonlyMap<string, number> = new Map([['packets', PACKETS], ['bytes', BYTES], ['start', START], ['end', END], ['tcp-flags', FLAGS]])
/** The most text handed to the scanner at once: whole lines, copied into its memory. */
const WINDOW = 1024 * 1024
/** The size the core writes lines in. */
const OUTPUT = 64 * 1024
/** The groups the merge of a table's sorted chunks hands to `write` at a time: their records stay in the cache meanwhile. */
const BATCH = 4096
/** The size of a run's blocks. */
export const BLOCK = 256 * 1024
const NEWLINE = 10

/** The most bytes a table holds (see `Spill.limit`): its arena then stays within what the core can allocate at once (1 GiB). */
export const MOST_HELD = 768 * 2 ** 20

/** A table of groups that holds at most `spill.limit` bytes, and spills its groups beyond. */
export function groupTable(spill: Spill): GroupTable {
  const core = instantiate()
  core.setLimit(spill.limit)
  const big = new Map<number, { packets?: bigint; bytes?: bigint }>()
  /** Each layout's flags, in the core's memory. */
  const layouts = new Map<LineLayout, number>()
  let current: LineLayout | undefined

  /** The groups as they are now (the core's memory may have grown, or the arena moved). */
  const arena = (): Uint8Array => new Uint8Array(core.memory.buffer, core.arena.value, core.used.value)

  /** Adds a count to a group's sum, moving the sum to a bigint past 2^53. */
  function addCount(g: number, which: typeof PACKETS | typeof BYTES, value: Count): void {
    if (value === -1) return
    const numbers = new Float64Array(core.memory.buffer, core.arena.value + g, KEY / 8)
    const sum = numbers[which]!
    if (typeof value === 'number' && sum !== IN_BIG && (sum === -1 ? value : sum + value) <= Number.MAX_SAFE_INTEGER) {
      numbers[which] = sum === -1 ? value : sum + value
      return
    }
    const name = which === PACKETS ? 'packets' : 'bytes'
    let entry = big.get(g)
    if (!entry) big.set(g, (entry = {}))
    entry[name] = (entry[name] ?? (sum === -1 ? 0n : BigInt(sum))) + BigInt(value)
    numbers[which] = IN_BIG
  }

  const keyBytes = (length: number): Uint8Array => {
    // made room for first: the memory may grow, which detaches its buffer
    const at = core.reserveKey(length)
    return new Uint8Array(core.memory.buffer, at, length)
  }

  function add(length: number, p: Count, b: Count, s: number, e: number, f: number): void {
    const asNumber = (count: Count): number => (typeof count === 'number' ? count : IN_BIG)
    let g = core.add(length, asNumber(p), asNumber(b), s, e, f)
    if (core.full.value) {
      // the key is still where it was written: the table spills and takes it again, empty
      spillGroups()
      g = core.add(length, asNumber(p), asNumber(b), s, e, f)
    }
    if (g >= 0) return
    addCount(~g, PACKETS, p)
    addCount(~g, BYTES, b)
  }

  function use(layout: LineLayout): void {
    if (layout === current) return
    let flags = layouts.get(layout)
    if (flags === undefined) {
      const count = layout.numeric.length
      flags = core.allocate(count)
      const bytes = new Uint8Array(core.memory.buffer, flags, count)
      for (let f = 0; f < count; f++) bytes[f] = layout.numeric[f]! | (layout.isKey[f]! << 1)
      layouts.set(layout, flags)
    }
    const { numeric, srcport, dstport, packets, bytes, start, end, tcpFlags, logStatus, maxLineLength } = layout
    const longest = Math.min(maxLineLength, 2 ** 31 - 1)
    core.useLayout(numeric.length, flags, srcport, dstport, packets, bytes, start, end, tcpFlags, logStatus, longest)
    current = layout
  }

  const parts = (): GroupTableParts => ({ arena: arena().slice(), big })

  function span(): Span {
    core.span()
    return { start: core.earliest.value, end: core.latest.value }
  }

  /**
   * The table's groups in key order, as lists of their offsets in the core's memory (each
   * valid until the next): each CHUNK of the arena is sorted within the processor's cache,
   * its records moved into that order, and the chunks merged, so that the merge reads each
   * from start to end. The table is to be emptied next: its slots no longer find the groups.
   */
  function* inOrder(): Generator<{ list: number; count: number }> {
    const chunks: Array<{ list: number; count: number; from: number; to: number }> = []
    let batch = 0
    try {
      for (let from = 0; from < core.used.value || chunks.length === 0; from = core.listEnd.value) {
        chunks.push({ list: core.sorted(from, CHUNK), count: core.listed.value, from, to: core.listEnd.value })
      }
      if (chunks.length === 1) {
        yield chunks[0]!
        return
      }
      for (const { list, count, from, to } of chunks) {
        const before = big.size > 0 ? new Int32Array(core.memory.buffer, list, count).slice() : undefined
        core.reorder(list, count, from, to)
        if (before) moveBig(before, new Int32Array(core.memory.buffer, list, count))
      }
      core.startMerge(chunks.length, true)
      chunks.forEach(({ list, count }, s) => core.feed(s, list, list + 4 * count))
      batch = core.allocate(4 * BATCH)
      for (let n = core.mergeLists(batch, BATCH); n > 0; n = core.mergeLists(batch, BATCH)) yield { list: batch, count: n }
    } finally {
      for (const { list } of chunks) core.release(list)
      if (batch !== 0) core.release(batch)
    }
  }

  /** Moves the sums past 2^53 of groups that moved from offsets `before` to `after`. */
  function moveBig(before: Int32Array, after: Int32Array): void {
    const moved = new Map<number, { packets?: bigint; bytes?: bigint }>()
    before.forEach((at, i) => {
      const sums = big.get(at)
      if (sums) moved.set(after[i]!, sums)
    })
    for (const at of before) big.delete(at)
    for (const [at, sums] of moved) big.set(at, sums)
  }

  /** The groups of `list` (`count` of them) as blocks of whole records; a group past 2^53 as records whose sums are exact numbers. */
  function* packed(list: number, count: number, out: { at: number; room: number }): Generator<Uint8Array> {
    for (let i = 0; i < count; ) {
      const next = core.pack(list, i, count, out.at, out.room)
      if (core.written.value > 0) yield new Uint8Array(core.memory.buffer, out.at, core.written.value)
      if (next > i) {
        i = next
        continue
      }
      const at = new Int32Array(core.memory.buffer, list, count)[i]!
      // a record is smaller than a block (a key is shorter than a line): the core stops only for a sum held here
      if (!big.has(at)) throw fault(`a group at ${at} stopped the copy of its records, with no sum past 2^53`)
      yield recordsOf(groupAt({ arena: arena(), big }, at))
      i++
    }
  }

  /** The table's groups in key order as blocks of whole records (see `packed`). */
  function* records(): Generator<Uint8Array> {
    const out = { at: core.allocate(BLOCK), room: BLOCK }
    try {
      for (const { list, count } of inOrder()) yield* packed(list, count, out)
    } finally {
      core.release(out.at)
    }
  }

  /** Writes the groups to a run, in key order, and empties the table. */
  function spillGroups(): void {
    if (core.size.value > 0) spill.write(records(), core.size.value, span())
    empty()
  }

  /** Empties the table, keeping its memory. */
  function empty(): void {
    core.clear()
    big.clear()
  }

  /** Runs merged by the core: blocks of records, in its memory, valid until the next. */
  function* merged(runs: readonly RunBlocks[]): Generator<Uint8Array> {
    const buffers = runs.map(() => ({ at: 0, room: 0 }))
    let room = BLOCK
    let out = 0
    try {
      const feed = (source: number): void => {
        const block = runs[source]!.next()
        if (!block) {
          core.feed(source, 0, 0)
          return
        }
        const buffer = buffers[source]!
        if (block.byteLength > buffer.room) {
          if (buffer.at !== 0) core.release(buffer.at)
          buffer.room = Math.max(block.byteLength, BLOCK)
          buffer.at = core.allocate(buffer.room)
        }
        new Uint8Array(core.memory.buffer, buffer.at, block.byteLength).set(block)
        core.feed(source, buffer.at, buffer.at + block.byteLength)
      }
      core.startMerge(runs.length, false)
      runs.forEach((_, source) => feed(source))
      out = core.allocate(room)
      for (;;) {
        const status = core.mergeStep(out, room)
        if (core.written.value > 0) yield new Uint8Array(core.memory.buffer, out, core.written.value)
        if (status >= 0) feed(status)
        else if (status === MERGED) return
        // a record is smaller than a block (a key is shorter than a line)
        else if (core.written.value === 0) throw fault(`a merged record took more than the room of ${room} bytes`)
      }
    } finally {
      for (const buffer of buffers) if (buffer.at !== 0) core.release(buffer.at)
      if (out !== 0) core.release(out)
    }
  }

  return {
    keyBytes,
    add,
    scan(text, start, end, layout) {
      use(layout)
      let pos = start
      let lines = 0
      while (pos < end) {
        // whole lines, at most WINDOW bytes of them (a longer line is left to the caller)
        const stop = end - pos <= WINDOW ? end : text.lastIndexOf(NEWLINE, pos + WINDOW - 1) + 1
        if (stop <= pos) break
        const at = core.reserveText(stop - pos)
        new Uint8Array(core.memory.buffer, at, stop - pos).set(text.subarray(pos, stop))
        const reached = core.scan(0, stop - pos)
        lines += core.lines.value
        pos += reached
        if (core.full.value) spillGroups()
        else if (pos < stop) break
      }
      return { end: pos, lines }
    },
    merge(other) {
      // The core adds the groups; one whose sums are past 2^53 is added here, with bigints.
      const { arena: groups } = other
      const copy = core.allocate(groups.length)
      new Uint8Array(core.memory.buffer, copy, groups.length).set(groups)
      try {
        for (let at = 0; at < groups.length; ) {
          at = core.merge(copy, at, groups.length)
          if (at === groups.length) break
          if (core.full.value) {
            spillGroups()
            continue
          }
          const { key, packets, bytes, start, end, tcpFlags } = groupAt(other, at)
          keyBytes(key.length).set(key)
          add(key.length, packets, bytes, start, end, tcpFlags)
          at += recordSize(key.length)
        }
      } finally {
        core.release(copy)
      }
    },
    *lines(fields, window) {
      const { start = -1, end = -1 } = window ?? {}
      const { kinds, kindsAt } = kindsIn(fields)
      try {
        let room = OUTPUT
        for (const { list, count } of inOrder()) {
          for (let i = 0; i < count; ) {
            const out = core.reserveText(room)
            const next = core.write(list, i, count, kindsAt, kinds.length, window === undefined, start, end, out, room)
            if (core.written.value > 0) yield new Uint8Array(core.memory.buffer.slice(out, out + core.written.value))
            if (next > i) {
              i = next
              continue
            }
            // the core leaves a group with a sum past 2^53 to this side; a longer line needs more room
            const at = new Int32Array(core.memory.buffer, list, count)[i]!
            if (!big.has(at)) {
              room = roomFor(core.arena.value + at, kinds.length, room)
              continue
            }
            yield Buffer.from(`${lineOf(kinds, groupAt({ arena: arena(), big }, at), window)}\n`, 'latin1')
            i++
          }
        }
      } finally {
        core.release(kindsAt)
        empty()
      }
    },
    span,
    parts,
    spill: spillGroups,
    merged,
    *mergedLines(runs, fields, window) {
      const { start = -1, end = -1 } = window ?? {}
      const { kinds, kindsAt } = kindsIn(fields)
      try {
        let room = OUTPUT
        /** A group whose records FOLLOW one another, their sums too large for the core: added here. */
        let chain: Group | undefined
        for (const block of merged(runs)) {
          // where the block is in the core's memory, which may grow meanwhile
          let at = block.byteOffset
          const to = at + block.byteLength
          while (at < to) {
            if (chain) {
              const record = groupAt({ arena: new Uint8Array(core.memory.buffer), big }, at)
              chain = folded(chain, record)
              if (!follows(at)) {
                yield Buffer.from(`${lineOf(kinds, chain, window)}\n`, 'latin1')
                chain = undefined
              }
              at += recordSize(record.key.length)
              continue
            }
            const out = core.reserveText(room)
            const next = core.writeRun(at, to, kindsAt, kinds.length, window === undefined, start, end, out, room)
            if (core.written.value > 0) yield new Uint8Array(core.memory.buffer.slice(out, out + core.written.value))
            if (next > at) {
              at = next
            } else if (follows(at)) {
              const record = groupAt({ arena: new Uint8Array(core.memory.buffer), big }, at)
              chain = { ...record, key: record.key.slice() }
              at += recordSize(record.key.length)
            } else {
              room = roomFor(at, kinds.length, room)
            }
          }
        }
      } finally {
        core.release(kindsAt)
      }
    },
  }

  /** The kinds of `fields` (see `kindsOf`), and a copy in the core's memory for its writers, which the caller releases. */
  function kindsIn(fields: readonly string[]): { kinds: Uint8Array; kindsAt: number } {
    const kinds = kindsOf(fields)
    const kindsAt = core.allocate(kinds.length)
    new Uint8Array(core.memory.buffer, kindsAt, kinds.length).set(kinds)
    return { kinds, kindsAt }
  }

  /**
   * The room for the line of the group at `at` in the core's memory, which did not fit in
   * `room`: twice as much, or the room the core asks of that line. Had it the room already,
   * the core stopped for a reason this side does not know: a fault, said rather than asking
   * for ever more room.
   */
  function roomFor(at: number, kindCount: number, room: number): number {
    const needed = core.lineRoom(at, kindCount)
    if (needed <= room) throw fault(`a group of ${needed} bytes of line stopped the writing, with room for ${room}`)
    return Math.max(2 * room, needed)
  }

  /** Whether the merged record at `at` has its key's next records after it (FOLLOWS). */
  function follows(at: number): boolean {
    return new DataView(core.memory.buffer).getInt32(at + FOLLOWS, true) !== 0
  }
}

/** What `mergeStep` returns when the merge is done. */
const MERGED = -1

/** A byte a field for the core: 0 for a key field, else 1 + which of the group's numbers. */
const kindsOf = (fields: readonly string[]): Uint8Array => Uint8Array.from(fields, (field) => 1 + (NUMBERS.get(field) ?? -1))

/** Widens `span` to take in `other`'s start and end (-1 where there is none). */
export function widen(span: Span, other: Readonly<Span>): void {
  if (other.start >= 0 && (span.start < 0 || other.start < span.start)) span.start = other.start
  if (other.end > span.end) span.end = other.end
}

