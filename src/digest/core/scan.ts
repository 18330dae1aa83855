// The scanner: it takes whole lines of one layout into the table and stops at the first
// line that is not plain: a possible header, a blank or odd separator, a wrong field count,
// a number it does not read (more than 15 digits, a sign, a letter), a line too long, or a
// sum past 2^53. JavaScript reads that line as it reads any line, then hands the rest back.
// The scanner never reports an error, so it cannot differ from the reader on a bad line.
import { BYTES, EMPTY, END, FLAGS, KEY_LENGTH, PACKETS, renew, SLACK, START } from './arena'
import { addTo, arena, groupOf, hashOf, key, mask, reserveKey, slotAt } from './table'

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
/** A scan's batch of lines, and what its loads ahead of time read (kept, so that they are not left out). */
let batch: usize = 0
let touched: i32 = 0

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
