/** The counts of a map: bytes and packets, exact (numbers while they are safe, bigints past 2^53). */
import type { Volume } from './networkMap.js'

export type Count = number | bigint

/** A sum, exact: a number while it is safe, a bigint past 2^53. */
export function add(a: Count, b: Count): Count {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b
    if (sum <= Number.MAX_SAFE_INTEGER) return sum
  }
  const sum = BigInt(a) + BigInt(b)
  return sum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sum) : sum
}

/** The bytes of a traffic: both ways, accepted and rejected. */
export function totalBytes(traffic: { forward: { accepted: Volume; rejected: Volume }; reverse: { accepted: Volume; rejected: Volume } }): Count {
  const { forward, reverse } = traffic
  return [forward.accepted, forward.rejected, reverse.accepted, reverse.rejected].reduce<Count>((sum, volume) => add(sum, volume.bytes), 0)
}

/** How two counts sort. */
export function compareCounts(a: Count, b: Count): number {
  return a < b ? -1 : a > b ? 1 : 0
}

