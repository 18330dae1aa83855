// Sorting the table's groups by key: a chunk of the arena at a time (see groupTable.ts),
// each then moved into key order, so that the chunks merge (merge.ts) reading each from
// start to end.
import { KEY, KEY_LENGTH, recordSize } from './arena'
import { arena, used } from './table'

@inline export function listAt(list: usize, i: i32): i32 {
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
