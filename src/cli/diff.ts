/**
 * `vpcflow diff`: what changed between two periods of a source (or digests kept from
 * before), at the map's grouping: a line per change, or the union map drawn.
 */
import type { Command } from 'commander'
import { DEFAULT_THRESHOLD, diffMaps, diffToNdjson, diffToText, mapHtml, type MapDiff, type NetworkMap } from '../index.js'
import { period, type Period } from './arguments.js'
import type { CommandSpec, Context } from './command.js'
import { usage, UsageError } from './errors.js'
import { mapSvg } from './graphviz.js'
import { networkMapOf } from './map.js'
import {
  digestOptions,
  fetchOptions,
  filterOptions,
  mapOptions,
  SOURCE_HELP,
  type CommonOptions,
  type DigestOptions,
  type FetchOptions,
  type MapOptions,
  type SourceOptions,
} from './options.js'
import { writeOutput } from './output.js'
import { withSource } from './source.js'

/** What `vpcflow diff` parses its options to. */
export interface DiffOptions extends Omit<SourceOptions, 'start' | 'end'>, FetchOptions, DigestOptions, MapOptions, CommonOptions {
  before?: Period
  after?: Period
  beforeDigest?: string
  afterDigest?: string
  threshold?: number
  json?: boolean
}

/** A factor of bytes: a number >= 1 (`10`, `2.5`). */
function threshold(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) < 1) throw new UsageError(`--threshold must be a factor >= 1 such as 10 or 2.5, got ${value}`)
  return Number(value)
}

function define(command: Command, context: Context): void {
  const { now } = context
  filterOptions(command.argument('[source]', `${SOURCE_HELP}; read for --before and --after`))
    .option('--before <period>', 'the period compared with: two times joined by .. (-14d..-7d, 2024-05-01..2024-05-02), its end excluded', period('--before', now))
    .option('--after <period>', 'the period compared, as --before (-7d.. runs to now)', period('--after', now))
    .option('--before-digest <file>', 'a digest kept from before (vpcflow digest -o FILE), instead of --before')
    .option('--after-digest <file>', 'a digest, instead of --after')
    .option('--threshold <factor>', `a conversation whose bytes grew or shrank by more than this factor has changed (default: ${DEFAULT_THRESHOLD})`, threshold)
    .option('--json', 'NDJSON: one JSON object per change')
  mapOptions(digestOptions(fetchOptions(command)))
}

/** A side of the comparison: a period of the source, or a digest file. */
type Side = { period: Period; digest?: undefined } | { digest: string; period?: undefined }

function sideOf(name: 'before' | 'after', options: DiffOptions): Side {
  const [given, digest] = name === 'before' ? [options.before, options.beforeDigest] : [options.after, options.afterDigest]
  if (given && digest !== undefined) throw new UsageError(`--${name} and --${name}-digest both say what ${name} is: give one`)
  if (digest !== undefined) return { digest }
  if (!given) throw new UsageError(`diff needs --${name} <period> or --${name}-digest <file>`)
  return { period: given }
}

/** `vpcflow diff [source] --before <period>|--before-digest <file> --after <period>|--after-digest <file>` */
export const diff: CommandSpec<DiffOptions> = {
  name: 'diff',
  description: 'what changed between two periods, at the map grouping: new, vanished and changed conversations (exit code 1 when something is new)',
  examples: [
    'vpcflow diff examples/sample-bucket --before 2024-05-01..2024-05-02 --after 2024-05-02..2024-05-03',
    'vpcflow diff s3://my-flow-logs/AWSLogs/ --before -14d..-7d --after -7d.. --group-by subnet --json',
    'vpcflow diff s3://my-flow-logs/AWSLogs/ --before-digest yesterday.log --after -1d.. -o diff.html',
  ],
  notes: [
    'Each side is a period of the source, or a digest kept from before (vpcflow digest -o FILE).',
    'Lines start with + (new), - (vanished) or ~ (bytes changed by more than --threshold times).',
    'With -o FILE.svg or -o FILE.html the union of both maps is drawn instead: new edges and nodes',
    'bold, vanished ones dashed and grey, the rest faded.',
    'Exit codes, as for diff(1): 0 nothing new, 1 something new (or an error), 2 usage error.',
  ].join('\n'),
  define,
  async run([source], options, context) {
    const sides = [sideOf('before', options), sideOf('after', options)] as const
    if (source === undefined && sides.some((side) => side.period)) throw new UsageError('a period (--before, --after) needs a source to read')
    if (source !== undefined && sides.every((side) => side.digest !== undefined)) throw new UsageError('two digests need no source: drop it, or give a period')
    if (options.dryRun) throw new UsageError('diff has no --dry-run: run vpcflow digest --engine athena --dry-run for each period')
    const said = new Set<string>() // what the map warns of, said once for both sides
    const [before, after] = [await mapOf(sides[0], source, options, context, said), await mapOf(sides[1], source, options, context, said)]
    const result = usage(() => diffMaps(before, after, { threshold: options.threshold }))
    const drawing = /\.(svg|html?)$/i.exec(options.output ?? '')?.[1]?.toLowerCase()
    if (drawing) {
      const picture = drawing === 'svg' ? await svg(result, context.signal) : await mapHtml(result.map, { status: result.status, signal: context.signal })
      await writeOutput(context, [picture], options.output, () => {})
      if (!options.quiet) context.stderr.write(`wrote ${options.output}: ${summary(result)}\n`)
    } else {
      await writeOutput(context, [options.json ? diffToNdjson(result) : diffToText(result)], options.output, () => {})
    }
    return result.changes.some((change) => change.change === 'new') ? 1 : 0
  },
}

/** The map of one side: its period of the source, or the digest file read as a source of its own. */
async function mapOf(side: Side, source: string | undefined, options: DiffOptions, context: Context, said: Set<string>): Promise<NetworkMap> {
  const text = side.digest ?? source!
  const sideOptions: DiffOptions & SourceOptions = side.period
    ? // A period includes its start, not its end; log file times are whole minutes, the filters inclusive.
      { ...options, start: side.period.start, end: side.period.end && new Date(side.period.end.getTime() - 1) }
    : // A digest is read here, whole: the filters on log file names and the engine are the period's.
      { ...options, account: undefined, region: undefined, flowLogId: undefined, engine: 'local' }
  const map = await withSource(text, sideOptions, context, (open) => {
    const log = (message: string): void => {
      if (!said.has(message)) open.progress.log(message)
      said.add(message)
    }
    return networkMapOf({ ...open, progress: { ...open.progress, log } }, text, sideOptions, context)
  })
  return map! // withSource gives nothing only for --dry-run, which diff refuses
}

/** The union map as SVG, laid out as `render` lays out a map. */
async function svg(result: MapDiff, signal: AbortSignal): Promise<string> {
  return (await mapSvg(result.map, { status: result.status }, signal, () => {})).svg
}

/** `3 new, 1 vanished, 2 changed`. */
function summary({ changes }: MapDiff): string {
  const count = (change: string): number => changes.filter((c) => c.change === change).length
  return `${count('new')} new, ${count('vanished')} vanished, ${count('changed')} changed`
}
