// The arena's layout and the memory shared by the core's parts. A group is a record in one
// arena: its numbers (packets, bytes, start, end, tcp-flags: f64), its key length, then its
// key zero-padded to 8 bytes, so that keys are hashed and compared a word at a time and a
// group's numbers and key share cache lines. A group is named by its record's offset in
// the arena; a run on disk is the same records, one after another.

/** No group (an empty slot, a group that could not be made). */
export const EMPTY: i32 = -1

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

/** The arena a table's groups are sorted from at a time, within a processor's cache (see sort.ts); a chunk's last record may pass it. */
export const CHUNK: i32 = 4 << 20

/** Room past the end of text and keys: they are read and written 8 bytes at a time, and keys padded. */
export const SLACK: i32 = 16

/** The bytes a group takes in the arena: its numbers and its key, padded to 8 bytes. */
@inline export function recordSize(keyLength: i32): i32 {
  return <i32>KEY + ((keyLength + 7) & ~7)
}

/** A region of `length` bytes in place of `old` (freed first, so that its room can be reused: its content is not kept). */
export function renew(old: usize, length: i32): usize {
  if (old != 0) heap.free(old)
  return heap.alloc(<usize>length)
}

/** Room for `length` bytes the caller fills (a layout's flags, another table's groups). */
export function allocate(length: i32): usize {
  return heap.alloc(<usize>length)
}

/** Gives back what `allocate` gave. */
export function release(at: usize): void {
  heap.free(at)
}
