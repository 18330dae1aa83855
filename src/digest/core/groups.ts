// The hot path of a digest, in AssemblyScript compiled to WebAssembly (see build.mjs): the
// group table, and a scanner that reads plain record lines straight into it.
//
// The table is an open-addressing hash table (linear probing) whose slots hold a group and
// its hash. A group is a record in one arena: its numbers (packets, bytes, start, end,
// tcp-flags: f64), its key length, then its key zero-padded to 8 bytes, so that keys are
// hashed and compared a word at a time and a group's numbers and key share cache lines. A
// group is named by its record's offset in the arena. Counts stay exact: where a sum would
// pass 2^53, `add` leaves both counts to the caller (JavaScript moves them to bigints).
//
// The scanner takes whole lines of one layout and stops at the first line that is not
// plain: a possible header, a blank or odd separator, a wrong field count, a number it does
// not read (more than 15 digits, a sign, a letter), a line too long, or a sum past 2^53.
// JavaScript reads that line as it reads any line, then hands the rest back. The scanner
// never reports an error, so it cannot differ from the reader on a bad line.

const EMPTY: i32 = -1
const MAX: f64 = 9007199254740991

// The arena's layout, which JavaScript reads from these exports (see build.mjs): where a
// group's fields are, in bytes from its offset, and the values that mark a number.
export const PACKETS: usize = 0
export const BYTES: usize = 8
export const START: usize = 16
export const END: usize = 24
export const FLAGS: usize = 32
export const KEY_LENGTH: usize = 40
/** In a run's records: 1 when the next record has the same key, its sums too large to fold exactly here. */
export const FOLLOWS: usize = 44
export const KEY: usize = 48
/** Keys are zero-padded to a multiple of this. */
export const WORD: i32 = 8
/** A number that no record had (a '-'). */
export const ABSENT: f64 = -1
/** In a group's packets or bytes: the sum passed 2^53 and JavaScript holds it. */
export const IN_BIG: f64 = -2

/** Room past the end of text and keys: they are read and written 8 bytes at a time, and keys padded. */
const SLACK: i32 = 16

/** Lines a scan reads before it adds their records (see scan), and what it keeps of each. */
const BATCH: i32 = 16
const ENTRY: i32 = 64
// an entry's counts, window and tcp-flags are at PACKETS..FLAGS, as in a group; then:
const LINE: usize = 40
const LENGTH: usize = 44
const HASH: usize = 48
const KEY_AT: usize = 52

/** Field flags of a layout. */
const NUMERIC: u8 = 1
const IS_KEY: u8 = 2

// The table.
let capacity: i32 = 0 // groups before the slots grow; there are twice as many slots
/** The bytes the table may hold (see `held`); a new group past it sets `full` instead. */
let limit: i64 = i64.MAX_VALUE
/** Set when a group could not be made within `limit`: the caller spills the table (see `clear`) and goes on. */
export let full: bool = false
let mask: i32 = 0
let slots: usize = 0
let arenaRoom: i32 = 0
/** Groups in the table. */
export let size: i32 = 0
export let arena: usize = 0
/** Bytes of the arena in use. */
export let used: i32 = 0
/** Where the caller writes a key for `add`. */
let key: usize = 0
let keyRoom: i32 = 0
/** A scan's batch of lines, and what its loads ahead of time read (kept, so that they are not left out). */
let batch: usize = 0
let touched: i32 = 0

// The layout being scanned, and the text.
let fieldCount: i32 = 0
let flags: usize = 0
let srcport: i32 = -1
let dstport: i32 = -1
let packets: i32 = -1
let bytes: i32 = -1
let startAt: i32 = -1
let endAt: i32 = -1
let tcpFlags: i32 = -1
let logStatus: i32 = -1
let maxLine: i32 = 0
let starts: usize = 0
let ends: usize = 0
let values: usize = 0
/** The layout's runs of key fields next to each other: first and last field of each (i32). */
let runs: usize = 0
let runCount: i32 = 0
let fieldRoom: i32 = 0
let text: usize = 0
let textRoom: i32 = 0
/** Record lines the last scan read. */
export let lines: i32 = 0
/** Bytes the last `write` wrote. */
export let written: i32 = 0
/** The earliest start and latest end of all groups (-1 for none), as of the last `span`. */
export let earliest: f64 = -1
export let latest: f64 = -1

/** The bytes a group takes in the arena: its numbers and its key, padded to 8 bytes. */
@inline function recordSize(keyLength: i32): i32 {
  return <i32>KEY + ((keyLength + 7) & ~7)
}

@inline function slotAt(slot: i32): usize {
  return slots + (<usize>slot << 3)
}

function emptySlots(count: i32): usize {
  const at = heap.alloc(<usize>count << 3)
  memory.fill(at, 0xff, <usize>count << 3)
  return at
}

/** A region of `length` bytes in place of `old` (freed first, so that its room can be reused: its content is not kept). */
function renew(old: usize, length: i32): usize {
  if (old != 0) heap.free(old)
  return heap.alloc(<usize>length)
}

export function init(): void {
  capacity = 64
  mask = capacity * 2 - 1
  slots = emptySlots(capacity * 2)
  arenaRoom = 4096
  arena = heap.alloc(<usize>arenaRoom)
  reserveKey(1024)
  batch = heap.alloc(<usize>(BATCH * ENTRY))
}

/** Makes room for a key of `length` bytes, and its padding; returns where to write it. */
export function reserveKey(length: i32): usize {
  if (length + SLACK > keyRoom) {
    keyRoom = max(length + SLACK, keyRoom * 2)
    key = renew(key, keyRoom)
  }
  return key
}

/** Makes room for `length` bytes of text (and for a key made of its fields); returns where to write it. */
export function reserveText(length: i32): usize {
  // the keys of a batch of its lines, each padded to 8 bytes
  reserveKey(length + BATCH * 8)
  if (length + SLACK > textRoom) {
    textRoom = max(length + SLACK, textRoom * 2)
    text = renew(text, textRoom)
  }
  return text
}

/** Room for `length` bytes the caller fills (a layout's flags, another table's groups). */
export function allocate(length: i32): usize {
  return heap.alloc(<usize>length)
}

/** Gives back what `allocate` gave. */
export function release(at: usize): void {
  heap.free(at)
}

/** The layout of the lines the next scans read: a flag byte per field, and where the fields the digest reads are (-1: absent). */
export function useLayout(
  count: i32, flagsAt: usize, srcportAt: i32, dstportAt: i32, packetsAt: i32, bytesAt: i32,
  start: i32, end: i32, tcpFlagsAt: i32, logStatusAt: i32, maxLineLength: i32,
): void {
  fieldCount = count
  flags = flagsAt
  srcport = srcportAt
  dstport = dstportAt
  packets = packetsAt
  bytes = bytesAt
  startAt = start
  endAt = end
  tcpFlags = tcpFlagsAt
  logStatus = logStatusAt
  maxLine = maxLineLength
  if (count > fieldRoom) {
    fieldRoom = count
    starts = renew(starts, count << 2)
    ends = renew(ends, count << 2)
    values = renew(values, count << 3)
    runs = renew(runs, count << 3)
  }
  runCount = 0
  for (let f = 0; f < count; f++) {
    if (!(load<u8>(flags + <usize>f) & IS_KEY)) continue
    const run = runs + (<usize>(runCount++) << 3)
    store<i32>(run, f)
    while (f + 1 < count && load<u8>(flags + <usize>(f + 1)) & IS_KEY) f++
    store<i32>(run, f, 4)
  }
}

/** The most room an arena takes at once (what the allocator gives in one block is some 1 GiB). */
const ARENA_MOST: i64 = 960 << 20
/** A slot's bytes, and what sorting takes a group (its offset, a word, a run to sort for half of them). */
const SLOT: i64 = 8
const SORTING: i64 = 4 + 8 + 6

/** The bytes a table holds with `used` bytes of arena and room for `groups` groups: its arena, slots and sorting. */
@inline function held(used: i64, groups: i64): i64 {
  return used + groups * (2 * SLOT + SORTING)
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
function hashOf(at: usize, length: i32): i32 {
  const words = (length + 7) >>> 3
  let x: u64 = <u64>length
  for (let w = 0; w < words; w++) {
    x = (x ^ load<u64>(at + (<usize>w << 3))) * 0x9e3779b97f4a7c15
    x ^= x >>> 29
  }
  return <i32>(x >>> 32)
}

/** The group of the key at `at` (`length` bytes, zero-padded to 8, hash `h`), made with absent sums when new. */
function groupOf(at: usize, length: i32, h: i32): i32 {
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
@inline function addTo(g: i32, packetCount: f64, byteCount: f64, start: f64, end: f64, tcpFlagBits: f64): i32 {
  return addAt(arena + <usize>g, packetCount, byteCount, start, end, tcpFlagBits) ? g : ~g
}

/** Adds a record to the group at `at`: its window and tcp-flags, and its counts when both fit as exact numbers (else false). */
function addAt(at: usize, packetCount: f64, byteCount: f64, start: f64, end: f64, tcpFlagBits: f64): bool {
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

@inline function fieldStart(field: i32): i32 {
  return load<i32>(starts + (<usize>field << 2))
}

@inline function fieldEnd(field: i32): i32 {
  return load<i32>(ends + (<usize>field << 2))
}

@inline function valueAt(field: i32): f64 {
  return field < 0 ? -1 : load<f64>(values + (<usize>field << 3))
}

/** Each byte '0' (48): a word of text XOR-ed with it has its digits' values in the bytes of its digits. */
const ZEROS: u64 = 0x3030303030303030
const POWERS_OF_TEN = memory.data<u64>([1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000])

/** How many of the 8 bytes of `word` (text XOR-ed with ZEROS), from the first, are digits. */
@inline function leadingDigits(word: u64): i32 {
  // a high bit for each byte that is no digit (above 9), exact up to and including the first
  const other = (word | (word + 0x7676767676767676)) & 0x8080808080808080
  return <i32>(ctz(other) >> 3)
}

/** The value of the first `digits` (1 to 8) bytes of `word` (text XOR-ed with ZEROS), as a decimal number. */
@inline function digitsValue(word: u64, digits: i32): u64 {
  // the digits to the end of the word, zeros before them, then summed in pairs, fours and eights
  let x = (word << (<u64>(8 - digits) << 3)) & 0x0f0f0f0f0f0f0f0f
  x = (x * 2561) >> 8
  x = ((x & 0x00ff00ff00ff00ff) * 6553601) >> 16
  return ((x & 0x0000ffff0000ffff) * 42949672960001) >> 32
}

/** Where the first byte at or after `at` that is 32 (space) or less is, looking 8 bytes at a time. */
@inline function blankFrom(at: usize): usize {
  while (true) {
    const word = load<u64>(at)
    // a high bit for each byte below 33 (bytes of 128 and up have theirs cleared): exact for the first
    const below = (word - 0x2121212121212121) & ~word & 0x8080808080808080
    if (below != 0) return at + <usize>(ctz(below) >> 3)
    at += 8
  }
}

/** Appends text from `from` to `to` to the key at `at` of `length` bytes (after a space, unless first), 8 bytes at a time. */
@inline function append(at: usize, length: i32, from: i32, to: i32): i32 {
  if (length > 0) store<u8>(at + <usize>(length++), 32)
  const n = to - from
  for (let i = 0; i < n; i += 8) store<u64>(at + <usize>(length + i), load<u64>(text + <usize>(from + i)))
  return length + n
}

/** Whether the line at `at` holds only what a header line may: [a-z0-9-] and blanks. */
function headerLike(at: usize): bool {
  for (let c = <u32>load<u8>(at); c != 10; c = load<u8>(++at)) {
    if (!(c - 97 < 26 || c - 48 < 10 || c == 45 || c == 32 || c == 9 || c == 13)) return false
  }
  return true
}

/**
 * Splits the line at offset `pos` into its fields (`starts`, `ends`, and `values` for the
 * numeric ones) and returns the offset of the next line, or -1 when the line is not plain.
 */
function readLine(pos: i32): i32 {
  const line = text + <usize>pos
  let at = line
  let c = <u32>load<u8>(at)
  if (c - 97 < 26 && headerLike(at)) return -1
  let f = 0
  while (true) {
    if (f == fieldCount) return -1
    const from = at
    if (load<u8>(flags + <usize>f) & NUMERIC) {
      // up to 8 digits at a time
      const first = load<u64>(at) ^ ZEROS
      let digits = leadingDigits(first)
      let value: f64 = -1
      if (digits == 0) {
        if (c != 45) return -1
        at++
      } else {
        let number = digitsValue(first, digits)
        if (digits == 8) {
          const second = load<u64>(at + 8) ^ ZEROS
          const more = leadingDigits(second)
          // 15 digits at most: a double holds any such number exactly
          if (more == 8) return -1
          if (more > 0) number = number * load<u64>(POWERS_OF_TEN + (<usize>more << 3)) + digitsValue(second, more)
          digits += more
        }
        value = <f64>number
        at += <usize>digits
      }
      c = load<u8>(at)
      store<f64>(values + (<usize>f << 3), value)
    } else {
      at = blankFrom(at)
      c = load<u8>(at)
      if (at == from) return -1
    }
    store<i32>(starts + (<usize>f << 2), <i32>(from - text))
    store<i32>(ends + (<usize>f << 2), <i32>(at - text))
    f++
    if (c == 32) {
      c = load<u8>(++at)
      if (c <= 32) return -1
      continue
    }
    if (c == 13) c = load<u8>(++at)
    if (c == 10) break
    return -1
  }
  if (f != fieldCount || <i32>(at - line) > maxLine) return -1
  return <i32>(at - text) + 1
}

/** Whether the line just read has a log-status other than OK (its record is not digested). */
function notOk(): bool {
  if (logStatus < 0) return false
  const s = fieldStart(logStatus)
  return fieldEnd(logStatus) - s != 2 || load<u16>(text + <usize>s) != 0x4b4f
}

/** Writes the key of the line just read at `at`, zero-padded to 8 bytes, and returns its length. */
function keyOf(at: usize): i32 {
  // The ephemeral port (the larger, srcport when equal) is written as 0, unless a port is 0 already.
  let ephemeral = -1
  if (srcport >= 0 && dstport >= 0) {
    const source = valueAt(srcport)
    const destination = valueAt(dstport)
    if (source > 0 && destination > 0) ephemeral = source >= destination ? srcport : dstport
  }
  // A run of key fields is copied whole: a plain line has one space between fields.
  let length = 0
  for (let r = 0; r < runCount; r++) {
    const first = load<i32>(runs + (<usize>r << 3))
    const last = load<i32>(runs + (<usize>r << 3), 4)
    if (ephemeral < first || ephemeral > last) {
      length = append(at, length, fieldStart(first), fieldEnd(last))
      continue
    }
    if (ephemeral > first) length = append(at, length, fieldStart(first), fieldEnd(ephemeral - 1))
    if (length > 0) store<u8>(at + <usize>(length++), 32)
    store<u8>(at + <usize>(length++), 48)
    if (ephemeral < last) length = append(at, length, fieldStart(ephemeral + 1), fieldEnd(last))
  }
  store<u64>(at + <usize>length, 0)
  return length
}

/**
 * Reads the plain lines of the text from offset `pos` to `end` (just past a newline) into
 * the table and returns where it stopped: `end`, or the start of a line left to the caller
 * (or, with `full` set, of the first line whose group the table had no room for).
 * `lines` is then the number of record lines read.
 *
 * Lines are read in batches of BATCH: their keys are made and hashed, then the slots and
 * groups they will meet are loaded all at once, so that those loads (mostly cache misses in
 * a large table) overlap rather than wait for each other, and then the records are added in
 * order.
 */
export function scan(pos: i32, end: i32): i32 {
  lines = 0
  while (pos < end) {
    let n = 0
    let plain = true
    let keyAt = key
    while (n < BATCH && pos < end) {
      const next = readLine(pos)
      if (next < 0) {
        plain = false
        break
      }
      const entry = batch + <usize>(n++ * ENTRY)
      store<i32>(entry, pos, LINE)
      pos = next
      if (notOk()) {
        store<i32>(entry, -1, LENGTH)
        continue
      }
      const length = keyOf(keyAt)
      store<i32>(entry, length, LENGTH)
      store<i32>(entry, hashOf(keyAt, length), HASH)
      store<i32>(entry, <i32>(keyAt - key), KEY_AT)
      store<f64>(entry, valueAt(packets), PACKETS)
      store<f64>(entry, valueAt(bytes), BYTES)
      store<f64>(entry, valueAt(startAt), START)
      store<f64>(entry, valueAt(endAt), END)
      store<f64>(entry, valueAt(tcpFlags), FLAGS)
      keyAt += <usize>((length + 7) & ~7)
    }
    let seen: i32 = 0
    for (let i = 0; i < n; i++) {
      const entry = batch + <usize>(i * ENTRY)
      if (load<i32>(entry, LENGTH) < 0) continue
      const g = load<i32>(slotAt(load<i32>(entry, HASH) & mask))
      if (g != EMPTY) seen += load<i32>(arena + <usize>g, KEY_LENGTH)
    }
    touched = seen
    for (let i = 0; i < n; i++) {
      const entry = batch + <usize>(i * ENTRY)
      const length = load<i32>(entry, LENGTH)
      if (length >= 0) {
        const at = key + <usize>load<i32>(entry, KEY_AT)
        const g = groupOf(at, length, load<i32>(entry, HASH))
        if (g == EMPTY) return load<i32>(entry, LINE)
        const added = addTo(g, load<f64>(entry, PACKETS), load<f64>(entry, BYTES), load<f64>(entry, START), load<f64>(entry, END), load<f64>(entry, FLAGS))
        if (added < 0) return load<i32>(entry, LINE)
      }
      lines++
    }
    if (!plain) return pos
  }
  return pos
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

@inline function listAt(list: usize, i: i32): i32 {
  return load<i32>(list + (<usize>i << 2))
}

@inline function wordAt(words: usize, i: i32): u64 {
  return load<u64>(words + (<usize>i << 3))
}

@inline function swap(list: usize, words: usize, i: i32, j: i32): void {
  const g = listAt(list, i)
  store<i32>(list + (<usize>i << 2), listAt(list, j))
  store<i32>(list + (<usize>j << 2), g)
  const word = wordAt(words, i)
  store<u64>(words + (<usize>i << 3), wordAt(words, j))
  store<u64>(words + (<usize>j << 3), word)
}

/** Picks pivots: xorshift, so that no order of input makes the quicksort quadratic. */
let pick: u32 = 0x9e3779b9

@inline function anyOf(from: i32, to: i32): i32 {
  pick ^= pick << 13
  pick ^= pick >> 17
  pick ^= pick << 5
  return from + <i32>(pick % <u32>(to - from))
}

/** Sorts entries `from` to `to` of `list` by their `words` (quicksort, insertion sort for short runs). */
function sortWords(list: usize, words: usize, from: i32, to: i32): void {
  while (to - from > 12) {
    // the median of three picked at random
    const a = wordAt(words, anyOf(from, to))
    const b = wordAt(words, anyOf(from, to))
    const c = wordAt(words, anyOf(from, to))
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b
    let i = from
    let j = to - 1
    while (i <= j) {
      while (wordAt(words, i) < pivot) i++
      while (wordAt(words, j) > pivot) j--
      if (i <= j) swap(list, words, i++, j--)
    }
    // the smaller side first, the larger one in this loop: a stack of log n at most
    if (j + 1 - from < to - i) {
      sortWords(list, words, from, j + 1)
      from = i
    } else {
      sortWords(list, words, i, to)
      to = j + 1
    }
  }
  for (let i = from + 1; i < to; i++) {
    for (let k = i; k > from && wordAt(words, k - 1) > wordAt(words, k); k--) swap(list, words, k - 1, k)
  }
}

/** How many groups the last `sorted` listed, and the offset of the group after them. */
export let listed: i32 = 0
export let listEnd: i32 = 0

/**
 * Groups of the arena in key order (byte order, a prefix first): those from offset `from`
 * on that start within `most` bytes of it (`listed` of them, up to `listEnd`), as a list of
 * offsets, which the caller releases. Keys are sorted a word (8 bytes, read big-endian) at a time, most
 * significant first: the keys of a run that is equal so far are sorted by their next word,
 * so that a long common prefix (one account, one interface) is read once per key rather
 * than once per comparison.
 */
export function sorted(from: i32, most: i32): usize {
  // the groups from `from` on, as many as start within `most` bytes of it
  let count = 0
  let to = from
  for (; to < used && to - from < most; to += recordSize(load<i32>(arena + <usize>to, KEY_LENGTH))) count++
  listed = count
  listEnd = to
  const list = heap.alloc(<usize>count << 2)
  const words = heap.alloc(<usize>count << 3)
  // runs still to sort, as (from, to, depth): disjoint, of 2 entries or more, so count / 2 at most
  const runs = heap.alloc(<usize>(count / 2 + 1) * 12)
  let n = 0
  for (let g = from; g < to; g += recordSize(load<i32>(arena + <usize>g, KEY_LENGTH))) store<i32>(list + (<usize>(n++) << 2), g)
  let pending = 0
  if (n > 1) {
    store<i32>(runs, 0)
    store<i32>(runs, n, 4)
    store<i32>(runs, 0, 8)
    pending = 1
  }
  while (pending > 0) {
    const run = runs + <usize>(--pending * 12)
    let from = load<i32>(run)
    const to = load<i32>(run, 4)
    const depth = load<i32>(run, 8)
    // Keys that end before word `depth` come first, shortest first: being equal to the
    // others so far (zero padding aside), each is a prefix of the longer ones. They are 8
    // at most, of different lengths, as the run's keys were all longer than `depth - 1` words.
    const ended = from
    for (let i = from; i < to; i++) {
      if (load<i32>(arena + <usize>listAt(list, i), KEY_LENGTH) <= depth << 3) swap(list, words, i, from++)
    }
    for (let i = ended + 1; i < from; i++) {
      for (let k = i; k > ended && load<i32>(arena + <usize>listAt(list, k - 1), KEY_LENGTH) > load<i32>(arena + <usize>listAt(list, k), KEY_LENGTH); k--) {
        swap(list, words, k - 1, k)
      }
    }
    let uniform = true
    for (let i = from; i < to; i++) {
      store<u64>(words + (<usize>i << 3), bswap(load<u64>(arena + <usize>listAt(list, i) + KEY + (<usize>depth << 3))))
      uniform &= wordAt(words, i) == wordAt(words, from)
    }
    // a word all the run's keys share (an account, say) needs no sorting
    if (!uniform) sortWords(list, words, from, to)
    // runs of an equal word go on with the next one
    for (let i = from; i < to; ) {
      let j = i + 1
      while (j < to && wordAt(words, j) == wordAt(words, i)) j++
      if (j - i > 1) {
        const next = runs + <usize>(pending++ * 12)
        store<i32>(next, i)
        store<i32>(next, j, 4)
        store<i32>(next, depth + 1, 8)
      }
      i = j
    }
  }
  heap.free(words)
  heap.free(runs)
  return list
}

/**
 * Moves the records of a sorted chunk (the `count` groups of `list`, which fill the arena
 * from `from` to `to`) into the list's order, and writes their new offsets into `list`, so
 * that a merge of chunks reads each from start to end. The slots no longer find the groups:
 * the table is emptied (`clear`) before it takes more.
 */
export function reorder(list: usize, count: i32, from: i32, to: i32): void {
  const scratch = heap.alloc(<usize>(to - from))
  let at: i32 = 0
  for (let i = 0; i < count; i++) {
    const group = arena + <usize>listAt(list, i)
    const size = recordSize(load<i32>(group, KEY_LENGTH))
    // 8 bytes at a time: a record is a whole number of words
    for (let w = 0; w < size; w += 8) store<u64>(scratch + <usize>(at + w), load<u64>(group + <usize>w))
    store<i32>(list + (<usize>i << 2), from + at)
    at += size
  }
  memory.copy(arena + <usize>from, scratch, <usize>(to - from))
  heap.free(scratch)
}

/** The digits of 0 to 99, two bytes each. */
const DIGIT_PAIRS = memory.data<u8>([48,48,48,49,48,50,48,51,48,52,48,53,48,54,48,55,48,56,48,57,49,48,49,49,49,50,49,51,49,52,49,53,49,54,49,55,49,56,49,57,50,48,50,49,50,50,50,51,50,52,50,53,50,54,50,55,50,56,50,57,51,48,51,49,51,50,51,51,51,52,51,53,51,54,51,55,51,56,51,57,52,48,52,49,52,50,52,51,52,52,52,53,52,54,52,55,52,56,52,57,53,48,53,49,53,50,53,51,53,52,53,53,53,54,53,55,53,56,53,57,54,48,54,49,54,50,54,51,54,52,54,53,54,54,54,55,54,56,54,57,55,48,55,49,55,50,55,51,55,52,55,53,55,54,55,55,55,56,55,57,56,48,56,49,56,50,56,51,56,52,56,53,56,54,56,55,56,56,56,57,57,48,57,49,57,50,57,51,57,52,57,53,57,54,57,55,57,56,57,57])

/** The number of decimal digits of `n`. */
@inline function digitCount(n: u64): i32 {
  let digits = 1
  for (let power: u64 = 10; digits < 20 && n >= power; power *= 10) digits++
  return digits
}

/** Writes `value` at `at` as JavaScript's String() would an integer, or `-` for -1 (absent); returns where it ends. */
@inline function number(at: usize, value: f64): usize {
  if (value == -1) {
    store<u8>(at, 45)
    return at + 1
  }
  if (value < 0) {
    store<u8>(at++, 45)
    value = -value
  }
  let n = <u64>value
  const end = at + <usize>digitCount(n)
  let to = end
  // two digits at a time, in 32 bits once the number fits
  for (; n > 0xffffffff; n /= 100) store<u16>((to -= 2), load<u16>(DIGIT_PAIRS + (<usize>(n % 100) << 1)))
  let small = <u32>n
  for (; small >= 100; small /= 100) store<u16>((to -= 2), load<u16>(DIGIT_PAIRS + (<usize>(small % 100) << 1)))
  if (small >= 10) store<u16>(to - 2, load<u16>(DIGIT_PAIRS + (<usize>small << 1)))
  else store<u8>(to - 1, <u8>(48 + small))
  return end
}

/** The overall window's start and end, written once for all lines (see `window`): 24 bytes each, and their lengths. */
const WINDOW_TEXT = memory.data(48)
let startLength: i32 = 0
let endLength: i32 = 0

/** Writes the start and end every line carries, unless `own`: each group's then. */
function window(own: bool, start: f64, end: f64): void {
  if (own) return
  startLength = <i32>(number(WINDOW_TEXT, start) - WINDOW_TEXT)
  endLength = <i32>(number(WINDOW_TEXT + 24, end) - WINDOW_TEXT - 24)
}

/**
 * Writes groups `from` to `count` of the sorted `list` as lines into `out` (`room` bytes):
 * their fields in the order of `kinds` (a byte a field: 0 for the next key field, else 1 +
 * which number: packets, bytes, start, end, tcp-flags), with start and end from `start` and
 * `end` unless `own`. Returns the first group not written (`count` when all were): the next
 * did not fit, or has a sum JavaScript holds. `written` is then the bytes written.
 */
export function write(list: usize, from: i32, count: i32, kinds: usize, kindCount: i32, own: bool, start: f64, end: f64, out: usize, room: i32): i32 {
  window(own, start, end)
  let at = out
  let i = from
  for (; i < count; i++) {
    const group = arena + <usize>listAt(list, i)
    if (!lineFits(group, at - out, kindCount, room)) break
    if (load<f64>(group, PACKETS) == IN_BIG || load<f64>(group, BYTES) == IN_BIG) break
    at = line(at, group, kinds, kindCount, own)
  }
  written = <i32>(at - out)
  return i
}

/** Whether the line of the group at `group` surely fits in `room` bytes with `used` taken: at most 17 bytes a number and a space after each field, and 8 bytes past the line. */
@inline function lineFits(group: usize, used: usize, kindCount: i32, room: i32): bool {
  return <i32>used + load<i32>(group, KEY_LENGTH) + kindCount * 18 + 8 <= room
}

/** Each byte a space (32). */
const SPACES: u64 = 0x2020202020202020
const LOW_SEVEN: u64 = 0x7f7f7f7f7f7f7f7f

/** Where the `count`th space from offset `k` of the key at `key` (`length` bytes, zero-padded) is, or `length`: 8 bytes at a time. */
@inline function afterFields(key: usize, k: i32, length: i32, count: i32): i32 {
  for (let w = k & ~7; w < length; w += 8) {
    const x = load<u64>(key + <usize>w) ^ SPACES
    // a high bit for each byte that is a space, exactly; those before k cleared
    let spaces = ~(((x & LOW_SEVEN) + LOW_SEVEN) | x | LOW_SEVEN)
    if (w < k) spaces &= ~(<u64>0) << (<u64>(k - w) << 3)
    while (spaces != 0) {
      if (--count == 0) return min(length, w + <i32>(ctz(spaces) >> 3))
      spaces &= spaces - 1
    }
  }
  return length
}

/** Writes the line of the group at `group` at `at` (see `write`); returns where it ends. */
@inline function line(at: usize, group: usize, kinds: usize, kindCount: i32, own: bool): usize {
  const length = load<i32>(group, KEY_LENGTH)
  const key = group + KEY
  let k = 0
  for (let f = 0; f < kindCount; f++) {
    if (f > 0) store<u8>(at++, 32)
    const kind = <usize>load<u8>(kinds + <usize>f)
    if (kind == 0) {
      // the key fields up to the next number, with the spaces between them, 8 bytes at a time
      let fields = 1
      while (f + 1 < kindCount && load<u8>(kinds + <usize>(f + 1)) == 0) {
        fields++
        f++
      }
      const to = afterFields(key, k, length, fields)
      memory.copy(at, key + <usize>k, <usize>(to - k))
      at += <usize>(to - k)
      k = to + 1
      continue
    }
    const which = (kind - 1) << 3
    if (own || (which != START && which != END)) {
      at = number(at, load<f64>(group + which))
      continue
    }
    // the overall window's, as written once
    const text = which == START ? WINDOW_TEXT : WINDOW_TEXT + 24
    store<u64>(at, load<u64>(text))
    store<u64>(at, load<u64>(text, 8), 8)
    store<u64>(at, load<u64>(text, 16), 16)
    at += <usize>(which == START ? startLength : endLength)
  }
  store<u8>(at++, 10)
  return at
}

// Spilling: the groups of a full table go, sorted, to a run (a file JavaScript writes), and
// the runs are merged at the end. A run is records as in the arena, one after another in
// key order; a key may come twice in a row (FOLLOWS) where its sums could not be folded
// exactly here, so that JavaScript adds them as bigints.

/**
 * Copies groups `from` to `count` of the sorted `list` into `out` (`room` bytes), as they
 * are in the arena. Returns the first group not copied (`count` when all were): the next
 * did not fit, or has a sum JavaScript holds. `written` is then the bytes copied.
 */
export function pack(list: usize, from: i32, count: i32, out: usize, room: i32): i32 {
  let at = out
  let i = from
  for (; i < count; i++) {
    const group = arena + <usize>listAt(list, i)
    const size = recordSize(load<i32>(group, KEY_LENGTH))
    if (<i32>(at - out) + size > room) break
    if (load<f64>(group, PACKETS) == IN_BIG || load<f64>(group, BYTES) == IN_BIG) break
    memory.copy(at, group, <usize>size)
    at += <usize>size
  }
  written = <i32>(at - out)
  return i
}

/**
 * The merge's sources (8 bytes a source): of runs, each the next record and the end of the
 * block of a run JavaScript read; of lists (sorted chunks of this table), each the next
 * entry of its list, and the list's end. A source whose next is at its end has ended.
 */
let sources: usize = 0
/** Whether the sources are lists of groups of this table's arena rather than blocks of records. */
let listing: bool = false
/**
 * A tournament (loser) tree over the sources, padded to `leaves`, a power of two, with
 * ended sources: node 0 holds the source whose record goes first, node n (1 to leaves - 1)
 * the loser of the match at n, whose children are nodes 2n and 2n + 1, the leaf of source
 * s being node leaves + s. A source's next record then meets one record a level: log2 of
 * the sources' number of comparisons.
 */
let tree: usize = 0
let leaves: i32 = 0
/** Whether the tree is built: it is, from the sources as fed, when the merge first steps. */
let built: bool = false
/** The group being folded: a copy of a record, and its room. */
let folded: usize = 0
let foldedRoom: i32 = 0
let folding: bool = false

@inline function sourceAt(s: i32): usize {
  return sources + (<usize>s << 3)
}

@inline function ended(s: i32): bool {
  return load<i32>(sourceAt(s)) >= load<i32>(sourceAt(s), 4)
}

/** The next record of source `s`: where its block is, or the group its list names next. */
@inline function nextOf(s: i32): usize {
  const at = <usize>load<i32>(sourceAt(s))
  return listing ? arena + <usize>load<i32>(at) : at
}

@inline function nodeAt(n: i32): i32 {
  return load<i32>(tree + (<usize>n << 2))
}

/** How the key of the record at `a` sorts against that of the one at `b` (-1, 0, 1): byte order, a prefix first. */
function compareKeys(a: usize, b: usize): i32 {
  const la = load<i32>(a, KEY_LENGTH)
  const lb = load<i32>(b, KEY_LENGTH)
  const words = (min(la, lb) + 7) >>> 3
  for (let w = 0; w < words; w++) {
    const x = load<u64>(a + KEY + (<usize>w << 3))
    const y = load<u64>(b + KEY + (<usize>w << 3))
    if (x != y) return bswap(x) < bswap(y) ? -1 : 1
  }
  return la < lb ? -1 : la > lb ? 1 : 0
}

function sameKey(a: usize, b: usize): bool {
  return compareKeys(a, b) == 0
}

/** Whether source `a`'s next record goes first: by key, then by source, so that the order is always the same; an ended source goes last. */
function precedes(a: i32, b: i32): bool {
  if (ended(a)) return false
  if (ended(b)) return true
  const order = compareKeys(nextOf(a), nextOf(b))
  return order < 0 || (order == 0 && a < b)
}

/** Source `s`, whose next record changed, plays its way up the tree again: the winner goes to node 0. */
function replay(s: i32): void {
  let winner = s
  for (let n = (leaves + s) >> 1; n > 0; n >>= 1) {
    const other = nodeAt(n)
    if (precedes(other, winner)) {
      store<i32>(tree + (<usize>n << 2), winner)
      winner = other
    }
  }
  store<i32>(tree, winner)
}

/** Builds the tree from the sources as fed: each node's match played bottom up. */
function build(): void {
  // the winners of the matches below each node, from leaves + n for node n
  const winners = tree + (<usize>leaves << 2)
  for (let s = 0; s < leaves; s++) store<i32>(winners + (<usize>(leaves + s) << 2), s)
  for (let n = leaves - 1; n > 0; n--) {
    let winner = load<i32>(winners + (<usize>(2 * n) << 2))
    let loser = load<i32>(winners + (<usize>(2 * n + 1) << 2))
    if (precedes(loser, winner)) {
      const swapped = winner
      winner = loser
      loser = swapped
    }
    store<i32>(tree + (<usize>n << 2), loser)
    store<i32>(winners + (<usize>n << 2), winner)
  }
  store<i32>(tree, leaves > 1 ? load<i32>(winners + 4) : 0)
  built = true
}

/**
 * Starts a merge of `count` sources, each then given its records with `feed`: blocks of
 * records of runs (for `mergeStep`), or with `lists`, sorted lists of this table's groups
 * (for `mergeLists`).
 */
export function startMerge(count: i32, lists: bool): void {
  leaves = 1
  while (leaves < count) leaves <<= 1
  // the padding sources have ended from the start
  sources = renew(sources, leaves << 3)
  memory.fill(sources, 0, <usize>leaves << 3)
  // the tree, then (while it is built) the winners of each node's match, nodes 1 to 2 * leaves - 1
  tree = renew(tree, leaves * 12)
  built = false
  folding = false
  listing = lists
}

/** Source `s` goes on with the whole records from `at` to `end`, or the list entries (none: it has ended). */
export function feed(s: i32, at: usize, end: usize): void {
  store<i32>(sourceAt(s), <i32>at)
  store<i32>(sourceAt(s), <i32>end, 4)
  if (built) replay(s)
}

/**
 * Merges the sources' records into `out` (`room` bytes), folding those of equal keys.
 * Returns a source whose records ran out (JavaScript feeds it its next block, or nothing),
 * -1 when the merge is done, or -2 when `out` is full. `written` is then the bytes written.
 */
export function mergeStep(out: usize, room: i32): i32 {
  if (!built) build()
  let at = out
  while (true) {
    const s = nodeAt(0)
    if (ended(s)) {
      if (folding) {
        const size = recordSize(load<i32>(folded, KEY_LENGTH))
        if (<i32>(at - out) + size > room) break
        memory.copy(at, folded, <usize>size)
        at += <usize>size
        folding = false
      }
      written = <i32>(at - out)
      return -1
    }
    const record = nextOf(s)
    const size = recordSize(load<i32>(record, KEY_LENGTH))
    const same = folding && sameKey(folded, record)
    if (!same || !addAt(folded, load<f64>(record, PACKETS), load<f64>(record, BYTES), load<f64>(record, START), load<f64>(record, END), load<f64>(record, FLAGS))) {
      if (folding) {
        const foldedSize = recordSize(load<i32>(folded, KEY_LENGTH))
        if (<i32>(at - out) + foldedSize > room) break
        if (same) store<i32>(folded, 1, FOLLOWS)
        memory.copy(at, folded, <usize>foldedSize)
        at += <usize>foldedSize
      }
      if (size > foldedRoom) {
        foldedRoom = max(size, foldedRoom * 2)
        folded = renew(folded, foldedRoom)
      }
      memory.copy(folded, record, <usize>size)
      store<i32>(folded, 0, FOLLOWS)
      folding = true
    }
    const next = record + <usize>size
    store<i32>(sourceAt(s), <i32>next)
    if (next >= <usize>load<i32>(sourceAt(s), 4)) {
      // its block is read: JavaScript feeds it the next, and it plays again
      written = <i32>(at - out)
      return s
    }
    replay(s)
  }
  written = <i32>(at - out)
  return -2
}

/**
 * Writes the records from `from` to `to` (merged runs) as lines into `out` (`room` bytes),
 * as `write` does. Returns where it stopped: `to`, or a record that did not fit or that
 * FOLLOWS (its sums JavaScript adds to the next's). `written` is then the bytes written.
 */
export function writeRun(from: usize, to: usize, kinds: usize, kindCount: i32, own: bool, start: f64, end: f64, out: usize, room: i32): usize {
  window(own, start, end)
  let at = out
  let record = from
  while (record < to) {
    if (!lineFits(record, at - out, kindCount, room) || load<i32>(record, FOLLOWS) != 0) break
    at = line(at, record, kinds, kindCount, own)
    record += <usize>recordSize(load<i32>(record, KEY_LENGTH))
  }
  written = <i32>(at - out)
  return record
}

/**
 * Writes the next groups of the merged lists into the list at `out`, `most` of them at
 * most, and returns how many: the groups of sorted chunks of the table in key order (the
 * keys of a table are all different), 0 once all are written. Each group is met here just
 * before `write` reads it, so that it is still in the processor's cache then.
 */
export function mergeLists(out: usize, most: i32): i32 {
  if (!built) build()
  let n = 0
  for (let s = nodeAt(0); n < most && !ended(s); s = nodeAt(0)) {
    const at = <usize>load<i32>(sourceAt(s))
    store<i32>(out + (<usize>(n++) << 2), load<i32>(at))
    store<i32>(sourceAt(s), <i32>(at + 4))
    // the group after its next one is loaded ahead of time (kept, so that it is not left out), while the tree plays
    if (at + 8 < <usize>load<i32>(sourceAt(s), 4)) {
      const ahead = arena + <usize>load<i32>(at, 8)
      touched += load<i32>(ahead, KEY_LENGTH) + load<i32>(ahead, KEY + 24)
    }
    replay(s)
  }
  return n
}
