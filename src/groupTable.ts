/**
 * The groups of a digest, keyed by the bytes of their key fields, with no object or string
 * per record: an open-addressing hash table over an arena of keys, and the sums in typed
 * arrays. Keys are handled four bytes at a time: a key is zero-padded to whole 32-bit
 * words, so hashing and comparing take a quarter of the steps. Sums that pass 2^53 move
 * to bigints, so they stay exact.
 */
import { compare } from './flowLogText.js'

/** Packets or bytes of a group: -1 while no record had a value; a bigint past 2^53. */
export type Count = number | bigint

/** A key being built: its bytes, with a view of the same memory as 32-bit words. */
export interface KeyBuffer {
  readonly bytes: Uint8Array
  readonly words: Int32Array
}

/** Room for a key of `length` bytes, zero-padded to whole words. */
export function keyBuffer(length: number): KeyBuffer {
  const words = new Int32Array(Math.ceil(length / 4) + 1)
  return { bytes: new Uint8Array(words.buffer), words }
}

export interface GroupTable {
  /** Number of groups. */
  readonly size: number
  /**
   * Adds a record to the group whose key is the first `length` bytes of `key`: counts are
   * -1 when absent, and may be bigints (from text that already passed 2^53).
   */
  add(key: KeyBuffer, length: number, packets: Count, bytes: Count, start: number, end: number, tcpFlags: number): void
  /** Folds another table's groups (its `parts()`) into this one, as if its records had been added here. */
  merge(other: GroupTableParts): void
  /** The groups, sorted by key bytes. */
  sorted(): Group[]
  /** The table's state in typed arrays, for sending to another thread. */
  parts(): GroupTableParts
}

export interface Group {
  /** The key fields joined by spaces, as latin1 text (one char per byte). */
  readonly key: string
  readonly packets: Count
  readonly bytes: Count
  readonly start: number
  readonly end: number
  readonly tcpFlags: number
}

/** A table's state, for structured clone between threads. */
export interface GroupTableParts {
  readonly size: number
  /** The keys, each starting on a word. */
  readonly arena: Int32Array
  /** Per group, STRIDE numbers: packets, bytes, start, end, tcp-flags, key start (words), key length (bytes). */
  readonly data: Float64Array
  /** Sums past 2^53 (marked IN_BIG in `data`), by group. */
  readonly big: ReadonlyMap<number, { packets?: bigint; bytes?: bigint }>
}

const EMPTY = -1
const MAX = Number.MAX_SAFE_INTEGER
/** In a group's packets or bytes: the sum has passed 2^53 and is held in `big`. */
const IN_BIG = -2
/** A group's numbers sit side by side, so that a record touches one or two cache lines. */
const STRIDE = 8
const PACKETS = 0
const BYTES = 1
const START = 2
const END = 3
const FLAGS = 4
const KEY_START = 5
const KEY_LENGTH = 6

export function groupTable(): GroupTable {
  let capacity = 1024 // groups `data` holds; there are twice as many slots
  let size = 0
  let arena = new Int32Array(16 * 1024)
  let used = 0 // words
  let data = new Float64Array(capacity * STRIDE)
  /** Pairs of (group, hash), open addressing with linear probing. */
  let slots = new Int32Array(capacity * 4).fill(EMPTY)
  let mask = capacity * 2 - 1
  const big = new Map<number, { packets?: bigint; bytes?: bigint }>()

  function grow(): void {
    const larger = new Float64Array(capacity * 2 * STRIDE)
    larger.set(data)
    data = larger
    const old = slots
    capacity *= 2
    slots = new Int32Array(capacity * 4).fill(EMPTY)
    mask = capacity * 2 - 1
    for (let s = 0; s < old.length; s += 2) {
      if (old[s] === EMPTY) continue
      let slot = old[s + 1]! & mask
      while (slots[slot * 2] !== EMPTY) slot = (slot + 1) & mask
      slots[slot * 2] = old[s]!
      slots[slot * 2 + 1] = old[s + 1]!
    }
  }

  /** The group of this key, made (with absent sums) when new. */
  function groupOf(key: Int32Array, length: number): number {
    const count = (length + 3) >>> 2
    let h = length | 0
    for (let w = 0; w < count; w++) h = Math.imul(h ^ key[w]!, 0x01000193) ^ (h >>> 13)
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b)
    const keys = arena
    const numbers = data
    let slot = h & mask
    for (let g = slots[slot * 2]!; g !== EMPTY; g = slots[slot * 2]!) {
      if (slots[slot * 2 + 1] === h && numbers[g * STRIDE + KEY_LENGTH] === length) {
        let at = numbers[g * STRIDE + KEY_START]!
        let w = 0
        while (w < count && keys[at] === key[w]) {
          w++
          at++
        }
        if (w === count) return g
      }
      slot = (slot + 1) & mask
    }
    if (size === capacity) {
      grow()
      slot = h & mask
      while (slots[slot * 2] !== EMPTY) slot = (slot + 1) & mask
    }
    if (used + count > arena.length) {
      const larger = new Int32Array(Math.max(arena.length * 2, used + count))
      larger.set(arena.subarray(0, used))
      arena = larger
    }
    arena.set(key.subarray(0, count), used)
    const g = size++
    const at = g * STRIDE
    data[at + PACKETS] = -1
    data[at + BYTES] = -1
    data[at + START] = -1
    data[at + END] = -1
    data[at + FLAGS] = -1
    data[at + KEY_START] = used
    data[at + KEY_LENGTH] = length
    used += count
    slots[slot * 2] = g
    slots[slot * 2 + 1] = h
    return g
  }

  /** Adds a count to a group's sum at `at`, moving the sum to a bigint past 2^53. */
  function addCount(at: number, which: 'packets' | 'bytes', g: number, value: Count): void {
    if (value === -1) return
    const sum = data[at]!
    if (typeof value === 'number' && sum !== IN_BIG) {
      const total = sum === -1 ? value : sum + value
      if (total <= Number.MAX_SAFE_INTEGER) {
        data[at] = total
        return
      }
    }
    let entry = big.get(g)
    if (!entry) big.set(g, (entry = {}))
    entry[which] = (entry[which] ?? (sum === -1 ? 0n : BigInt(sum))) + BigInt(value)
    data[at] = IN_BIG
  }

  function add(key: KeyBuffer, length: number, p: Count, b: Count, s: number, e: number, f: number): void {
    // zero the padding of the last word, so equal keys have equal words
    for (let i = length; (i & 3) !== 0; i++) key.bytes[i] = 0
    const g = groupOf(key.words, length)
    const at = g * STRIDE
    const sumP = data[at + PACKETS]!
    const sumB = data[at + BYTES]!
    if (typeof p === 'number' && typeof b === 'number' && p >= 0 && b >= 0 && sumP !== IN_BIG && sumB !== IN_BIG && sumP + p <= MAX && sumB + b <= MAX) {
      // the common case: both counts present, the sums small
      data[at + PACKETS] = sumP < 0 ? p : sumP + p
      data[at + BYTES] = sumB < 0 ? b : sumB + b
    } else {
      addCount(at + PACKETS, 'packets', g, p)
      addCount(at + BYTES, 'bytes', g, b)
    }
    if (s >= 0 && (data[at + START]! < 0 || s < data[at + START]!)) data[at + START] = s
    if (e > data[at + END]!) data[at + END] = e
    if (f >= 0) data[at + FLAGS] = data[at + FLAGS]! < 0 ? f : data[at + FLAGS]! | f
  }

  /** A sum as it is: a number, or the bigint it moved to. */
  const countOf = (parts: GroupTableParts, g: number, which: 'packets' | 'bytes'): Count => {
    const value = parts.data[g * STRIDE + (which === 'packets' ? PACKETS : BYTES)]!
    return value === IN_BIG ? parts.big.get(g)![which]! : value
  }

  const parts = (): GroupTableParts => ({ size, arena: arena.subarray(0, used), data: data.subarray(0, size * STRIDE), big })

  return {
    get size() {
      return size
    },
    add,
    merge(other) {
      for (let g = 0; g < other.size; g++) {
        const at = g * STRIDE
        const from = other.data[at + KEY_START]!
        const length = other.data[at + KEY_LENGTH]!
        const words = other.arena.slice(from, from + ((length + 3) >>> 2))
        const key = { words, bytes: new Uint8Array(words.buffer) }
        const d = other.data
        add(key, length, countOf(other, g, 'packets'), countOf(other, g, 'bytes'), d[at + START]!, d[at + END]!, d[at + FLAGS]!)
      }
    },
    sorted() {
      const all = Buffer.from(arena.buffer, arena.byteOffset, used * 4)
      const text = Array.from({ length: size }, (_, g) => {
        const from = data[g * STRIDE + KEY_START]! * 4
        return all.toString('latin1', from, from + data[g * STRIDE + KEY_LENGTH]!)
      })
      const order = Array.from({ length: size }, (_, g) => g).sort((a, b) => compare(text[a]!, text[b]!))
      const mine = parts()
      return order.map((g) => ({
        key: text[g]!,
        packets: countOf(mine, g, 'packets'),
        bytes: countOf(mine, g, 'bytes'),
        start: data[g * STRIDE + START]!,
        end: data[g * STRIDE + END]!,
        tcpFlags: data[g * STRIDE + FLAGS]!,
      }))
    },
    parts,
  }
}
