import { tmpdir } from 'node:os'
import { AGGREGATED, checkKeyFields, writeDigest } from './digester.js'
import type { FlowLogError } from '../errors.js'
import { gather } from './gather.js'
import type { DigestInput } from './input.js'
import { MOST_HELD } from './groupTable.js'
import { runFolder } from './runs.js'
import { abortSignal, byteCount, callback, fieldList, positiveInteger } from '../options.js'

/** The bytes a digest's group tables and merge hold at most, by default: the process stays under 512 MiB. */
export const DEFAULT_MAX_MEMORY = 256 * 2 ** 20

export interface DigestOptions {
  /**
   * The time window each line carries: `overall`, the earliest start and latest end of
   * all records (the original's rule), or `group`, the group's own. Default `overall`.
   */
  window?: 'overall' | 'group'
  /**
   * The fields that make the group key, e.g. `['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action']`;
   * other fields are left out of the output. Default: every field present.
   */
  keyFields?: readonly string[]
  /** The fields of text without a header line. Default: the default format (version 2). */
  fields?: readonly string[]
  /** Lenient reading: malformed lines are skipped and reported here. Default: they throw. */
  onError?: (error: FlowLogError) => void
  /**
   * Readers, a log file at a time to each: this thread and `workers - 1` worker threads
   * (text without a source is read in this thread). The output is the same bytes for any
   * number. Default 1: this thread alone.
   */
  workers?: number
  /** Told, as reading goes, how many more record lines were read: for progress reports. */
  onProgress?: (records: number) => void
  /**
   * The bytes the digest's group tables may hold, shared among its readers, and at the end
   * the merge's buffers. A table that reaches its share (768 MiB at most, what its 32-bit
   * memory holds with room to sort) writes its groups, sorted, to a run file in a folder of
   * `tempDir`, and the runs are merged at the end: the output is the same bytes, whatever
   * the number of groups, with no more memory. Default 256 MiB (`DEFAULT_MAX_MEMORY`).
   */
  maxMemory?: number
  /**
   * Where the folder of runs is made (it is removed at the end, on an error or an abort,
   * and when the process exits). Default: the system's temporary folder (`os.tmpdir()`).
   */
  tempDir?: string
  /** Told of each run written: its size in bytes and its groups. */
  onSpill?: (run: { readonly bytes: number; readonly groups: number }) => void
  /** Stops the digest; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Digests flow log text into one line per group of records that are equal in every
 * field but packets and bytes (summed), start and end (the window), tcp-flags (OR-ed)
 * and the ephemeral port (the larger of srcport and dstport, srcport when equal), which
 * becomes 0. Header lines and records whose log-status is not OK are dropped. Every
 * line carries the overall earliest start and latest end (or its group's own, with
 * `window: 'group'`).
 *
 * The output is flow log text in the input's format: for each format, its header line,
 * then its groups sorted by their key fields (byte order); formats in order of their header lines. The same
 * records give the same bytes whatever the order of lines, chunks or files.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs'
 * for await (const text of pipe(createReadStream('flows.log'), digest())) process.stdout.write(text)
 * ```
 */
export function digest(
  options: DigestOptions = {},
): (input: AsyncIterable<DigestInput> | Iterable<DigestInput>) => AsyncGenerator<Uint8Array> {
  const { window = 'overall' } = options
  const keyFields = fieldList('keyFields', options.keyFields)
  const fields = fieldList('fields', options.fields)
  const onError = callback('onError', options.onError)
  const onProgress = callback('onProgress', options.onProgress)
  if (window !== 'overall' && window !== 'group') throw new TypeError(`window must be 'overall' or 'group', got ${String(window)}`)
  if (keyFields !== undefined) {
    const aggregated = keyFields.filter((field) => AGGREGATED.has(field))
    if (aggregated.length > 0) throw new TypeError(`keyFields cannot hold aggregated fields: ${aggregated.join(', ')}`)
  }
  const workers = positiveInteger('workers', options.workers, 1)
  const maxMemory = byteCount('maxMemory', options.maxMemory, DEFAULT_MAX_MEMORY)
  if (maxMemory === 0) throw new TypeError('maxMemory must be above 0, got 0')
  const tempDir = options.tempDir ?? tmpdir()
  if (typeof tempDir !== 'string' || tempDir === '') throw new TypeError(`tempDir must be a folder's path, got ${JSON.stringify(tempDir)}`)
  const onSpill = callback('onSpill', options.onSpill)
  const signal = abortSignal('signal', options.signal)

  return async function* (input) {
    const folder = runFolder(tempDir)
    try {
      // each reader's tables have a share of the memory
      const spill = { folder, limit: Math.min(MOST_HELD, Math.max(1, Math.floor(maxMemory / workers))), onSpill }
      const state = await gather(input, { fields, keyFields, onError, onProgress, spill, count: workers, signal })
      checkKeyFields(keyFields, [...state.blocks.values()].map((block) => block.format))
      yield* writeDigest(state, window, signal)
    } finally {
      folder.remove()
    }
  }
}
