// The group table: an open-addressing hash table (linear probing) whose slots hold a group
// and its hash, over the arena (see arena.ts). Counts stay exact: where a sum would pass
// 2^53, `add` leaves both counts to the caller (JavaScript moves them to bigints).
import { BYTES, CHUNK, EMPTY, END, FLAGS, FOLLOWS, IN_BIG, KEY, KEY_LENGTH, PACKETS, recordSize, renew, SLACK, START } from './arena'

const MAX: f64 = 9007199254740991

let capacity: i32 = 0 // groups before the slots grow; there are twice as many slots
/** The bytes the table may hold (see `held`); a new group past it sets `full` instead. */
let limit: i64 = i64.MAX_VALUE
/** Set when a group could not be made within `limit`: the caller spills the table (see `clear`) and goes on. */
export let full: bool = false
export let mask: i32 = 0
let slots: usize = 0
let arenaRoom: i32 = 0
/** Groups in the table. */
export let size: i32 = 0
export let arena: usize = 0
/** Bytes of the arena in use. */
export let used: i32 = 0
/** Where the caller writes a key for `add`. */
export let key: usize = 0
let keyRoom: i32 = 0
/** The earliest start and latest end of all groups (-1 for none), as of the last `span`. */
export let earliest: f64 = -1
export let latest: f64 = -1

@inline export function slotAt(slot: i32): usize {
  return slots + (<usize>slot << 3)
}

function emptySlots(count: i32): usize {
  const at = heap.alloc(<usize>count << 3)
  memory.fill(at, 0xff, <usize>count << 3)
  return at
}

export function init(): void {
  capacity = 64
  mask = capacity * 2 - 1
  slots = emptySlots(capacity * 2)
  arenaRoom = 4096
  arena = heap.alloc(<usize>arenaRoom)
  reserveKey(1024)
}

/** Makes room for a key of `length` bytes, and its padding; returns where to write it. */
export function reserveKey(length: i32): usize {
  if (length + SLACK > keyRoom) {
    keyRoom = max(length + SLACK, keyRoom * 2)
    key = renew(key, keyRoom)
  }
  return key
}

/** The most room an arena takes at once (what the allocator gives in one block is some 1 GiB). */
const ARENA_MOST: i64 = 960 << 20
/** A slot's bytes, and a group's in the sorted lists (held for all groups while the chunks merge). */
const SLOT: i64 = 8
const LISTED: i64 = 4
/** What sorting a chunk takes a group of it besides: a word, and a run to sort for half of them (see `sorted`). */
const CHUNK_SORTING: i64 = 8 + 6

/**
 * The bytes a table holds with `used` bytes of arena and room for `groups` groups: its
 * arena, slots and sorted lists, and the sorting of one chunk: its groups' words and runs,
 * and, when there are several chunks, a copy of one to move its records into order.
 */
@inline function held(used: i64, groups: i64): i64 {
  const chunkGroups = min(groups, <i64>CHUNK / <i64>recordSize(0))
  return used + groups * (2 * SLOT + LISTED) + chunkGroups * CHUNK_SORTING + (used > <i64>CHUNK ? <i64>CHUNK : 0)
}

/** Bounds what the table holds (`held`) to `bytes`: past it, a new group sets `full`. */
export function setLimit(bytes: f64): void {
  limit = <i64>bytes
}

/** Empties the table (its groups were spilled), keeping its memory for the next groups. */
export function clear(): void {
  size = 0
  used = 0
  full = false
  memory.fill(slots, 0xff, <usize>capacity << 4)
}

function growSlots(): void {
  const old = slots
  const oldCount = capacity * 2
  capacity *= 2
  mask = capacity * 2 - 1
  slots = emptySlots(capacity * 2)
  for (let s = 0; s < oldCount; s++) {
    const g = load<i32>(old + (<usize>s << 3))
    if (g == EMPTY) continue
    const h = load<i32>(old + (<usize>s << 3), 4)
    let slot = h & mask
    while (load<i32>(slotAt(slot)) != EMPTY) slot = (slot + 1) & mask
    store<i32>(slotAt(slot), g)
    store<i32>(slotAt(slot), h, 4)
  }
  heap.free(old)
}

/** The hash of the key at `at` (`length` bytes, zero-padded to 8). */
export function hashOf(at: usize, length: i32): i32 {
  const words = (length + 7) >>> 3
  let x: u64 = <u64>length
  for (let w = 0; w < words; w++) {
    x = (x ^ load<u64>(at + (<usize>w << 3))) * 0x9e3779b97f4a7c15
    x ^= x >>> 29
  }
  return <i32>(x >>> 32)
}

/** The group of the key at `at` (`length` bytes, zero-padded to 8, hash `h`), made with absent sums when new. */
export function groupOf(at: usize, length: i32, h: i32): i32 {
  const words = (length + 7) >>> 3
  let slot = h & mask
  for (let g = load<i32>(slotAt(slot)); g != EMPTY; g = load<i32>(slotAt(slot))) {
    if (load<i32>(slotAt(slot), 4) == h) {
      const group = arena + <usize>g
      if (load<i32>(group, KEY_LENGTH) == length) {
        let w = 0
        while (w < words && load<u64>(group + KEY + (<usize>w << 3)) == load<u64>(at + (<usize>w << 3))) w++
        if (w == words) return g
      }
    }
    slot = (slot + 1) & mask
  }
  // within the limit (a first group goes in whatever its size)
  const room = recordSize(length)
  if (size > 0 && held(used + room, size == capacity ? <i64>capacity * 2 : capacity) > limit) {
    full = true
    return EMPTY
  }
  if (size == capacity) {
    growSlots()
    slot = h & mask
    while (load<i32>(slotAt(slot)) != EMPTY) slot = (slot + 1) & mask
  }
  if (used + room > arenaRoom) {
    // All the room the limit allows, at once: the pages the arena has not used yet are never
    // touched, so they take no memory, and the arena moves this once (a doubling arena moved
    // again and again, each move leaving pages that the memory keeps).
    arenaRoom = max(<i32>min(limit, ARENA_MOST), used + room)
    arena = heap.realloc(arena, <usize>arenaRoom)
  }
  const g = used
  const group = arena + <usize>g
  store<f64>(group, -1, PACKETS)
  store<f64>(group, -1, BYTES)
  store<f64>(group, -1, START)
  store<f64>(group, -1, END)
  store<f64>(group, -1, FLAGS)
  store<i32>(group, length, KEY_LENGTH)
  store<i32>(group, 0, FOLLOWS)
  memory.copy(group + KEY, at, <usize>words << 3)
  used += room
  size++
  store<i32>(slotAt(slot), g)
  store<i32>(slotAt(slot), h, 4)
  return g
}

/** Whether a count (-1 when absent) can be added to a sum (-1 while none) as an exact number. */
@inline function fits(sum: f64, count: f64): bool {
  return count == -1 || (count >= 0 && sum != IN_BIG && (sum < 0 ? count : sum + count) <= MAX)
}

@inline function sumOf(sum: f64, count: f64): f64 {
  return count < 0 ? sum : sum < 0 ? count : sum + count
}

/**
 * Adds a record to the group of the key written at `reserveKey()`: its window and
 * tcp-flags, and its counts (-1 when absent) when both fit as exact numbers. Returns the
 * group, or `~group` when the counts were left to the caller (a count of IN_BIG asks for
 * that), or -1 with `full` set when the group could not be made.
 */
export function add(length: i32, packetCount: f64, byteCount: f64, start: f64, end: f64, tcpFlagBits: f64): i32 {
  // zero the padding, so that equal keys have equal words
  store<u64>(key + <usize>length, 0)
  const g = groupOf(key, length, hashOf(key, length))
  return g == EMPTY ? EMPTY : addTo(g, packetCount, byteCount, start, end, tcpFlagBits)
}

/** Adds a record to group `g`, as `add` does. */
@inline export function addTo(g: i32, packetCount: f64, byteCount: f64, start: f64, end: f64, tcpFlagBits: f64): i32 {
  return addAt(arena + <usize>g, packetCount, byteCount, start, end, tcpFlagBits) ? g : ~g
}

/** Adds a record to the group at `at`: its window and tcp-flags, and its counts when both fit as exact numbers (else false). */
export function addAt(at: usize, packetCount: f64, byteCount: f64, start: f64, end: f64, tcpFlagBits: f64): bool {
  if (start >= 0 && (load<f64>(at, START) < 0 || start < load<f64>(at, START))) store<f64>(at, start, START)
  if (end > load<f64>(at, END)) store<f64>(at, end, END)
  if (tcpFlagBits >= 0) {
    const seen = load<f64>(at, FLAGS)
    // OR-ed as whole numbers (below 2^53, so exact as i64), whatever their size
    store<f64>(at, seen < 0 ? tcpFlagBits : <f64>(<i64>seen | <i64>tcpFlagBits), FLAGS)
  }
  const sumP = load<f64>(at, PACKETS)
  const sumB = load<f64>(at, BYTES)
  if (!fits(sumP, packetCount) || !fits(sumB, byteCount)) return false
  store<f64>(at, sumOf(sumP, packetCount), PACKETS)
  store<f64>(at, sumOf(sumB, byteCount), BYTES)
  return true
}

/**
 * Adds the groups of another table, its arena copied to `groups` (`length` bytes), from
 * offset `at` on. Returns where it stopped: `length`, or the offset of a group whose
 * counts are left to the caller (a sum past 2^53, there or here), or that found the table
 * `full`.
 */
export function merge(groups: usize, at: i32, length: i32): i32 {
  while (at < length) {
    const group = groups + <usize>at
    const keyLength = load<i32>(group, KEY_LENGTH)
    memory.copy(reserveKey(keyLength), group + KEY, <usize>(recordSize(keyLength) - <i32>KEY))
    // a sum held in JavaScript (IN_BIG) is a count `add` leaves to the caller
    const done = add(keyLength, load<f64>(group, PACKETS), load<f64>(group, BYTES), load<f64>(group, START), load<f64>(group, END), load<f64>(group, FLAGS))
    if (done < 0) return at
    at += recordSize(keyLength)
  }
  return at
}

/** Finds the earliest start and the latest end of all groups: those of all records added. */
export function span(): void {
  earliest = -1
  latest = -1
  for (let g = 0; g < used; g += recordSize(load<i32>(arena + <usize>g, KEY_LENGTH))) {
    const start = load<f64>(arena + <usize>g, START)
    if (start >= 0 && (earliest < 0 || start < earliest)) earliest = start
    latest = max(latest, load<f64>(arena + <usize>g, END))
  }
}
