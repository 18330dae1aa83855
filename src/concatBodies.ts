import type { TransformOptions } from 'node:stream'
import { createGunzip, type ZlibOptions } from 'node:zlib'
import { abortable } from './abortable.js'
import { FlowLogError, objectUrl } from './errors.js'
import { DEFAULT_MAX_LINE_LENGTH, fromLogFile, type LogText } from './flowLogText.js'
import { abortSignal, byteCount, callback } from './options.js'
import { isParquet, parquetText } from './parquetText.js'
import type { LogObject } from './parseLogFileKey.js'

/** The bytes of a stored flow log file: what `prefetch` yields, or any object with a name and bytes. */
export interface StoredBody {
  readonly file: LogObject
  readonly body: Uint8Array
}

export interface ConcatBodiesOptions {
  /**
   * Lenient reading: an object that cannot be read (corrupt gzip, unreadable Parquet, too
   * much text) is reported here and passed over after the text read from it so far.
   * Default: it throws.
   */
  onError?: (error: FlowLogError) => void
  /**
   * The most text one object may turn into, in bytes (gunzipped, converted from Parquet,
   * or as stored): past it, reading the object stops with a FlowLogError (`TEXT_TOO_LARGE`)
   * naming it, so that a gzip bomb (a small object that inflates to terabytes) costs
   * seconds, not hours. Gzip is inflated as a stream, so memory stays small whatever the
   * limit. `Infinity` for no limit; default 4 GiB ({@link DEFAULT_MAX_TEXT_BYTES}).
   */
  maxTextBytes?: number
  /** Stops reading; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

const NEWLINE = 10

/**
 * Default limit on the text of one object: 4 GiB. AWS writes log files of at most 75 MB
 * (gzipped), and flow log text compresses some 10 to 20 times, so real files stay far
 * below it; a gzip bomb is stopped after a few seconds of inflating.
 */
export const DEFAULT_MAX_TEXT_BYTES = 4 * 2 ** 30

/**
 * Turns fetched log files into one stream of flow log text: gunzips each body (plain
 * text passes through; Parquet becomes text, header first; gzip and Parquet are
 * recognised by their magic bytes, not by the name) and ends
 * each file's text with a newline, so that no line spans two files. Header lines stay
 * in the stream. Every chunk carries its log file as `source`.
 *
 * @example
 * ```ts
 * for await (const text of pipe(listLogFiles({ client, bucket }), prefetch({ client }), concatBodies())) {
 *   process.stdout.write(text)
 * }
 * ```
 */
export function concatBodies(
  options: ConcatBodiesOptions = {},
): (objects: AsyncIterable<StoredBody> | Iterable<StoredBody>) => AsyncGenerator<LogText> {
  const onError = callback('onError', options.onError)
  const signal = abortSignal('signal', options.signal)
  const maxTextBytes = byteCount('maxTextBytes', options.maxTextBytes, DEFAULT_MAX_TEXT_BYTES)
  return async function* (objects) {
    for await (const stored of abortable(objects, signal)) yield* readBody(stored, { maxTextBytes, onError, signal })
  }
}

/**
 * The text of one stored body, as `concatBodies` yields it: chunks tagged with the file,
 * ending with a newline. Shared with digest's workers, which read bodies themselves.
 */
export async function* readBody(
  { file, body }: StoredBody,
  options: { maxTextBytes: number; onError?: ((error: FlowLogError) => void) | undefined; signal?: AbortSignal | undefined },
): AsyncGenerator<LogText> {
  const { maxTextBytes, onError, signal } = options
  /** The text after the last newline so far: held back, so that a line cut off by a broken body is dropped whole. */
  let pending: Uint8Array | undefined
  let endsLine = true
  let size = 0
  try {
    for await (const chunk of text(body, objectUrl(file))) {
      signal?.throwIfAborted()
      if (chunk.length === 0) continue
      size += chunk.length
      if (size > maxTextBytes) {
        throw new FlowLogError(`its text is larger than the limit of ${maxTextBytes} bytes (maxTextBytes); reading stopped there`, {
          code: 'TEXT_TOO_LARGE',
          object: objectUrl(file),
        })
      }
      const cut = chunk.lastIndexOf(NEWLINE)
      if (cut < 0) {
        pending = pending ? Buffer.concat([pending, chunk]) : chunk
        if (pending.length > DEFAULT_MAX_LINE_LENGTH) {
          // past any real line: let it through, the reader will reject it
          yield fromLogFile(pending, file)
          pending = undefined
          endsLine = false
        }
        continue
      }
      if (pending) yield fromLogFile(pending, file)
      yield fromLogFile(chunk.subarray(0, cut + 1), file)
      endsLine = true
      pending = cut + 1 < chunk.length ? chunk.subarray(cut + 1) : undefined
    }
    if (pending) {
      yield fromLogFile(pending, file)
      endsLine = false
    }
  } catch (error) {
    if (!onError || !(error instanceof FlowLogError)) throw error
    onError(error)
  }
  if (!endsLine) yield fromLogFile(new Uint8Array([NEWLINE]), file)
}

const isGzip = (body: Uint8Array): boolean => body[0] === 0x1f && body[1] === 0x8b

/** The text of a body: gunzipped, converted from Parquet, or as it is. */
async function* text(body: Uint8Array, object: string): AsyncGenerator<Uint8Array> {
  if (isParquet(body)) {
    yield* parquetText(body, object)
    return
  }
  if (!isGzip(body)) {
    yield body.subarray()
    return
  }
  // Up to 1 MiB inflated ahead, so that zlib (on the thread pool) works while the text is read,
  // in pieces of 256 KiB: a quarter of the round trips of 64 KiB ones, some 7% less CPU in all.
  // Node hands stream options on to the Transform under zlib; its types list zlib's own only.
  const options: ZlibOptions & TransformOptions = { chunkSize: 256 * 1024, readableHighWaterMark: 1024 * 1024 }
  const gunzip = createGunzip(options)
  try {
    gunzip.end(body)
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk
  } catch (error) {
    throw new FlowLogError(`corrupt gzip: ${(error as Error).message}`, { code: 'CORRUPT_GZIP', object, cause: error })
  } finally {
    gunzip.destroy()
  }
}
