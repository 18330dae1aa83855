import type { StoredBody } from '../concatBodies.js'
import type { LogText } from '../flowLogText.js'

/**
 * What digest reads: flow log text in chunks, or stored bodies (what `prefetch` yields),
 * which it reads as `concatBodies` would, in its workers when it has some.
 */
export type DigestInput = LogText | string | StoredBody

export function isStoredBody(item: DigestInput): item is StoredBody {
  return typeof item === 'object' && !(item instanceof Uint8Array)
}

