/**
 * How the command speaks of failures: one line on standard error, credentials taken out,
 * and an exit code (1 for errors, 2 for usage errors, 130 or 143 when interrupted).
 */
import { redact as redactCredentials } from '../errors.js'

/** A mistake in the command line: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Nothing matched, and --fail-empty asks for exit code 3. */
export class EmptyResult extends Error {
  override name = 'EmptyResult'
}

/** The reason a run is aborted with when a signal stops it: SIGINT exits 130, SIGTERM 143. */
export class Interrupted extends Error {
  override name = 'Interrupted'
  constructor(readonly exitCode: number) {
    super('interrupted')
  }
}

/** The command's flag for each library option a TypeError may name. */
const FLAGS: ReadonlyMap<string, string> = new Map([
  ['keyFields', '--key-fields'],
  ['fields', '--fields'],
  ['window', '--window'],
  ['workers', '--workers'],
  ['concurrency', '--concurrency'],
  ['maxBytes', '--max-bytes'],
  ['maxMemory', '--max-memory'],
  ['tempDir', '--temp-dir'],
  ['top', '--top'],
  ['start', '--start'],
  ['end', '--end'],
  ['accounts', '--account'],
  ['regions', '--region'],
  ['flowLogIds', '--flow-log-id'],
  ['database', '--athena-database'],
  ['workgroup', '--athena-workgroup'],
  ['outputLocation', '--athena-output'],
])

/**
 * The TypeError a stage throws for a bad option (`keyFields foo: in none of the formats
 * read`), when it names an option the command line sets, as a usage error in the command's
 * words (`--key-fields foo: ...`); anything else as it is.
 */
export function inCommandWords(error: unknown): unknown {
  if (!(error instanceof TypeError)) return error
  const option = /^(\w+)\b/.exec(error.message)?.[1]
  const flag = option === undefined ? undefined : FLAGS.get(option)
  return flag === undefined ? error : new UsageError(flag + error.message.slice(option!.length), { cause: error })
}

/** Makes a stage: the TypeError a stage factory throws for a bad option is a usage error. */
export function usage<T>(make: () => T): T {
  try {
    return make()
  } catch (error) {
    throw inCommandWords(error)
  }
}

/** Text as one line: a multi-line message (the SDK has some) is joined with spaces. */
export function line(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ')
}

/**
 * Takes credentials out of a message: what the library redacts (signatures of presigned
 * URLs, access key ids, authorization headers), passwords in URLs, and the secrets the
 * environment holds, wherever they appear.
 */
export function redact(text: string): string {
  let safe = redactCredentials(text).replace(/\/\/[^/@\s]+@/g, '//[redacted]@')
  for (const secret of [process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN]) {
    if (secret && secret.length >= 4) safe = safe.split(secret).join('[redacted]')
  }
  return safe
}

/** An error and its causes, stack traces included. */
export function details(error: unknown): string {
  const parts: string[] = []
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e))
    e = e instanceof Error ? e.cause : undefined
  }
  return parts.join('\ncaused by: ')
}

/** The `see --help` hint that ends a usage error's line. */
export function seeHelp(command: string): string {
  return `(see vpcflow ${command ? `${command} ` : ''}--help)`
}

/** Commander's message (`error: unknown option '--x'`, maybe with a suggestion below it) as one line. */
export function commanderError(command: string) {
  return (text: string, write: (text: string) => void): void =>
    write(`vpcflow: ${redact(line(text.replace(/^error: /, '')).replace(/ \(Did you mean (.*)\)$/, '; did you mean $1'))} ${seeHelp(command)}\n`)
}
