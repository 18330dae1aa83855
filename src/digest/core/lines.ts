// Groups written as lines of flow log text: their fields in the output's order, numbers as
// JavaScript's String() writes them.
import { BYTES, END, FOLLOWS, IN_BIG, KEY, KEY_LENGTH, PACKETS, recordSize, START } from './arena'
import { listAt } from './sort'
import { arena } from './table'

/** Bytes the last `write`, `writeRun`, `pack` or `mergeStep` wrote. */
export let written: i32 = 0

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

/** The room the line of the group at `group` takes at most: its key, 17 bytes a number and a space after each field, and 8 bytes past the line. */
@inline function roomOf(group: usize, kindCount: i32): i32 {
  return load<i32>(group, KEY_LENGTH) + kindCount * 18 + 8
}

/** The room a line of the group at `group` takes at most, for JavaScript to give a longer line (see `roomOf`). */
export function lineRoom(group: usize, kindCount: i32): i32 {
  return roomOf(group, kindCount)
}

/** Whether the line of the group at `group` surely fits in `room` bytes with `used` taken. */
@inline function lineFits(group: usize, used: usize, kindCount: i32, room: i32): bool {
  return <i32>used + roomOf(group, kindCount) <= room
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
