import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { objectUrl, s3Failure } from './errors.js'
import { abortSignal } from './options.js'
import { parseLogFileKey, type LogFile } from './parseLogFileKey.js'

/** An object the listing passed over, and why. */
export interface SkippedObject {
  readonly bucket: string
  readonly key: string
  /** For a local folder, the file's path on disk. */
  readonly path?: string
  readonly size: number
  /** `empty object` or `not a flow log file name`. */
  readonly reason: string
}

export interface ListLogFilesOptions {
  /** The S3 client to list with. */
  client: S3Client
  /** The bucket flow logs are delivered to. */
  bucket: string
  /** Only keys starting with this are listed, e.g. `AWSLogs/123456789012/`. Default: the whole bucket. */
  prefix?: string
  /** Called for each object that is not listed: zero-byte objects and keys that are not flow log files. */
  onSkip?: (object: SkippedObject) => void
  /** Stops the listing; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Lists the flow log files in a bucket with ListObjectsV2, page by page as the consumer
 * asks for more, and yields a {@link LogFile} for each. Zero-byte objects and keys that
 * are not flow log files are skipped and reported to `onSkip`.
 *
 * @example
 * ```ts
 * for await (const file of listLogFiles({ client: new S3Client({}), bucket: 'my-flow-logs', prefix: 'AWSLogs/' })) {
 *   console.log(file.key, file.timestamp.toISOString(), file.size)
 * }
 * ```
 */
export function listLogFiles(options: ListLogFilesOptions): AsyncGenerator<LogFile> {
  const { client, bucket, prefix = '', onSkip } = options
  if (!client || typeof client.send !== 'function') throw new TypeError('client must be an S3Client')
  if (typeof bucket !== 'string' || bucket === '') throw new TypeError(`bucket must be a non-empty string, got ${String(bucket)}`)
  const signal = abortSignal('signal', options.signal) ?? new AbortController().signal
  return list()

  async function* list(): AsyncGenerator<LogFile> {
    let ContinuationToken: string | undefined
    do {
      signal.throwIfAborted()
      let page
      try {
        page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken }),
          { abortSignal: signal },
        )
      } catch (error) {
        throw s3Failure('ListObjectsV2', objectUrl({ bucket, key: prefix }), error, signal)
      }
      for (const object of page.Contents ?? []) {
        const key = object.Key ?? ''
        const size = object.Size ?? 0
        const name = parseLogFileKey(key)
        if (name && size > 0) {
          // An abort while the consumer held the previous file stops the rest of the page too.
          signal.throwIfAborted()
          yield { ...name, bucket, key, size }
        } else {
          onSkip?.({ bucket, key, size, reason: name ? 'empty object' : 'not a flow log file name' })
        }
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (ContinuationToken)
  }
}
