#!/usr/bin/env node
/**
 * The `vpcflow` command: a thin edge over the library. It parses arguments, wires Ctrl-C
 * to an AbortController, runs a pipeline of library stages, shows progress on a terminal,
 * and maps errors to exit codes: 1 for errors, 2 for usage errors, 130 for Ctrl-C.
 */
import { createWriteStream, rmSync } from 'node:fs'
import { readFile, rename, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { S3Client } from '@aws-sdk/client-s3'
import { MultiBar } from 'cli-progress'
import { Command, CommanderError, Option } from 'commander'
import { pipe } from 'it-pipe'
import {
  byAccount,
  byFlowLogId,
  byRegion,
  byTime,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_BYTES,
  digest,
  filterLogFiles,
  listLocalLogFiles,
  listLogFiles,
  prefetch,
  records,
  skipReport,
  toDot,
  type LogFile,
  type LogFilePredicate,
  type SkippedObject,
  type StoredBody,
} from './index.js'
import { objectUrl, redact as redactCredentials } from './errors.js'
import { s3Sdk } from './s3Sdk.js'

// The SDK's warning about Node versions it will drop speaks to developers, not to the
// users of a command. It is read when a client is made; a value the user set is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const require = createRequire(import.meta.url)
const { version } = require('../package.json') as { version: string }

/** A rendered graph with more edges than this is slow to lay out and hard to read: a warning suggests --top. */
const LARGE_GRAPH_EDGES = 1000

/** A mistake in the command line: exit code 2. */
class UsageError extends Error {}

type CommandName = 'list' | 'digest' | 'dot' | 'render'

interface Options {
  start?: string
  end?: string
  account?: string[]
  region?: string[]
  flowLogId?: string[]
  concurrency?: string
  workers?: string
  maxBytes?: string
  lenient?: boolean
  window?: 'overall' | 'group'
  keyFields?: string[]
  fields?: string[]
  top?: string
  json?: boolean
  dot?: string
  output?: string
  profile?: string
  endpoint?: string
  pathStyle?: boolean
  quiet?: boolean
  verbose?: boolean
  debug?: boolean
}

/**
 * Readers for the digest: one per two cores, up to 4. A reader keeps about two cores busy,
 * its own thread parsing while the thread pool inflates (see the README's performance table).
 */
const DEFAULT_WORKERS = Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)))

type Source = { kind: 's3'; bucket: string; prefix: string } | { kind: 'dir' | 'file'; path: string } | { kind: 'stdin' }

// ---------------------------------------------------------------------------------------
// Arguments

const DESCRIPTIONS: Record<CommandName, string> = {
  list: 'the log files that match, one per line',
  digest: 'the digest of the matching records, as flow log text',
  dot: 'the digest drawn as a Graphviz DOT graph',
  render: 'the digest drawn as an SVG picture (Graphviz in WebAssembly; nothing to install)',
}

const EXAMPLES: Record<CommandName, string[]> = {
  list: [
    'vpcflow list s3://my-flow-logs/AWSLogs/ --start -1d --region us-east-1',
    'vpcflow list examples/sample-bucket --account 111122223333 --json',
  ],
  digest: [
    'vpcflow digest s3://my-flow-logs/AWSLogs/ --start 2024-05-01T00:00Z --end 2024-05-01T06:00Z -o digest.log',
    'vpcflow digest examples/sample-bucket --key-fields srcaddr,dstaddr,dstport,protocol,action --json',
    'zcat flows.log.gz | vpcflow digest -',
  ],
  dot: ['vpcflow dot examples/sample-bucket --top 100 -o graph.dot', 'vpcflow dot s3://my-flow-logs/ --start -2h --profile prod | dot -Tpng -o graph.png'],
  render: [
    'vpcflow render s3://my-flow-logs/ --start -2h --top 200 -o graph.svg',
    'vpcflow render examples/sample-bucket --dot graph.dot -o graph.svg',
    'vpcflow render s3://flow-logs/ --endpoint http://localhost:9000 --path-style -o graph.svg',
  ],
}

const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value.split(',').map((item) => item.trim()).filter(Boolean),
]

/** Commander's message (`error: unknown option '--x'`, maybe with a suggestion below it) as one line. */
const commanderError = (command: string) => (text: string, write: (text: string) => void) =>
  write(`vpcflow: ${redact(line(text.replace(/^error: /, '')).replace(/ \(Did you mean (.*)\)$/, '; did you mean $1'))} (see vpcflow ${command ? `${command} ` : ''}--help)\n`)

function program(run: (command: CommandName, source: string, options: Options) => Promise<void>): Command {
  const root = new Command('vpcflow')
    .description('Read AWS VPC Flow Logs from S3 or a local copy, digest them, and draw who talks to whom.')
    .version(version)
    .exitOverride()
    .configureOutput({ outputError: commanderError('') })
    .addHelpText(
      'after',
      `
Sources:
  s3://bucket/prefix  the bucket flow logs are delivered to (standard AWS credential chain)
  folder              a local copy laid out like the bucket, as 'aws s3 sync' leaves it
  file                a single log file (.log.gz, plain text or .log.parquet)
  -                   flow log text on standard input

Exit codes: 0 done, 1 error, 2 usage error, 130 interrupted (Ctrl-C).
Run 'vpcflow <command> --help' for a command's options and examples.`,
    )

  const sourceHelp = 's3://bucket/prefix, a local folder laid out like a bucket, a single log file, or - for standard input'
  for (const name of Object.keys(DESCRIPTIONS) as CommandName[]) {
    const command = root
      .command(name)
      .description(DESCRIPTIONS[name])
      .configureOutput({ outputError: commanderError(name) })
      .argument('<source>', sourceHelp)
      .option('--start <time>', 'first log file time: ISO-8601 (2024-05-01T00:00Z; UTC unless an offset is given) or relative (-30m, -2h, -7d, -1w)')
      .option('--end <time>', 'last log file time, as --start (default: now)')
      .option('--account <ids>', 'only these accounts (repeatable, or a comma list)', list)
      .option('--region <names>', 'only these regions (repeatable, or a comma list)', list)
      .option('--flow-log-id <ids>', 'only these flow logs (repeatable, or a comma list)', list)
    if (name !== 'list') {
      command
        .option('--concurrency <n>', `requests in flight at most (default: ${DEFAULT_CONCURRENCY})`)
        .option('--max-bytes <size>', `bytes fetched ahead at most, e.g. 256MiB (default: ${DEFAULT_MAX_BYTES / 2 ** 20}MiB)`)
        .option('--workers <n>', `threads that read log files, a file each at a time (default: ${DEFAULT_WORKERS}, one per two cores up to 4)`)
        .option('--lenient', 'skip malformed lines and unreadable objects, count them, and go on')
        .addOption(new Option('--window <window>', "each line's time window: the whole digest's, or its group's").choices(['overall', 'group']).default('overall'))
        .option('--key-fields <fields>', 'group on these fields only, e.g. srcaddr,dstaddr,dstport,protocol,action (default: all)', list)
        .option('--fields <fields>', 'the fields of text without a header line (default: those of version 2)', list)
    }
    if (name === 'list' || name === 'digest') command.option('--json', 'NDJSON: one JSON object per line')
    if (name === 'dot' || name === 'render') command.option('--top <n>', 'keep only the n edges with the most bytes, and their nodes')
    if (name === 'render') command.option('--dot <file>', 'also write the DOT source to this file')
    command
      .option('-o, --output <file>', 'write to this file (complete or not at all) instead of standard output')
      .option('--profile <name>', 'AWS profile (default: the standard credential chain: AWS_PROFILE, environment, SSO, instance role...)')
      .option('--endpoint <url>', 'S3-compatible endpoint, e.g. http://localhost:9000')
      .option('--path-style', 'address buckets by path (most S3-compatible stores need it)')
      .option('-q, --quiet', 'no progress bar (it shows only when standard error is a terminal)')
      .option('-v, --verbose', 'list what was skipped, and why')
      .option('--debug', 'show stack traces')
      .addHelpText('after', examples(name))
      .action((source: string, options: Options) => run(name, source, options))
  }
  return root
}

function examples(command: CommandName): string {
  const notes =
    command === 'render'
      ? `\nA graph of more than ${LARGE_GRAPH_EDGES} edges gets a warning: it is slow to lay out and hard to read; --top keeps the heaviest.\n`
      : ''
  return `${notes}\nExamples:\n${EXAMPLES[command].map((example) => `  $ ${example}`).join('\n')}\n`
}

const ISO_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/i

/** An ISO-8601 time (UTC unless it has an offset), or one relative to now: -30m, -2h, -7d, -1w. */
function parseTime(name: string, value: string | undefined, now: Date): Date | undefined {
  if (value === undefined) return undefined
  const relative = /^-(\d+)([mhdw])$/.exec(value)
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 'm' | 'h' | 'd' | 'w']
    return new Date(now.getTime() - Number(relative[1]) * unit)
  }
  const match = ISO_TIME.exec(value)
  const day = match && new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
  const time = match && new Date(value.replace(' ', 'T') + (match[4] && !match[7] ? 'Z' : ''))
  if (!match || !day || !time || day.getUTCDate() !== Number(match[3]) || Number.isNaN(time.getTime())) {
    throw new UsageError(`${name} must be an ISO-8601 time (2024-05-01T00:00Z) or relative (-2h, -7d), got ${value}`)
  }
  return time
}

/** A byte size: 1048576, 64MiB, 1.5GB, 512k, unlimited. */
function parseSize(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (/^(unlimited|infinity)$/i.test(value)) return Infinity
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?$/i.exec(value)
  if (!match) throw new UsageError(`${name} must be a size such as 256MiB, 1.5GB or 1048576, got ${value}`)
  const unit = (match[2] ?? '').toLowerCase()
  const power = ' kmgt'.indexOf(unit[0] ?? ' ')
  return Math.round(Number(match[1]) * (unit.endsWith('i') ? 1024 : 1000) ** power)
}

function parseCount(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1) {
    throw new UsageError(`${name} must be a whole number above 0, got ${value}`)
  }
  return Number(value)
}

function parseEndpoint(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`--endpoint must be an http:// or https:// URL, got ${value}`)
  }
  return value
}

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

/** Makes a stage: the TypeError a stage factory throws for a bad option is a usage error. */
function usage<T>(make: () => T): T {
  try {
    return make()
  } catch (error) {
    throw error instanceof TypeError ? new UsageError(error.message) : error
  }
}

/** A single local file, read whole (gzip, plain text or Parquet: digest tells them apart). */
async function* singleFile(path: string, signal: AbortSignal): AsyncGenerator<StoredBody> {
  yield { file: { bucket: dirname(path), key: basename(path), path }, body: await readFile(path, { signal }) }
}

// ---------------------------------------------------------------------------------------
// S3

/** An S3 client from the standard credential chain; us-east-1 when no region is configured (redirects find the bucket's). */
async function s3Client(options: Options): Promise<S3Client> {
  const config = {
    profile: options.profile,
    endpoint: options.endpoint,
    forcePathStyle: options.pathStyle,
    followRegionRedirects: true,
  }
  // loaded only for a bucket: reading a folder or a file does without the SDK
  const { S3Client } = await s3Sdk()
  const client = new S3Client(config)
  const region = await client.config.region().catch(() => undefined)
  if (region) return client
  client.destroy()
  return new S3Client({ ...config, region: 'us-east-1' })
}

// ---------------------------------------------------------------------------------------
// Messages

/** Writes a line to standard error (above the progress bar, once `run` has made one). */
let log = (text: string): void => {
  process.stderr.write(`${redact(text)}\n`)
}

/** Text as one line: a multi-line message (the SDK has some) is joined with spaces. */
function line(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ')
}

/**
 * Takes credentials out of a message: what the library redacts (signatures of presigned
 * URLs, access key ids, authorization headers), passwords in URLs, and the secrets the
 * environment holds, wherever they appear.
 */
function redact(text: string): string {
  let safe = redactCredentials(text).replace(/\/\/[^/@\s]+@/g, '//[redacted]@')
  for (const secret of [process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN]) {
    if (secret && secret.length >= 4) safe = safe.split(secret).join('[redacted]')
  }
  return safe
}

/** An error and its causes, stack traces included. */
function details(error: unknown): string {
  const parts: string[] = []
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e))
    e = e instanceof Error ? e.cause : undefined
  }
  return parts.join('\ncaused by: ')
}

// ---------------------------------------------------------------------------------------
// Progress

/** Clean-ups that must also run when the process exits early (a second Ctrl-C, a closed pipe). */
const atExit = new Set<() => void>()
process.on('exit', () => {
  for (const cleanUp of atExit) cleanUp()
})

interface Counts {
  /** Log files that passed the filters, and their bytes. */
  listed: number
  listedBytes: number
  listing: boolean
  fetched: number
  /** Bytes as stored (what the listing's sizes count). */
  bytes: number
  /** Record lines read (of any log-status), as digest tells. */
  records: number
  /** Set while Graphviz lays out the graph. */
  layout?: { edges: number; since: number }
}

/**
 * A one-line progress bar on standard error (cli-progress redraws it ten times a second),
 * with lines written above it by `log`. Off, `log` writes plain lines.
 */
function progressBar(enabled: boolean, shape: 'listing' | 'files' | 'stream') {
  const counts: Counts = { listed: 0, listedBytes: 0, listing: true, fetched: 0, bytes: 0, records: 0 }
  const started = Date.now()
  let bars: MultiBar | undefined

  const text = (width: number): string => {
    const seconds = (Date.now() - started) / 1000
    const rate = counts.bytes / Math.max(seconds, 0.001)
    const { layout } = counts
    let parts: string[]
    if (layout) {
      parts = [`laying out the graph: ${layout.edges.toLocaleString('en-US')} edges`, duration((Date.now() - layout.since) / 1000)]
    } else if (shape === 'listing') {
      parts = [`listing: ${counts.listed.toLocaleString('en-US')} log files`, size(counts.listedBytes), duration(seconds)]
    } else if (shape === 'stream') {
      parts = [`${size(counts.bytes)} read`, `${counts.records.toLocaleString('en-US')} records`, `${size(rate)}/s`, duration(seconds)]
    } else if (counts.listing) {
      // The listing runs only as far ahead as the fetching needs: no total, no ETA yet.
      parts = [
        `${counts.fetched}/${counts.listed}+ files`,
        size(counts.bytes),
        `${counts.records.toLocaleString('en-US')} records`,
        `${size(rate)}/s`,
        duration(seconds),
      ]
    } else {
      const done = counts.listedBytes > 0 ? Math.min(1, counts.bytes / counts.listedBytes) : 1
      const filled = Math.round(done * 20)
      parts = [
        `${'\u2588'.repeat(filled)}${'\u2591'.repeat(20 - filled)} ${Math.floor(done * 100)}%`,
        `${counts.fetched}/${counts.listed} files`,
        `${size(counts.bytes)} of ${size(counts.listedBytes)}`,
        `${counts.records.toLocaleString('en-US')} records`,
        `${size(rate)}/s`,
        `ETA ${rate === 0 ? '?' : duration((counts.listedBytes - counts.bytes) / rate)}`,
      ]
    }
    return parts.join(' | ').slice(0, Math.max(0, width - 1))
  }

  const stop = (): void => {
    bars?.stop()
    bars = undefined
    atExit.delete(stop)
  }
  if (enabled) {
    bars = new MultiBar({ stream: process.stderr, format: (_, params) => text(params.maxWidth), linewrap: true, clearOnComplete: true })
    bars.create(1, 0)
    atExit.add(stop)
  }
  return {
    counts,
    /** Writes a line to standard error, above the bar. */
    log(message: string): void {
      if (!bars) return void process.stderr.write(`${redact(message)}\n`)
      bars.log(`${redact(message)}\n`)
      bars.update()
    },
    /** Takes the bar away for good. */
    stop,
  }
}

function size(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let unit = 0
  while (bytes >= 1000 && unit < units.length - 1) {
    bytes /= 1000
    unit++
  }
  return `${unit === 0 ? bytes.toFixed(0) : bytes.toFixed(1)} ${units[unit]}`
}

function duration(seconds: number): string {
  const s = Math.round(seconds)
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)]
  const two = (n: number): string => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`
}

/** Passes items through, telling `each` about every one. */
function tap<T>(each: (item: T) => void) {
  return async function* (source: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const item of source) {
      each(item)
      yield item
    }
  }
}

// ---------------------------------------------------------------------------------------
// Output

type Chunks = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>

/**
 * Writes the chunks to standard output, or to `file`: to a temporary file beside it,
 * renamed to `file` once complete, so that an error or Ctrl-C leaves no partial file.
 * `beforeTerminal` runs before the first chunk goes to standard output on a terminal.
 */
async function write(chunks: Chunks, file: string | undefined, beforeTerminal: () => void): Promise<void> {
  if (file === undefined || file === '-') {
    const first = async function* (source: Chunks) {
      let started = false
      for await (const chunk of source) {
        if (!started && process.stdout.isTTY) beforeTerminal()
        started = true
        yield chunk
      }
    }
    await pipeline(first(chunks), process.stdout, { end: false })
    return
  }
  const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`)
  const remove = (): void => rmSync(partial, { force: true })
  atExit.add(remove)
  try {
    await pipeline(chunks, createWriteStream(partial))
    await rename(partial, file)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  } finally {
    atExit.delete(remove)
  }
}

/**
 * Graphviz in a worker thread, so that Ctrl-C can stop a long layout. It says when the
 * layout starts, then sends the SVG. `graphviz` is the URL of the module.
 */
const LAYOUT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
import(workerData.graphviz).then(async ({ Graphviz }) => {
  const graphviz = await Graphviz.load()
  parentPort.postMessage({ started: true })
  parentPort.postMessage({ svg: graphviz.dot(workerData.dot, 'svg') })
})`

/**
 * Graphviz copies control characters of labels into the SVG as they are, and XML forbids
 * them: they become U+FFFD, so that a hostile value cannot make the picture unreadable.
 */
function validXml(svg: string): string {
  return svg.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
}

/** Lays out a DOT graph as SVG, calling `onStart` as the layout begins; the signal stops it at once. */
async function layout(dot: string, signal: AbortSignal, onStart: () => void): Promise<string> {
  signal.throwIfAborted()
  const graphviz = pathToFileURL(require.resolve('@hpcc-js/wasm-graphviz')).href
  const worker = new Worker(LAYOUT_WORKER, { eval: true, workerData: { dot, graphviz } })
  let onAbort = (): void => {}
  try {
    return await new Promise<string>((resolve, reject) => {
      worker.on('message', (message: { started?: true; svg?: string }) => {
        if (message.svg !== undefined) resolve(validXml(message.svg))
        else onStart()
      })
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`Graphviz stopped with exit code ${code}`)))
      onAbort = () => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  } finally {
    signal.removeEventListener('abort', onAbort)
    await worker.terminate()
  }
}

// ---------------------------------------------------------------------------------------
// Main

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController()
  const { signal } = controller
  let stopping: number | undefined
  for (const [name, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(name, () => {
      if (stopping !== undefined) process.exit(stopping) // asked twice: go now
      stopping = code
      controller.abort(new Error('interrupted'))
    })
  }
  // The reader went away (`| head`): stop quietly, as other tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
  })
  let debug = argv.includes('--debug')
  let commandName = ''

  const run = async (command: CommandName, sourceText: string, options: Options): Promise<void> => {
    commandName = command
    debug = Boolean(options.debug)
    const now = new Date()
    const start = parseTime('--start', options.start, now)
    const end = parseTime('--end', options.end, now)
    if (start && end && start > end) throw new UsageError(`--start (${start.toISOString()}) is after --end (${end.toISOString()})`)
    const concurrency = parseCount('--concurrency', options.concurrency)
    const workers = parseCount('--workers', options.workers) ?? DEFAULT_WORKERS
    const maxBytes = parseSize('--max-bytes', options.maxBytes)
    const top = parseCount('--top', options.top)
    parseEndpoint(options.endpoint)
    const [accounts, regions, flowLogIds] = [options.account, options.region, options.flowLogId].map((values) => (values?.length ? values : undefined))
    const predicates: LogFilePredicate[] = []
    if (start || end) predicates.push(usage(() => byTime(start ?? new Date(0), end ?? now)))
    if (accounts) predicates.push(byAccount(...accounts))
    if (regions) predicates.push(byRegion(...regions))
    if (flowLogIds) predicates.push(byFlowLogId(...flowLogIds))
    const source = await sourceOf(sourceText)
    if (command === 'list' && source.kind !== 's3' && source.kind !== 'dir') {
      throw new UsageError('list needs an s3:// source or a folder')
    }
    if ((source.kind === 'stdin' || source.kind === 'file') && predicates.length > 0) {
      throw new UsageError('--start, --end, --account, --region and --flow-log-id pick log files by name: they need an s3:// source or a folder')
    }

    const interactive = Boolean(process.stderr.isTTY) && !options.quiet
    const progress = progressBar(interactive, command === 'list' ? 'listing' : source.kind === 'stdin' || source.kind === 'file' ? 'stream' : 'files')
    const { counts } = progress
    log = progress.log
    const verbose = (text: string): void => {
      if (options.verbose) log(text)
    }
    const report = skipReport({ onSkip: (error) => verbose(`skipped ${error.message}`) })
    const onError = options.lenient ? report.add : undefined
    const onSkip = (object: SkippedObject): void => verbose(`skipped ${objectUrl(object)}: ${object.reason}`)
    let client: S3Client | undefined

    try {
      const onProgress = (records: number): void => {
        counts.records += records
      }
      const digested = usage(() =>
        digest({ window: options.window, keyFields: options.keyFields, fields: options.fields, onError, workers, onProgress, signal }),
      )
      if (source.kind === 's3') client = await s3Client(options)
      const files = (): AsyncIterable<LogFile> =>
        pipe(
          source.kind === 's3'
            ? listLogFiles({ client: client!, bucket: source.bucket, prefix: source.prefix, start, end, accounts, regions, onSkip, signal })
            : listLocalLogFiles({ dir: (source as { path: string }).path, onSkip, signal }),
          // The listing of a bucket already keeps to the window, accounts and regions; the filters do the rest.
          filterLogFiles(...predicates),
          tap<LogFile>((file) => {
            counts.listed++
            counts.listedBytes += file.size
          }),
          async function* (listed) {
            yield* listed
            counts.listing = false
            verbose(`${counts.listed} log files matched (${size(counts.listedBytes)})`)
          },
        )

      if (command === 'list') {
        const lines = pipe(files(), async function* (listed) {
          for await (const file of listed) {
            yield options.json ? `${JSON.stringify(file)}\n` : `${objectUrl(file)}\n`
          }
        })
        await write(lines, options.output, progress.stop)
        return
      }

      if (source.kind === 'stdin') signal.addEventListener('abort', () => process.stdin.destroy(), { once: true })
      // Stored bodies go to digest whole: its workers inflate and read them side by side.
      const text = pipe(
        source.kind === 'stdin'
          ? pipe(
              process.stdin as AsyncIterable<Uint8Array>,
              tap<Uint8Array>((chunk) => {
                counts.bytes += chunk.byteLength
              }),
            )
          : pipe(
              source.kind === 'file' ? singleFile(source.path, signal) : pipe(files(), prefetch({ client, concurrency, maxBytes, signal, onError })),
              tap<StoredBody>(({ body }) => {
                counts.fetched++
                counts.bytes += body.byteLength
              }),
            ),
        digested,
      )

      if (command === 'digest') {
        const json = async function* (all: AsyncIterable<Record<string, unknown>>) {
          for await (const record of all) yield `${JSON.stringify(record, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`
        }
        await write(options.json ? pipe(text, records({ signal }), json) : text, options.output, progress.stop)
        return
      }

      const dot = pipe(text, toDot({ top, signal }))
      if (command === 'dot') {
        await write(dot, options.output, progress.stop)
        return
      }

      let graph = ''
      for await (const chunk of dot) graph += Buffer.from(chunk).toString('utf8')
      const edges = graph.split('\n').filter((statement) => statement.includes('" -> "')).length
      if (edges > LARGE_GRAPH_EDGES && top === undefined) {
        log(`vpcflow: the graph has ${edges} edges, more than ${LARGE_GRAPH_EDGES}: it will be slow to lay out and hard to read; try --top 200`)
      }
      if (options.dot) await write([graph], options.dot, progress.stop)
      const svg = await layout(graph, signal, () => {
        counts.layout = { edges, since: Date.now() }
        verbose(`laying out the graph: ${edges} edges`)
      })
      counts.layout = undefined
      await write([svg], options.output, progress.stop)
      if (options.output && !options.quiet) log(`wrote ${options.dot ? `${options.dot} and ` : ''}${options.output}`)
    } finally {
      progress.stop()
      client?.destroy()
      if (report.lines + report.objects > 0) {
        const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`
        const skipped = `${count(report.lines, 'malformed line')} and ${count(report.objects, 'unreadable object')}`
        log(`vpcflow: skipped ${skipped}${options.verbose ? '' : ' (--verbose lists them)'}`)
      }
    }
  }

  try {
    await program(run).parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2 // commander has said why
    if (stopping !== undefined) {
      log('vpcflow: interrupted')
      return stopping
    }
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return 0
    if (error instanceof UsageError) {
      log(`vpcflow: ${line(error.message)} (see vpcflow ${commandName} --help)`)
      return 2
    }
    log(`vpcflow: ${line(error instanceof Error ? error.message : String(error))}`)
    if (debug) log(details(error))
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
