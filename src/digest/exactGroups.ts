/**
 * Groups as this side reads and writes them where the core leaves them to it: those whose
 * packets or bytes passed 2^53, held as bigints. Read from an arena, folded, split into
 * records of exact numbers for a run, and written as a line.
 */
import { LAYOUT } from './core.generated.js'

/** Packets or bytes of a group: -1 while no record had a value; a bigint past 2^53. */
export type Count = number | bigint

const { IN_BIG, KEY, KEY_LENGTH, WORD } = LAYOUT
/** Where a group's numbers are, in f64 from its offset. */
export const PACKETS = LAYOUT.PACKETS / 8
export const BYTES = LAYOUT.BYTES / 8
export const START = LAYOUT.START / 8
export const END = LAYOUT.END / 8
export const FLAGS = LAYOUT.FLAGS / 8
/** The largest exact sum of a record's. */
const MAX = Number.MAX_SAFE_INTEGER

/** A group as read back from a table's parts: its key fields joined by spaces, as bytes. */
export interface Group {
  readonly key: Uint8Array
  readonly packets: Count
  readonly bytes: Count
  readonly start: number
  readonly end: number
  readonly tcpFlags: number
}

/** A group and a record of the same key folded: sums (as bigints past 2^53), window and tcp-flags. */
export function folded(group: Group, record: Group): Group {
  const sum = (a: Count, b: Count): Count => (a === -1 ? b : b === -1 ? a : BigInt(a) + BigInt(b))
  const start = record.start >= 0 && (group.start < 0 || record.start < group.start) ? record.start : group.start
  const tcpFlags = group.tcpFlags < 0 ? record.tcpFlags : record.tcpFlags < 0 ? group.tcpFlags : Number(BigInt(group.tcpFlags) | BigInt(record.tcpFlags))
  return { key: group.key, packets: sum(group.packets, record.packets), bytes: sum(group.bytes, record.bytes), start, end: Math.max(group.end, record.end), tcpFlags }
}

/** A group as records of a run whose sums are exact numbers (split where they pass 2^53): they fold back into it. */
export function recordsOf(group: Group): Uint8Array {
  const parts = (count: Count): number => (count === -1 ? 1 : Number((BigInt(count) + BigInt(MAX) - 1n) / BigInt(MAX)) || 1)
  const n = Math.max(parts(group.packets), parts(group.bytes))
  const size = recordSize(group.key.length)
  const records = new Uint8Array(n * size)
  const view = new DataView(records.buffer)
  /** Part `i` of a count: MAX each, the rest in the last (0 past it). */
  const part = (count: Count, i: number): number => {
    if (count === -1) return -1
    const rest = BigInt(count) - BigInt(MAX) * BigInt(i)
    return rest <= 0n ? 0 : rest > BigInt(MAX) ? MAX : Number(rest)
  }
  for (let i = 0; i < n; i++) {
    const at = i * size
    view.setFloat64(at + PACKETS * 8, part(group.packets, i), true)
    view.setFloat64(at + BYTES * 8, part(group.bytes, i), true)
    view.setFloat64(at + START * 8, group.start, true)
    view.setFloat64(at + END * 8, group.end, true)
    view.setFloat64(at + FLAGS * 8, group.tcpFlags, true)
    view.setInt32(at + KEY_LENGTH, group.key.length, true)
    records.set(group.key, at + KEY)
  }
  return records
}

/** The bytes a group takes in an arena: its numbers and its key, padded to 8 bytes. */
export const recordSize = (keyLength: number): number => KEY + Math.ceil(keyLength / WORD) * WORD

/** The group at offset `at` of a table's parts, its key as bytes (a view). */
export function groupAt(parts: { readonly arena: Uint8Array; readonly big: ReadonlyMap<number, { packets?: bigint; bytes?: bigint }> }, at: number): Group {
  const { arena, big } = parts
  const view = new DataView(arena.buffer, arena.byteOffset, arena.byteLength)
  const number = (which: number): number => view.getFloat64(at + which * 8, true)
  const count = (which: typeof PACKETS | typeof BYTES): Count => {
    const value = number(which)
    return value === IN_BIG ? big.get(at)![which === PACKETS ? 'packets' : 'bytes']! : value
  }
  const length = view.getInt32(at + KEY_LENGTH, true)
  return {
    key: arena.subarray(at + KEY, at + KEY + length),
    packets: count(PACKETS),
    bytes: count(BYTES),
    start: number(START),
    end: number(END),
    tcpFlags: number(FLAGS),
  }
}

/** A group as a line of the fields of `kinds` (as the core's `write` takes them), as `write` would write it. */
export function lineOf(kinds: Uint8Array, group: Group, window: { start: number; end: number } | undefined): string {
  const keyValues = Buffer.from(group.key).toString('latin1').split(' ')
  const { start, end } = window ?? group
  const numbers = [group.packets, group.bytes, start, end, group.tcpFlags]
  let k = 0
  return Array.from(kinds, (kind) => (kind === 0 ? keyValues[k++] : numbers[kind - 1] === -1 ? '-' : String(numbers[kind - 1])))
    .join(' ')
}

