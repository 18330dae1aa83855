import { createGunzip } from 'node:zlib'
import { abortable } from './abortable.js'
import { FlowLogError, objectUrl } from './errors.js'
import { fromLogFile, type LogText } from './flowLogText.js'
import { abortSignal } from './options.js'
import { isParquet, parquetText } from './parquetText.js'
import type { LogObject } from './parseLogFileKey.js'

/** The bytes of a stored flow log file: what `prefetch` yields, or any object with a name and bytes. */
export interface StoredBody {
  readonly file: LogObject
  readonly body: Uint8Array
}

export interface ConcatBodiesOptions {
  /**
   * Lenient reading: an object that cannot be read (corrupt gzip, unreadable Parquet) is
   * reported here and passed over after the text read from it so far. Default: it throws.
   */
  onError?: (error: FlowLogError) => void
  /** Stops reading; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

const NEWLINE = 10

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
  const { onError } = options
  const signal = abortSignal('signal', options.signal)
  return async function* (objects) {
    for await (const { file, body } of abortable(objects, signal)) {
      let last: number | undefined = NEWLINE
      try {
        for await (const chunk of text(body, objectUrl(file))) {
          signal?.throwIfAborted()
          if (chunk.length === 0) continue
          last = chunk[chunk.length - 1]
          yield fromLogFile(chunk, file)
        }
      } catch (error) {
        if (!onError || !(error instanceof FlowLogError)) throw error
        onError(error)
      }
      if (last !== NEWLINE) yield fromLogFile(new Uint8Array([NEWLINE]), file)
    }
  }
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
  const gunzip = createGunzip({ chunkSize: 64 * 1024 })
  try {
    gunzip.end(body)
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk
  } catch (error) {
    throw new FlowLogError(`corrupt gzip: ${(error as Error).message}`, { code: 'CORRUPT_GZIP', object, cause: error })
  } finally {
    gunzip.destroy()
  }
}
