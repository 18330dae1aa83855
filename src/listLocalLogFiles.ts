import type { Dirent } from 'node:fs'
import { opendir, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { FlowLogError } from './errors.js'
import type { SkippedObject } from './listLogFiles.js'
import { abortSignal, callback } from './options.js'
import { parseLogFileKey, type LogFile } from './parseLogFileKey.js'

export interface ListLocalLogFilesOptions {
  /** A folder laid out like a bucket, as `aws s3 sync` leaves it. */
  dir: string
  /** Only keys (paths within the folder, `/`-separated) starting with this are listed. */
  prefix?: string
  /** Called for each file that is not listed: empty files and names that are not flow log files. */
  onSkip?: (object: SkippedObject) => void
  /** Stops the listing; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Lists the flow log files in a local copy of a bucket, folder by folder in name order,
 * and yields a {@link LogFile} for each, with its `path` on disk, so that `prefetch`
 * reads it from disk. The same stages then run as on S3.
 *
 * @example
 * ```ts
 * const text = pipe(listLocalLogFiles({ dir: 'flow-logs-copy' }), prefetch(), concatBodies(), digest())
 * ```
 */
export function listLocalLogFiles(options: ListLocalLogFilesOptions): AsyncGenerator<LogFile> {
  const { dir, prefix = '' } = options
  if (typeof prefix !== 'string') throw new TypeError(`prefix must be a string, got ${String(prefix)}`)
  const onSkip = callback('onSkip', options.onSkip)
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`dir must be a non-empty path, got ${String(dir)}`)
  const signal = abortSignal('signal', options.signal)
  return walk(dir)

  async function* walk(folder: string): AsyncGenerator<LogFile> {
    signal?.throwIfAborted()
    const entries: Dirent[] = []
    try {
      for await (const entry of await opendir(folder)) entries.push(entry)
    } catch (error) {
      throw new FlowLogError(`listing the folder failed: ${(error as Error).message}`, { code: 'REQUEST_FAILED', object: folder, cause: error })
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const path = join(folder, entry.name)
      const key = keyOf(path)
      // A link to a file is read as the file; a link to a folder is not followed (it could loop).
      const found = entry.isSymbolicLink() ? await stat(path).catch(() => undefined) : entry
      if (found?.isDirectory()) {
        if (entry.isSymbolicLink()) onSkip?.({ bucket: dir, key, path, size: 0, reason: 'link to a folder' })
        else if (prefix.startsWith(key + '/') || (key + '/').startsWith(prefix)) yield* walk(path)
      } else if (found?.isFile() && key.startsWith(prefix)) {
        yield* consider(path, (await stat(path)).size)
      }
    }
  }

  function keyOf(path: string): string {
    return relative(dir, path).split(sep).join('/')
  }

  function* consider(path: string, size: number): Generator<LogFile> {
    const key = keyOf(path)
    const name = parseLogFileKey(key)
    if (name && size > 0) yield { ...name, bucket: dir, key, path, size }
    else onSkip?.({ bucket: dir, key, path, size, reason: name ? 'empty object' : 'not a flow log file name' })
  }
}
