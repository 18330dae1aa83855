import { readFile } from 'node:fs/promises'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { setMaxListeners } from 'node:events'
import type { Readable } from 'node:stream'
import parallel from 'it-parallel'
import { abortable } from './abortable.js'
import { FlowLogError, objectUrl, s3Failure } from './errors.js'
import { abortSignal, byteCount, positiveInteger } from './options.js'
import type { LogFile } from './parseLogFileKey.js'

/** A log file with the bytes of its object, as stored (gzip, plain text or Parquet). */
export interface FetchedLogFile {
  readonly file: LogFile
  readonly body: Uint8Array
}

export interface PrefetchOptions {
  /** The S3 client to fetch with. Not needed for log files of a local folder, which are read from disk. */
  client?: S3Client
  /** At most this many GetObject requests in flight, each counted until its body is read. Default 16. */
  concurrency?: number
  /**
   * At most this many bytes (by listed size) being fetched or fetched and not yet released;
   * `Infinity` for no budget. An object larger than the budget is fetched alone. Default 64 MiB.
   */
  maxBytes?: number
  /** Yield in input order (`true`, the default) or as fetches complete (`false`). */
  ordered?: boolean
  /**
   * Lenient reading: an object that cannot be fetched (after the SDK's retries) is reported
   * here and passed over. Default: the error ends the iteration.
   */
  onError?: (error: FlowLogError) => void
  /** Stops every fetch; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/** Default number of GetObject requests in flight. */
export const DEFAULT_CONCURRENCY = 16
/** Default byte budget of objects fetched ahead of the consumer. */
export const DEFAULT_MAX_BYTES = 64 * 2 ** 20

/**
 * Fetches the objects of log files ahead of the consumer, with at most `concurrency`
 * requests in flight and at most `maxBytes` fetched but not yet consumed. An object is
 * released when the consumer asks for the next one. Stopping early (a `break`, an error
 * or the signal) aborts every request in flight.
 *
 * @example
 * ```ts
 * for await (const { file, body } of pipe(listLogFiles({ client, bucket }), prefetch({ client, concurrency: 32 }))) {
 *   console.log(file.key, body.byteLength)
 * }
 * ```
 */
export function prefetch(
  options: PrefetchOptions = {},
): (files: AsyncIterable<LogFile> | Iterable<LogFile>) => AsyncGenerator<FetchedLogFile> {
  const { client, ordered = true, onError } = options
  if (client !== undefined && typeof client?.send !== 'function') throw new TypeError('client must be an S3Client')
  const concurrency = positiveInteger('concurrency', options.concurrency, DEFAULT_CONCURRENCY)
  const maxBytes = byteCount('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES)
  const outer = abortSignal('signal', options.signal)

  return async function* (files) {
    outer?.throwIfAborted()
    const stop = new AbortController()
    const signal = stop.signal
    // Every fetch in flight listens on this private signal (the SDK, and the body read), so
    // any concurrency above 5 or so would set off Node's MaxListenersExceededWarning. 0: no limit.
    setMaxListeners(0, signal)
    const onAbort = (): void => stop.abort(outer?.reason)
    outer?.addEventListener('abort', onAbort, { once: true })
    const budget = byteBudget(maxBytes)

    async function* tasks(): AsyncGenerator<() => Promise<FetchedLogFile | LogFile>> {
      for await (const file of abortable(files, signal)) {
        if (file.path === undefined && !client) throw new TypeError(`prefetch needs a client to fetch ${objectUrl(file)}`)
        await budget.reserve(file.size, signal)
        yield async () => {
          try {
            return await (file.path === undefined ? fetchObject(client!, file, signal) : readLocal(file, signal))
          } catch (error) {
            if (!onError || !(error instanceof FlowLogError)) throw error
            onError(error)
            return file
          }
        }
      }
    }

    try {
      for await (const fetched of abortable(parallel(tasks(), { concurrency, ordered }), signal)) {
        if ('body' in fetched) {
          yield fetched
          budget.release(fetched.file.size)
        } else {
          budget.release(fetched.size) // skipped: nothing to hand over
        }
      }
    } finally {
      outer?.removeEventListener('abort', onAbort)
      stop.abort(new Error('prefetch stopped'))
    }
  }
}

/**
 * Bytes reserved for objects being fetched or held. A reservation waits (without polling)
 * until it fits, or until nothing is held when the object alone is larger than the budget.
 */
function byteBudget(maxBytes: number) {
  let held = 0
  const waiting = new Set<() => void>()
  return {
    async reserve(size: number, signal: AbortSignal): Promise<void> {
      while (held > 0 && held + size > maxBytes) {
        signal.throwIfAborted()
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            waiting.delete(wake)
            signal.removeEventListener('abort', wake)
            resolve()
          }
          waiting.add(wake)
          signal.addEventListener('abort', wake)
        })
      }
      signal.throwIfAborted()
      held += size
    },
    release(size: number): void {
      held -= size
      for (const wake of [...waiting]) wake()
    },
  }
}

async function fetchObject(client: S3Client, file: LogFile, signal: AbortSignal): Promise<FetchedLogFile> {
  const object = objectUrl(file)
  let body: Readable
  let length: number
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: file.bucket, Key: file.key }), {
      abortSignal: signal,
    })
    body = response.Body as Readable
    length = response.ContentLength ?? file.size
  } catch (error) {
    throw s3Failure('GetObject', object, error, signal)
  }
  const onAbort = (): void => {
    body.destroy()
  }
  signal.addEventListener('abort', onAbort)
  try {
    return { file, body: await readAll(body, length) }
  } catch (error) {
    if (signal.aborted) throw signal.reason
    throw new FlowLogError(`reading the body failed: ${(error as Error).message}`, { code: 'REQUEST_FAILED', object, cause: error })
  } finally {
    signal.removeEventListener('abort', onAbort)
    body.destroy()
  }
}

async function readLocal(file: LogFile, signal: AbortSignal): Promise<FetchedLogFile> {
  try {
    return { file, body: await readFile(file.path!, { signal }) }
  } catch (error) {
    if (signal.aborted) throw signal.reason
    throw new FlowLogError(`reading the file failed: ${(error as Error).message}`, { code: 'REQUEST_FAILED', object: objectUrl(file), cause: error })
  }
}

async function readAll(body: Readable, length: number): Promise<Uint8Array> {
  let bytes = Buffer.allocUnsafe(length)
  let filled = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (filled + chunk.length > bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(bytes.length * 2, filled + chunk.length))
      bytes.copy(grown, 0, 0, filled)
      bytes = grown
    }
    chunk.copy(bytes, filled)
    filled += chunk.length
  }
  return bytes.subarray(0, filled)
}
