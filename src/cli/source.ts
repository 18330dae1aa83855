/**
 * Opening what a command reads (an S3 prefix, a local folder, a single file or standard
 * input) and the pipeline from it up to the digest, with progress and skip reporting.
 */
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import {
  digest,
  listLocalLogFiles,
  listLogFiles,
  parseLogFileKey,
  prefetch,
  skipReport,
  type LogFile,
  type SkippedObject,
  type StoredBody,
} from '../index.js'
import { objectUrl } from '../errors.js'
import { s3Sdk } from '../s3Sdk.js'
import { athenaPlanText, athenaText } from './athena.js'
import { awsClient } from './aws.js'
import type { Context } from './command.js'
import { EmptyResult, usage, UsageError } from './errors.js'
import { matching } from './matched.js'
import { DEFAULT_WORKERS, type CommonOptions, type DigestOptions, type FetchOptions, type SourceOptions } from './options.js'
import { writeOutput } from './output.js'
import { bytes, progressBar, tap, type Progress } from './progress.js'

/** A command's source, as its argument names it. */
export type Source = { kind: 's3'; bucket: string; prefix: string } | { kind: 'dir' | 'file'; path: string } | { kind: 'stdin' }

/** Reads the source argument: `-`, `s3://bucket/prefix`, or a path that exists. */
async function sourceOf(text: string): Promise<Source> {
  if (text === '-') return { kind: 'stdin' }
  if (/^s3:\/\//i.test(text)) {
    const s3 = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(text)
    if (!s3) throw new UsageError(`an S3 source needs a bucket: s3://bucket/prefix, got ${text}`)
    return { kind: 's3', bucket: s3[1]!, prefix: s3[2]! }
  }
  const found = await stat(text).catch(() => undefined)
  // Not a usage mistake but a missing input, as for cat: exit code 1.
  if (!found) throw new Error(`no such file or folder: ${text} (an S3 source starts with s3://)`)
  return { kind: found.isDirectory() ? 'dir' : 'file', path: text }
}

/** A source opened for a command: its log files, and its text digested. */
export interface OpenSource {
  readonly source: Source
  readonly progress: Progress
  /** Writes a line to standard error if --verbose was given. */
  verbose(text: string): void
  /** The regions of the log files read so far, as their names say. */
  readonly regions: ReadonlySet<string>
  /** The log files that pass the filters; of a file, the file itself (if named as AWS names them). */
  logFiles(): AsyncIterable<LogFile>
  /** The digest of the source's records, as flow log text. */
  digested(options: FetchOptions & DigestOptions): AsyncIterable<Uint8Array>
}

/**
 * Opens the source named by `text` with the filters of `options`, runs `use` with it, then
 * stops the progress bar, closes the S3 client and says how much --lenient skipped. With
 * --engine athena the digest comes from Athena; with --dry-run the statements it would
 * run are written instead, and `use` is not run.
 *
 * @example await withSource('examples/sample-bucket', options, context, 'files', (open) => writeOutput(context, open.digested(options), options.output, open.progress.stop))
 */
export async function withSource<T>(
  text: string,
  options: SourceOptions & CommonOptions & FetchOptions & DigestOptions,
  context: Context,
  use: (open: OpenSource) => Promise<T>,
  shape: 'listing' | 'digest' = 'digest',
): Promise<T | undefined> {
  const { signal, now } = context
  const { start, end } = options
  if (start && start > (end ?? now)) {
    throw new UsageError(`--start (${start.toISOString()}) is after --end (${end ? end.toISOString() : `now, ${now.toISOString()}`})`)
  }
  const [accounts, regions, flowLogIds] = [options.account, options.region, options.flowLogId].map((values) => (values?.length ? values : undefined))
  const matched = matching({ start, end, now, accounts, regions, flowLogIds })
  const source = await sourceOf(text)
  if (shape === 'listing' && source.kind === 'stdin') {
    throw new UsageError('list needs an s3:// source, a folder or a file: standard input has no file names')
  }
  if ((source.kind === 'stdin' || source.kind === 'file') && (start || end || accounts || regions || flowLogIds)) {
    throw new UsageError('--start, --end, --account, --region and --flow-log-id pick log files by name: they need an s3:// source or a folder')
  }
  const athena = options.engine === 'athena'
  if (athena && source.kind !== 's3') throw new UsageError('--engine athena reads a bucket: it needs an s3:// source')
  const given = (flags: Record<string, unknown>): string[] => Object.entries(flags).flatMap(([flag, value]) => (value === undefined ? [] : [flag]))
  const athenaOnly = given({ '--athena-output': options.athenaOutput, '--athena-database': options.athenaDatabase, '--athena-workgroup': options.athenaWorkgroup, '--dry-run': options.dryRun })
  if (!athena && athenaOnly.length > 0) throw new UsageError(`${athenaOnly.join(', ')}: for --engine athena, which is not given`)
  const localOnly = given({ '--concurrency': options.concurrency, '--max-bytes': options.maxBytes, '--workers': options.workers, '--lenient': options.lenient, '--fields': options.fields })
  if (athena && localOnly.length > 0) throw new UsageError(`${localOnly.join(', ')}: for the local engine; Athena reads the objects itself`)

  const interactive = Boolean(context.stderr.isTTY) && !options.quiet
  const progress = progressBar(context, interactive, shape === 'listing' ? 'listing' : source.kind === 'stdin' || source.kind === 'file' ? 'stream' : 'files')
  const { counts } = progress
  const verbose = (line: string): void => {
    if (options.verbose) progress.log(line)
  }
  const report = skipReport({ onSkip: (error) => verbose(`skipped ${error.message}`) })
  let skippedObjects = 0
  const onSkip = (object: SkippedObject): void => {
    skippedObjects++
    verbose(`skipped ${objectUrl(object)}: ${object.reason}`)
  }
  let client: S3Client | undefined
  const onWarning = (message: string): void => progress.log(`vpcflow: ${message}`)
  const regionOfName = source.kind === 'file' ? parseLogFileKey(basename(source.path))?.region : undefined
  const regionsRead = new Set<string>(regionOfName ? [regionOfName] : [])

  const logFiles = (): AsyncIterable<LogFile> =>
    pipe(
      source.kind === 's3'
        ? listLogFiles({ client: client!, bucket: source.bucket, prefix: source.prefix, ...wholeDays(start, end), accounts, regions, onSkip, onWarning, signal })
        : source.kind === 'file'
          ? fileItself(source.path, onSkip)
          : listLocalLogFiles({ dir: (source as { path: string }).path, onSkip, signal }),
      // The listing of a bucket visits only the folders of the accounts, regions and days asked for; the filters do the rest.
      (files) => matched.filter(files),
      tap<LogFile>((file) => {
        counts.listed++
        counts.listedBytes += file.size
        regionsRead.add(file.region)
      }),
      async function* (listed) {
        yield* listed
        counts.listing = false
        verbose(`${counts.listed} log files matched (${bytes(counts.listedBytes)})`)
      },
    )

  const digested = (digestOptions: FetchOptions & DigestOptions): AsyncIterable<Uint8Array> => {
    const { concurrency, maxBytes, window, keyFields, fields, maxMemory, tempDir, workers = DEFAULT_WORKERS } = digestOptions
    const onError = digestOptions.lenient ? report.add : undefined
    const onProgress = (records: number): void => {
      counts.records += records
    }
    if (athena) return athenaText(source as { bucket: string; prefix: string }, { ...options, ...digestOptions }, client!, context, progress, (file) => regionsRead.add(file.region))
    let runs = 0
    const onSpill = (run: { bytes: number }): void => verbose(`groups past --max-memory: run ${++runs} written (${bytes(run.bytes)})`)
    const digester = usage(() => digest({ window, keyFields, fields, onError, workers, maxMemory, tempDir, onSpill, onProgress, signal }))
    if (source.kind === 'stdin') signal.addEventListener('abort', () => context.stdin.destroy(), { once: true })
    // Stored bodies go to digest whole: its workers inflate and read them side by side.
    return pipe(
      source.kind === 'stdin'
        ? pipe(
            context.stdin as AsyncIterable<Uint8Array>,
            tap<Uint8Array>((chunk) => {
              counts.bytes += chunk.byteLength
            }),
          )
        : pipe(
            source.kind === 'file' ? singleFile(source.path, signal) : pipe(logFiles(), prefetch({ client, concurrency, maxBytes, signal, onError })),
            tap<StoredBody>(({ body }) => {
              counts.fetched++
              counts.bytes += body.byteLength
            }),
          ),
      digester,
    )
  }

  /** What an empty result says: no log files matched (and why), or none held a record. */
  const empty = (): string | undefined => {
    if (shape === 'digest' && (source.kind === 'stdin' || source.kind === 'file')) return counts.records === 0 ? `no records in ${text}` : undefined
    // Athena's listing is its own: it counts the files, not why others were turned away.
    const reason = athena ? (counts.listed === 0 ? `none under ${text} in the window, accounts, regions and flow logs asked for` : undefined) : matched.reason
    if (reason === 'none listed') {
      const hint = options.verbose ? '' : '; --verbose lists them'
      const others = skippedObjects > 0 ? ` (${skippedObjects} other object${skippedObjects === 1 ? '' : 's'}${hint})` : ''
      return `no log files matched: none listed under ${text}${others}`
    }
    if (reason !== undefined) return `no log files matched: ${reason}`
    return shape === 'digest' && counts.records === 0 ? `no records: ${counts.listed} log file${counts.listed === 1 ? '' : 's'} matched, none holds a record` : undefined
  }

  try {
    if (source.kind === 's3') client = await s3Client(options, progress.log)
    if (options.dryRun) {
      await writeOutput(context, athenaPlanText(source as { bucket: string; prefix: string }, options, client!, context, progress), options.output, progress.stop)
      return undefined
    }
    const result = await use({ source, progress, verbose, regions: regionsRead, logFiles, digested })
    const nothing = empty()
    if (nothing !== undefined) {
      if (options.failEmpty) throw new EmptyResult(nothing)
      progress.log(`vpcflow: ${nothing}`)
    }
    return result
  } finally {
    progress.stop()
    client?.destroy()
    if (report.lines + report.objects > 0) {
      const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`
      const skipped = `${count(report.lines, 'malformed line')} and ${count(report.objects, 'unreadable object')}`
      progress.log(`vpcflow: skipped ${skipped}${options.verbose ? '' : ' (--verbose lists them)'}`)
    }
  }
}

/**
 * The window of a bucket's listing: whole UTC days, the day folders it visits anyway, so
 * that the files of those days outside the window are seen (and named if none is in it).
 */
function wholeDays(start: Date | undefined, end: Date | undefined): { start?: Date; end?: Date } {
  const day = 86_400_000
  return {
    start: start && new Date(Math.floor(start.getTime() / day) * day),
    end: end && new Date(Math.floor(end.getTime() / day) * day + day - 1),
  }
}

/** A single file as a listing: itself, if it is named as AWS names log files and not empty. */
async function* fileItself(path: string, onSkip: (object: SkippedObject) => void): AsyncGenerator<LogFile> {
  const [bucket, key, { size }] = [dirname(path), basename(path), await stat(path)]
  const name = parseLogFileKey(key)
  if (name && size > 0) yield { ...name, bucket, key, path, size }
  else onSkip({ bucket, key, path, size, reason: name ? 'empty object' : 'not a flow log file name' })
}

/** A single local file, read whole (gzip, plain text or Parquet: digest tells them apart). */
async function* singleFile(path: string, signal: AbortSignal): AsyncGenerator<StoredBody> {
  yield { file: { bucket: dirname(path), key: basename(path), path }, body: await readFile(path, { signal }) }
}

/** An S3 client from the standard credential chain, for --endpoint and --path-style too (see `awsClient`). */
async function s3Client(options: CommonOptions, warn: (text: string) => void): Promise<S3Client> {
  // loaded only for a bucket: reading a folder or a file does without the SDK
  const { S3Client } = await s3Sdk()
  const s3 = { endpoint: options.endpoint, forcePathStyle: options.pathStyle, followRegionRedirects: true }
  return awsClient((config) => new S3Client({ ...config, ...s3 }), options, warn)
}
