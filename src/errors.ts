import type { LogObject } from './parseLogFileKey.js'

/**
 * Where a problem was found: the log file (as `s3://bucket/key`) and, for text,
 * the 1-based line number within that file or stream.
 */
export interface ErrorLocation {
  /** The object the problem belongs to, as `s3://bucket/key`. */
  readonly object?: string
  /** The 1-based line number, counted from the start of the object (or of the stream). */
  readonly line?: number
}

/** What kind of problem a FlowLogError reports. */
export type FlowLogErrorCode =
  /** A line has more or fewer fields than its format. */
  | 'FIELD_COUNT'
  /** A numeric field holds something other than a whole number or `-`. */
  | 'NOT_A_NUMBER'
  /** A line is longer than the limit. */
  | 'LINE_TOO_LONG'
  /** A record lacks a field the stage needs (e.g. srcaddr to draw it). */
  | 'MISSING_FIELD'
  /** A gzip body is corrupt or truncated. */
  | 'CORRUPT_GZIP'
  /** A Parquet body cannot be read. */
  | 'UNREADABLE_PARQUET'
  /** Listing or fetching failed: an S3 request, a body cut short, a local file that cannot be read. */
  | 'REQUEST_FAILED'

/**
 * The error every vpcflow stage throws for bad data or a failed request.
 * Its message starts with the object and line it concerns, `code` says what kind of
 * problem it is, and the original error (an S3 or zlib error) is kept as `cause`.
 *
 * @example
 * ```ts
 * try {
 *   for await (const chunk of pipe(source, digest())) process.stdout.write(chunk)
 * } catch (error) {
 *   if (error instanceof FlowLogError) console.error(error.code, error.object, error.line, error.message)
 * }
 * ```
 */
export class FlowLogError extends Error {
  override readonly name = 'FlowLogError'
  readonly code: FlowLogErrorCode
  readonly object?: string
  readonly line?: number

  constructor(reason: string, location: ErrorLocation & { code: FlowLogErrorCode; cause?: unknown }) {
    const { object, line, cause, code } = location
    const where = [object, line === undefined ? undefined : `line ${line}`].filter(Boolean).join(' ')
    super(where ? `${where}: ${reason}` : reason, cause === undefined ? undefined : { cause })
    this.code = code
    if (object !== undefined) this.object = object
    if (line !== undefined) this.line = line
  }
}

/** How errors and logs name an object: `s3://bucket/key`, or the path of a local file. */
export function objectUrl(object: LogObject): string {
  return object.path ?? `s3://${object.bucket}/${object.key}`
}

/**
 * Turns an error from an S3 call into a FlowLogError that names the operation and the
 * object; an abort is passed through as the signal's reason.
 */
export function s3Failure(operation: string, object: string, error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  const status = e.$metadata?.httpStatusCode
  const detail = [e.name, e.message && e.message !== e.name ? e.message : undefined].filter(Boolean).join(': ')
  const reason = `${operation} failed${status ? ` (HTTP ${status})` : ''}: ${detail || String(error)}`
  return new FlowLogError(reason, { code: 'REQUEST_FAILED', object, cause: error })
}
