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
  /** Listing or fetching failed: an S3 request, a body cut short or stalled, a local file that cannot be read. */
  | 'REQUEST_FAILED'
  /** An object's text (gunzipped, or converted from Parquet) is larger than the limit (`maxTextBytes`). */
  | 'TEXT_TOO_LARGE'
  /** An Athena query failed or was cancelled: the message gives Athena's reason. */
  | 'QUERY_FAILED'

/**
 * The error every vpcflow stage throws for bad data or a failed request.
 * Its message starts with the object and line it concerns, `code` says what kind of
 * problem it is, and the original error (an S3 or zlib error) is kept as `cause`.
 * For a failed request, `attempts` is the number of HTTP requests made for the object
 * (the SDK's retries and prefetch's own), and the message says it too. Messages and
 * the S3 errors kept as `cause` never hold credentials or signatures: access key ids,
 * `Credential=`, `Signature=` and security tokens are replaced by `[redacted]`.
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
  /** For a failed request: how many HTTP requests were made for the object, retries included. */
  declare readonly attempts?: number

  constructor(reason: string, location: ErrorLocation & { code: FlowLogErrorCode; cause?: unknown; attempts?: number }) {
    const { object, line, cause, code, attempts } = location
    const where = locate(location)
    super(where ? `${where}: ${reason}` : reason, cause === undefined ? undefined : { cause })
    this.code = code
    if (object !== undefined) this.object = object
    if (line !== undefined) this.line = line
    if (attempts !== undefined) Object.defineProperty(this, 'attempts', { value: attempts, enumerable: true })
  }
}

/** What a FlowLogError's message starts with: `s3://bucket/key line 12`, or either part alone, or nothing. */
export function locate({ object, line }: ErrorLocation): string {
  return [object, line === undefined ? undefined : `line ${line}`].filter(Boolean).join(' ')
}

/** How errors and logs name an object: `s3://bucket/key`, or the path of a local file. */
export function objectUrl(object: LogObject): string {
  return object.path ?? `s3://${object.bucket}/${object.key}`
}

/**
 * Turns an error from an AWS call (S3, Athena) into a FlowLogError that names the
 * operation, the object if any, the HTTP status and the attempts made; an abort is passed through as the
 * signal's reason. `attempts` is what was made before this call; the SDK's count for
 * the call itself is added. Credentials are redacted from the message and the cause.
 */
export function s3Failure(operation: string, object: string | undefined, error: unknown, signal: AbortSignal, attempts = 0): unknown {
  if (signal.aborted) return signal.reason
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  const status = e.$metadata?.httpStatusCode
  const total = attempts + sdkAttempts(error)
  const detail = [e.name, e.message && e.message !== e.name ? e.message : undefined].filter(Boolean).join(': ')
  const reason = `${operation} failed${status ? ` (HTTP ${status})` : ''} after ${plural(total, 'attempt')}: ${detail || String(error)}`
  return new FlowLogError(redact(reason), { code: 'REQUEST_FAILED', object, cause: redactError(error), attempts: total })
}

/** How many HTTP requests the SDK made for a call that returned or failed with this (1 when it does not say). */
export function sdkAttempts(outcome: unknown): number {
  const attempts = (outcome as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts
  return typeof attempts === 'number' && attempts > 0 ? attempts : 1
}

/** `1 attempt`, `3 attempts`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** Names of query parameters and header parts whose value is a credential or a signature. */
const SECRET_PARAMETER = /\b((?:X-Amz-)?(?:Credential|Signature|Security-Token)|AWSAccessKeyId)=[^&,;\s"'<>]*/gi
/** Headers that carry credentials, as text: `Authorization: ...`, `x-amz-security-token: ...`. */
const SECRET_HEADER = /\b(Authorization|X-Amz-Security-Token)(["']?\s*[:=]\s*["']?)[^\r\n"'<>]*/gi
/** AWS access key ids: long-term (AKIA) and temporary (ASIA). */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g
/** Properties of S3 error responses (SignatureDoesNotMatch, InvalidAccessKeyId) that echo the request's credentials. */
const SECRET_PROPERTIES = new Set(['AWSAccessKeyId', 'StringToSign', 'StringToSignBytes', 'SignatureProvided', 'CanonicalRequest', 'CanonicalRequestBytes', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Security-Token'])

/** Text with credentials and signatures replaced by `[redacted]`. */
export function redact(text: string): string {
  return text
    .replace(SECRET_PARAMETER, '$1=[redacted]')
    .replace(SECRET_HEADER, '$1$2[redacted]')
    .replace(ACCESS_KEY_ID, '[redacted]')
}

/**
 * Redacts, in place, what an S3 error echoes of the request: the properties S3 adds for
 * signature errors, and credentials in its message, stack and other text properties.
 */
function redactError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error
  for (const name of Object.getOwnPropertyNames(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, name)
    if (!descriptor || !('value' in descriptor) || !descriptor.writable) continue
    const value: unknown = descriptor.value
    if (SECRET_PROPERTIES.has(name)) (error as Record<string, unknown>)[name] = '[redacted]'
    else if (typeof value === 'string') (error as Record<string, unknown>)[name] = redact(value)
  }
  return error
}
