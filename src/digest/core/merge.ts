// Merging: the sorted chunks of a table (see sort.ts), and the runs a full table spills.
// A run is records as in the arena (a file JavaScript writes), one after another in key
// order; a key may come twice in a row (FOLLOWS) where its sums could not be folded exactly
// here, so that JavaScript adds them as bigints.
import { BYTES, END, FLAGS, FOLLOWS, IN_BIG, KEY, KEY_LENGTH, PACKETS, recordSize, renew, START } from './arena'
import { written } from './lines'
import { listAt } from './sort'
import { addAt, arena } from './table'

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
  return load<u32>(sourceAt(s)) >= load<u32>(sourceAt(s), 4)
}

/** The next record of source `s`: where its block is, or the group its list names next. */
@inline function nextOf(s: i32): usize {
  const at = <usize>load<u32>(sourceAt(s))
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
  store<u32>(sourceAt(s), <u32>at)
  store<u32>(sourceAt(s), <u32>end, 4)
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
    store<u32>(sourceAt(s), <u32>next)
    if (next >= <usize>load<u32>(sourceAt(s), 4)) {
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
 * Writes the next groups of the merged lists into the list at `out`, `most` of them at
 * most, and returns how many: the groups of sorted chunks of the table in key order (the
 * keys of a table are all different), 0 once all are written. Each group is met here just
 * before `write` reads it, so that it is still in the processor's cache then.
 */
export function mergeLists(out: usize, most: i32): i32 {
  if (!built) build()
  let n = 0
  for (let s = nodeAt(0); n < most && !ended(s); s = nodeAt(0)) {
    const at = <usize>load<u32>(sourceAt(s))
    store<i32>(out + (<usize>(n++) << 2), load<i32>(at))
    store<u32>(sourceAt(s), <u32>(at + 4))
    replay(s)
  }
  return n
}

