import { readFile } from 'node:fs/promises'
import type { S3Client } from '@aws-sdk/client-s3'
import { setMaxListeners } from 'node:events'
import type { Readable } from 'node:stream'
import parallel from 'it-parallel'
import { abortable, sleep, watchdog } from './abortable.js'
import { FlowLogError, objectUrl, plural, redact, s3Failure, sdkAttempts } from './errors.js'
import { abortSignal, byteCount, callback, milliseconds, positiveInteger } from './options.js'
import type { LogFile } from './parseLogFileKey.js'
import { s3Sdk } from './s3Sdk.js'

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
   * `Infinity` for no budget. An object larger than the budget is fetched alone. Default 16 MiB.
   */
  maxBytes?: number
  /** Yield in input order (`true`, the default) or as fetches complete (`false`). */
  ordered?: boolean
  /**
   * Lenient reading: an object that cannot be fetched (after the retries) is reported
   * here and passed over. Default: the error ends the iteration.
   */
  onError?: (error: FlowLogError) => void
  /**
   * Attempts at reading each object: a GetObject whose body breaks off mid-stream or
   * stalls (see `stallTimeout`) is sent again, whole, until this many have failed. The
   * SDK does not retry those, while it does retry what fails before the body starts (5xx,
   * throttling, resets: see the client's `maxAttempts`), so those are left to it. A
   * positive integer; default 3 ({@link DEFAULT_ATTEMPTS}).
   */
  attempts?: number
  /**
   * The wait before each retry of a broken body, in milliseconds. A number is the base of
   * capped exponential backoff with full jitter: before retry `n` (1, 2...) a random wait
   * from 0 to `min(20 s, backoff × 2^(n-1))`. A function is given `n` and returns the wait.
   * Default 100 ({@link DEFAULT_BACKOFF}).
   */
  backoff?: number | ((retry: number) => number)
  /**
   * Milliseconds without progress after which a GetObject counts as stalled: no response
   * headers since it was sent, or no data on its body since the last chunk. It is then
   * aborted and retried like a broken body (see `attempts`). `Infinity` to wait forever;
   * default 60 000 ({@link DEFAULT_STALL_TIMEOUT}).
   */
  stallTimeout?: number
  /** Stops every fetch; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/** Default number of GetObject requests in flight. */
export const DEFAULT_CONCURRENCY = 16
/** Default byte budget of objects fetched ahead of the consumer. */
export const DEFAULT_MAX_BYTES = 16 * 2 ** 20
/** Default attempts at reading one object: as many as the AWS SDKs' standard retry mode makes. */
export const DEFAULT_ATTEMPTS = 3
/** Default base of the backoff between attempts, in milliseconds: the AWS SDKs' standard base delay. */
export const DEFAULT_BACKOFF = 100
/** The longest wait between attempts, in milliseconds: the AWS SDKs' standard cap. */
export const MAX_BACKOFF = 20_000
/** Default milliseconds without progress before a GetObject counts as stalled: botocore's read timeout. */
export const DEFAULT_STALL_TIMEOUT = 60_000

/**
 * Fetches the objects of log files ahead of the consumer, with at most `concurrency`
 * requests in flight and at most `maxBytes` fetched but not yet consumed. An object is
 * released when the consumer asks for the next one. Stopping early (a `break`, an error
 * or the signal) aborts every request in flight.
 *
 * Faults: what fails before the body starts (5xx, throttling, resets) is retried by the
 * SDK, as the client is set up to; a body that breaks off or stalls is fetched again
 * whole, up to `attempts` times with `backoff` between (stalls are found by
 * `stallTimeout`). Only whole bodies are yielded, each object once. What still fails
 * throws a FlowLogError naming the object and the attempts made (or, with `onError`, is
 * reported and passed over).
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
  const { client, ordered = true } = options
  if (typeof ordered !== 'boolean') throw new TypeError(`ordered must be true or false, got ${String(ordered)}`)
  const onError = callback('onError', options.onError)
  if (client !== undefined && typeof client?.send !== 'function') throw new TypeError('client must be an S3Client')
  const concurrency = positiveInteger('concurrency', options.concurrency, DEFAULT_CONCURRENCY)
  const maxBytes = byteCount('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES)
  const outer = abortSignal('signal', options.signal)
  const policy: RetryPolicy = {
    attempts: positiveInteger('attempts', options.attempts, DEFAULT_ATTEMPTS),
    backoff: backoffOf(options.backoff),
    stallTimeout: milliseconds('stallTimeout', options.stallTimeout, DEFAULT_STALL_TIMEOUT),
  }

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
    // it-parallel runs at most `concurrency` tasks; the slots make that a guarantee of ours.
    const slots = byteBudget(concurrency)

    async function* tasks(): AsyncGenerator<() => Promise<FetchedLogFile | LogFile>> {
      for await (const file of abortable(files, signal)) {
        if (file.path === undefined && !client) throw new TypeError(`prefetch needs a client to fetch ${objectUrl(file)}`)
        await budget.reserve(file.size, signal)
        yield async () => {
          await slots.reserve(1, signal)
          try {
            return await (file.path === undefined ? fetchObject(client!, file, signal, policy) : readLocal(file, signal))
          } catch (error) {
            if (!onError || !(error instanceof FlowLogError)) throw error
            onError(error)
            return file
          } finally {
            slots.release(1)
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
 * Bytes reserved for objects being fetched or held (or, counting 1 each, requests in
 * flight). A reservation waits (without polling) until it fits, or until nothing is held
 * when the object alone is larger than the budget.
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

interface RetryPolicy {
  readonly attempts: number
  readonly backoff: (retry: number) => number
  readonly stallTimeout: number
}

function backoffOf(backoff: PrefetchOptions['backoff']): (retry: number) => number {
  if (typeof backoff === 'function') return backoff
  const base = backoff ?? DEFAULT_BACKOFF
  if (typeof base !== 'number' || !Number.isFinite(base) || base < 0) {
    throw new TypeError(`backoff must be a number of milliseconds >= 0 or a function, got ${String(base)}`)
  }
  return (retry) => Math.random() * Math.min(MAX_BACKOFF, base * 2 ** (retry - 1))
}


/** A failure that another attempt may well get past: a body cut short, or a stall. */
class Transient extends Error {
  constructor(
    message: string,
    /** HTTP requests the attempt made (the SDK's retries included). */
    readonly requests: number,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/**
 * Fetches an object, sending GetObject again (after a backoff) while its body breaks off
 * or stalls, up to `policy.attempts` times. Only a whole body is returned: the bytes of a
 * failed attempt are dropped, so nothing is read twice nor half.
 */
async function fetchObject(client: S3Client, file: LogFile, signal: AbortSignal, policy: RetryPolicy): Promise<FetchedLogFile> {
  const object = objectUrl(file)
  let requests = 0
  for (let attempt = 1; ; attempt++) {
    let failure: Transient
    try {
      return { file, body: await fetchOnce(client, file, signal, policy.stallTimeout, requests) }
    } catch (error) {
      if (signal.aborted) throw signal.reason
      if (!(error instanceof Transient)) throw error
      failure = error
    }
    requests += failure.requests
    if (attempt >= policy.attempts) {
      throw new FlowLogError(`GetObject failed after ${plural(requests, 'attempt')}: ${redact(failure.message)}`, {
        code: 'REQUEST_FAILED',
        object,
        cause: failure.cause ?? failure,
        attempts: requests,
      })
    }
    await sleep(policy.backoff(attempt), signal)
  }
}

/**
 * One GetObject and the reading of its body, aborted when no progress is seen for
 * `stallTimeout` ms. Throws a Transient for a body cut short or a stall, a FlowLogError
 * for what the SDK gave up on, or the signal's reason.
 */
async function fetchOnce(client: S3Client, file: LogFile, signal: AbortSignal, stallTimeout: number, before: number): Promise<Uint8Array> {
  const { GetObjectCommand } = await s3Sdk()
  signal.throwIfAborted()
  const attempt = watchdog(signal, stallTimeout)
  let requests = 1
  try {
    let response
    try {
      response = await client.send(new GetObjectCommand({ Bucket: file.bucket, Key: file.key }), { abortSignal: attempt.signal })
    } catch (error) {
      if (signal.aborted) throw signal.reason
      requests = sdkAttempts(error)
      if (attempt.stalled) throw new Transient(`the response stalled: no headers ${stallTimeout} ms after sending`, requests, { cause: error })
      throw s3Failure('GetObject', objectUrl(file), error, signal, before)
    }
    requests = sdkAttempts(response)
    attempt.progress()
    const body = response.Body as Readable
    const length = response.ContentLength
    const destroy = (): void => {
      body.destroy()
    }
    attempt.signal.addEventListener('abort', destroy)
    let read = 0
    try {
      const bytes = await readAll(body, length ?? file.size, (chunk) => {
        read += chunk
        attempt.progress()
      })
      if (length !== undefined && bytes.byteLength !== length) {
        throw new Error('it ended early')
      }
      return bytes
    } catch (error) {
      if (signal.aborted) throw signal.reason
      const where = `after ${read} of ${length ?? '?'} bytes`
      const why = attempt.stalled ? `the body stalled: no data for ${stallTimeout} ms ${where}` : `the body broke off ${where}: ${(error as Error).message}`
      throw new Transient(why, requests, { cause: error })
    } finally {
      attempt.signal.removeEventListener('abort', destroy)
      body.destroy()
    }
  } finally {
    attempt.dispose()
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

/** Reads a body to its end into one buffer (sized for `length` bytes, grown if need be), reporting each chunk. */
async function readAll(body: Readable, length: number, onChunk: (bytes: number) => void): Promise<Uint8Array> {
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
    onChunk(chunk.length)
  }
  return bytes.subarray(0, filled)
}
