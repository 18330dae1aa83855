#!/usr/bin/env node
/**
 * The `vpcflow` command: a thin edge over the library. It parses arguments, wires
 * Ctrl-C to an AbortController, runs a pipeline of library stages, shows progress on a
 * terminal, and maps errors to exit codes (1 for errors, 2 for usage, 130 for Ctrl-C).
 */
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { readFile, rename, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, dirname } from 'node:path'
import type { Writable } from 'node:stream'
import { S3Client } from '@aws-sdk/client-s3'
import { Graphviz } from '@hpcc-js/wasm-graphviz'
import { SingleBar } from 'cli-progress'
import { Command, CommanderError, Option } from 'commander'
import { pipe } from 'it-pipe'
import {
  byAccount,
  byFlowLogId,
  byRegion,
  byTime,
  concatBodies,
  digest,
  filterLogFiles,
  FlowLogError,
  listLocalLogFiles,
  listLogFiles,
  prefetch,
  records,
  skipReport,
  toDot,
  type FetchedLogFile,
  type LogFile,
  type LogFilePredicate,
  type LogText,
  type SkippedObject,
  type StoredBody,
} from './index.js'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

/** Edges above which a rendered graph gets hard to read and slow to lay out. */
export const LARGE_GRAPH_EDGES = 1000

/** A mistake in the command line: exit code 2. */
class UsageError extends Error {}

interface Options {
  start?: string
  end?: string
  account: string[]
  region: string[]
  flowLogId: string[]
  concurrency?: string
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

type Source = { kind: 's3'; bucket: string; prefix: string } | { kind: 'dir' | 'file'; path: string } | { kind: 'stdin' }

const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value.split(',').map((item) => item.trim()).filter(Boolean),
]

function program(run: (command: string, source: string, options: Options) => Promise<void>): Command {
  const root = new Command('vpcflow')
    .description('Read AWS VPC Flow Logs from S3 or a local copy, digest them, and draw who talks to whom.')
    .version(version)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })

  const source = '<source>'
  const sourceHelp = 's3://bucket/prefix, a local folder laid out like a bucket, a single log file, or - for standard input'
  const commands = {
    list: 'the log files that match, one per line',
    digest: 'the digest of the matching records, as flow log text',
    dot: 'the digest drawn as a Graphviz DOT graph',
    render: 'the digest drawn as an SVG picture (Graphviz in WebAssembly; no install needed)',
  }
  for (const [name, description] of Object.entries(commands)) {
    const command = root
      .command(name)
      .description(description)
      .argument(source, sourceHelp)
      .option('--start <time>', 'first log file time: ISO-8601 (2024-05-01T00:00Z) or relative (-2h, -7d)')
      .option('--end <time>', 'last log file time, as --start (default: now)')
      .option('--account <ids>', 'only these accounts (repeatable, or a comma list)', list, [])
      .option('--region <names>', 'only these regions (repeatable, or a comma list)', list, [])
      .option('--flow-log-id <ids>', 'only these flow logs (repeatable, or a comma list)', list, [])
      .option('--concurrency <n>', 'requests in flight at most (default 16)')
      .option('--max-bytes <size>', 'bytes fetched ahead at most, e.g. 256MiB (default 64MiB)')
      .option('--profile <name>', 'AWS profile to use (default: the standard credential chain)')
      .option('--endpoint <url>', 'S3-compatible endpoint, e.g. http://localhost:9000')
      .option('--path-style', 'address buckets by path (most S3-compatible stores need it)')
      .option('-o, --output <file>', 'write to a file instead of standard output')
      .option('-q, --quiet', 'no progress on standard error')
      .option('-v, --verbose', 'also list what was skipped, and why')
      .option('--debug', 'show stack traces')
    if (name !== 'list') {
      command
        .option('--lenient', 'skip malformed lines and unreadable objects, count them, and go on')
        .addOption(new Option('--window <window>', "each line's time window").choices(['overall', 'group']))
        .option('--key-fields <fields>', 'group on these fields only, e.g. srcaddr,dstaddr,dstport,protocol,action', list)
        .option('--fields <fields>', 'the fields of text without a header line (default: version 2)', list)
    }
    if (name === 'list' || name === 'digest') command.option('--json', 'NDJSON: one JSON object per line')
    if (name === 'dot' || name === 'render') command.option('--top <n>', 'keep only the n edges with the most bytes')
    if (name === 'render') command.option('--dot <file>', 'also write the DOT source to this file')
    command.addHelpText('after', examples(name)).action((src: string, options: Options) => run(name, src, options))
  }
  return root
}

function examples(command: string): string {
  const lines: Record<string, string[]> = {
    list: ['vpcflow list s3://my-flow-logs/AWSLogs/ --start -1d --region us-east-1', 'vpcflow list examples/sample-bucket --json'],
    digest: ['vpcflow digest s3://my-flow-logs/AWSLogs/ --start 2024-05-01T00:00Z --end 2024-05-01T06:00Z -o digest.log', 'zcat flows.log.gz | vpcflow digest -'],
    dot: ['vpcflow dot examples/sample-bucket --top 100 -o graph.dot'],
    render: ['vpcflow render s3://my-flow-logs/ --start -2h --top 200 -o graph.svg', 'vpcflow render examples/sample-bucket --dot graph.dot -o graph.svg'],
  }
  return `\nExamples:\n${(lines[command] ?? []).map((line) => `  $ ${line}`).join('\n')}\n`
}

/** An ISO-8601 time, or one relative to now: -30m, -2h, -7d, -1w. */
function parseTime(name: string, value: string | undefined, now: Date): Date | undefined {
  if (value === undefined) return undefined
  const relative = /^-(\d+)([mhdw])$/.exec(value)
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 'm' | 'h' | 'd' | 'w']
    return new Date(now.getTime() - Number(relative[1]) * unit)
  }
  const time = new Date(value)
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(time.getTime())) {
    throw new UsageError(`${name} must be an ISO-8601 time (2024-05-01T00:00Z) or relative (-2h, -7d), got ${value}`)
  }
  return time
}

/** A byte size: 1048576, 64MiB, 1.5GB, unlimited. */
function parseSize(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (/^(unlimited|infinity)$/i.test(value)) return Infinity
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?$/i.exec(value)
  if (!match) throw new UsageError(`${name} must be a size such as 256MiB, got ${value}`)
  const unit = (match[2] ?? '').toLowerCase().replace(/b$/, '')
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4, ki: 1, mi: 2, gi: 3, ti: 4 }[unit]
  if (power === undefined) throw new UsageError(`${name} must be a size such as 256MiB, got ${value}`)
  return Math.round(Number(match[1]) * (unit.endsWith('i') || unit === '' ? 1024 : 1000) ** power)
}

function parseCount(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${name} must be a whole number above 0, got ${value}`)
  return Number(value)
}

async function sourceOf(text: string): Promise<Source> {
  if (text === '-') return { kind: 'stdin' }
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text)
  if (s3) return { kind: 's3', bucket: s3[1]!, prefix: s3[2]! }
  const found = await stat(text).catch(() => undefined)
  if (!found) throw new UsageError(`no such file or folder: ${text} (an S3 source starts with s3://)`)
  return { kind: found.isDirectory() ? 'dir' : 'file', path: text }
}

/** An S3 client from the standard credential chain; us-east-1 when no region is configured (redirects find the bucket's). */
async function s3Client(options: Options): Promise<S3Client> {
  const config = {
    profile: options.profile,
    endpoint: options.endpoint,
    forcePathStyle: options.pathStyle,
    followRegionRedirects: true,
  }
  const client = new S3Client(config)
  const region = await client.config.region().catch(() => undefined)
  if (region) return client
  client.destroy()
  return new S3Client({ ...config, region: 'us-east-1' })
}

/** Progress on standard error: files listed and fetched, bytes, lines, rate and ETA. */
function progressBar(enabled: boolean) {
  const counts = { listed: 0, listedBytes: 0, listing: true, fetched: 0, bytes: 0, lines: 0 }
  const bar = enabled
    ? new SingleBar({
        stream: process.stderr,
        format: '{bar} {percentage}% | {fetched}/{listed}{more} files | {mb} MB | {lines} lines | {rate} MB/s | ETA {eta_formatted}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      })
    : undefined
  const started = Date.now()
  let shown = false
  const show = (): void => {
    if (!bar) return
    const payload = {
      fetched: counts.fetched,
      listed: counts.listed,
      more: counts.listing ? '+' : '',
      mb: (counts.bytes / 1e6).toFixed(1),
      lines: counts.lines.toLocaleString('en-US'),
      rate: (counts.bytes / 1e6 / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1),
    }
    if (!shown) bar.start(Math.max(1, counts.listedBytes), counts.bytes, payload)
    shown = true
    bar.setTotal(Math.max(1, counts.listedBytes))
    bar.update(counts.bytes, payload)
  }
  return {
    counts,
    show,
    stop: () => bar?.stop(),
  }
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

function countLines(chunk: Uint8Array): number {
  let count = 0
  for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) count++
  return count
}

async function* standardInput(): AsyncGenerator<Uint8Array> {
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) yield chunk
}

async function write(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, output: string | undefined): Promise<void> {
  if (output === undefined) {
    for await (const chunk of chunks) await send(process.stdout, chunk)
    return
  }
  // Write beside the target, then rename: an interrupted run leaves no half-written file.
  const partial = `${dirname(output)}/.${basename(output)}.${process.pid}.partial`
  const file = createWriteStream(partial)
  try {
    for await (const chunk of chunks) await send(file, chunk)
    file.end()
    await once(file, 'finish')
    await rename(partial, output)
  } catch (error) {
    file.destroy()
    await rm(partial, { force: true })
    throw error
  }
}

async function send(stream: Writable, chunk: Uint8Array | string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain')
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController()
  const { signal } = controller
  let interrupted = false
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130)
    interrupted = true
    controller.abort(new Error('interrupted'))
  })
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0) // the reader went away (| head): not an error
  })
  let debug = argv.includes('--debug')

  const run = async (command: string, sourceText: string, options: Options): Promise<void> => {
    debug = Boolean(options.debug)
    const now = new Date()
    const start = parseTime('--start', options.start, now)
    const end = parseTime('--end', options.end, now) ?? (start ? now : undefined)
    const concurrency = parseCount('--concurrency', options.concurrency)
    const maxBytes = parseSize('--max-bytes', options.maxBytes)
    const top = parseCount('--top', options.top)
    const source = await sourceOf(sourceText)
    if (start && end && start > end) throw new UsageError(`--start (${start.toISOString()}) is after --end (${end.toISOString()})`)
    if (command === 'list' && (source.kind === 'stdin' || source.kind === 'file')) {
      throw new UsageError('list needs an s3:// source or a folder')
    }

    const verbose = (line: string): void => {
      if (options.verbose) process.stderr.write(`${line}\n`)
    }
    const progress = progressBar(Boolean(process.stderr.isTTY) && !options.quiet && !options.verbose)
    const report = skipReport({ onSkip: (error) => verbose(`skipped: ${error.message}`) })
    const onError = options.lenient ? report.add : undefined
    const onSkip = (object: SkippedObject): void => verbose(`skipped ${object.path ?? `s3://${object.bucket}/${object.key}`}: ${object.reason}`)
    const client = source.kind === 's3' ? await s3Client(options) : undefined

    try {
      const predicates: LogFilePredicate[] = []
      if (start && end) predicates.push(byTime(start, end))
      if (options.account.length > 0) predicates.push(byAccount(...options.account))
      if (options.region.length > 0) predicates.push(byRegion(...options.region))
      if (options.flowLogId.length > 0) predicates.push(byFlowLogId(...options.flowLogId))
      const files = (): AsyncIterable<LogFile> =>
        pipe(
          source.kind === 's3'
            ? listLogFiles({ client: client!, bucket: source.bucket, prefix: source.prefix, onSkip, signal })
            : listLocalLogFiles({ dir: (source as { path: string }).path, onSkip, signal }),
          filterLogFiles(...predicates),
          tap<LogFile>((file) => {
            progress.counts.listed++
            progress.counts.listedBytes += file.size
            progress.show()
          }),
          async function* (listed) {
            yield* listed
            progress.counts.listing = false
          },
        )

      if (command === 'list') {
        const lines = pipe(files(), async function* (listed) {
          for await (const file of listed) {
            yield options.json ? `${JSON.stringify(file)}\n` : `${file.path ?? `s3://${file.bucket}/${file.key}`}\n`
          }
        })
        await write(lines, options.output)
        return
      }

      const fetched = (): AsyncIterable<StoredBody> => {
        if (source.kind === 'file') return singleFile(source.path)
        return pipe(
          files(),
          prefetch({ client, concurrency, maxBytes, signal, onError }),
          tap<FetchedLogFile>(({ body }) => {
            progress.counts.fetched++
            progress.counts.bytes += body.byteLength
          }),
        )
      }
      const text: AsyncIterable<LogText | Uint8Array> = pipe(
        source.kind === 'stdin' ? standardInput() : pipe(fetched(), concatBodies({ signal, onError })),
        tap<Uint8Array>((chunk) => {
          progress.counts.lines += countLines(chunk)
          if (source.kind === 'stdin') progress.counts.bytes += chunk.byteLength
          progress.show()
        }),
      )
      const digested = pipe(
        text,
        digest({ window: options.window, keyFields: options.keyFields, fields: options.fields, onError, signal }),
      )

      if (command === 'digest') {
        const out = options.json
          ? pipe(digested, records({ signal }), async function* (all) {
              for await (const record of all) yield `${JSON.stringify(record, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`
            })
          : digested
        await write(out, options.output)
      } else {
        const dot = pipe(digested, toDot({ top, signal }))
        if (command === 'dot') {
          await write(dot, options.output)
        } else {
          let source = ''
          for await (const chunk of dot) source += Buffer.from(chunk).toString('utf8')
          progress.stop()
          const edges = source.split('\n').filter((line) => line.includes('" -> "')).length
          if (edges > LARGE_GRAPH_EDGES && top === undefined) {
            process.stderr.write(
              `vpcflow: the graph has ${edges} edges, more than ${LARGE_GRAPH_EDGES}: it will be slow to lay out and hard to read; try --top 200\n`,
            )
          }
          if (options.dot) await write([source], options.dot)
          const svg = (await Graphviz.load()).dot(source, 'svg')
          await write([svg], options.output)
          if (options.output) process.stderr.write(`wrote ${options.dot ? `${options.dot} and ` : ''}${options.output}\n`)
        }
      }
    } finally {
      progress.stop()
      client?.destroy()
      if (report.lines + report.objects > 0) {
        process.stderr.write(
          `vpcflow: skipped ${report.lines} malformed lines and ${report.objects} unreadable objects${options.verbose ? '' : ' (--verbose lists them)'}\n`,
        )
      }
    }
  }

  try {
    await program(run).parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    if (interrupted) {
      process.stderr.write('vpcflow: interrupted\n')
      return 130
    }
    if (error instanceof UsageError) {
      process.stderr.write(`vpcflow: ${error.message}\n(add --help for usage)\n`)
      return 2
    }
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`vpcflow: ${message}\n`)
    if (debug) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`)
    return error instanceof FlowLogError || error instanceof Error ? 1 : 1
  }
}

/** A single local file, read whole. */
async function* singleFile(path: string): AsyncGenerator<StoredBody> {
  yield { file: { bucket: dirname(path), key: basename(path), path }, body: await readFile(path) }
}

process.exitCode = await main(process.argv.slice(2))
