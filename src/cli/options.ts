/**
 * Option groups that commands share: each adds its options to a commander command and has
 * a type for what they parse to. A command that reads flow logs takes `sourceOptions`; one
 * that digests them adds `fetchOptions` and `digestOptions`.
 */
import { availableParallelism } from 'node:os'
import { Option, type Command } from 'commander'
import { DEFAULT_CONCURRENCY, DEFAULT_DATABASE, DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMORY, type GroupBy } from '../index.js'
import { count, fieldList, grouping, list, s3Url, size, time, url } from './arguments.js'
import type { Context } from './command.js'

/**
 * Readers for the digest: one per two cores, up to 4. A reader keeps about two cores busy,
 * its own thread parsing while the thread pool inflates (see the README's performance table).
 */
export const DEFAULT_WORKERS = Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)))

/** What `sourceOptions` parses to: which log files to read. */
export interface SourceOptions {
  start?: Date
  end?: Date
  account?: string[]
  region?: string[]
  flowLogId?: string[]
  failEmpty?: boolean
}

/** What the `<source>` argument is, for a command's help. */
export const SOURCE_HELP = 's3://bucket/prefix, a local folder laid out like a bucket, a single log file, or - for standard input'

/** The `<source>` argument and the filters on log files' names. */
export function sourceOptions(command: Command, { now }: Context): Command {
  return filterOptions(
    command
      .argument('<source>', SOURCE_HELP)
      .option(
        '--start <time>',
        'first log file time: ISO-8601 (2024-05-01T00:00Z; UTC unless an offset is given) or relative (-30m, -2h, -7d, -1w)',
        time('--start', now),
      )
      .option('--end <time>', 'last log file time, as --start (default: now)', time('--end', now)),
  )
}

/** The filters on log files' names other than time (accounts, regions, flow logs), and --fail-empty. */
export function filterOptions(command: Command): Command {
  return command
    .option('--account <ids>', 'only these accounts (repeatable, or a comma list)', list)
    .option('--region <names>', 'only these regions (repeatable, or a comma list)', list)
    .option('--flow-log-id <ids>', 'only these flow logs (repeatable, or a comma list)', list)
    .option('--fail-empty', 'exit with code 3 when nothing matched (it is said on standard error either way)')
}

/** What `fetchOptions` parses to: how log files are fetched. */
export interface FetchOptions {
  concurrency?: number
  maxBytes?: number
}

/** How many requests and bytes are in flight. */
export function fetchOptions(command: Command): Command {
  return command
    .option('--concurrency <n>', `requests in flight at most (default: ${DEFAULT_CONCURRENCY})`, count('--concurrency'))
    .option('--max-bytes <size>', `bytes fetched ahead at most, e.g. 256MiB (default: ${DEFAULT_MAX_BYTES / 2 ** 20}MiB)`, size('--max-bytes'))
}

/** What `digestOptions` parses to: how records are read and grouped, and by which engine. */
export interface DigestOptions extends EngineOptions {
  workers?: number
  maxMemory?: number
  tempDir?: string
  lenient?: boolean
  window?: 'overall' | 'group'
  keyFields?: string[]
  fields?: string[]
}

/** How the digest reads and groups records, here or in Athena. */
export function digestOptions(command: Command): Command {
  return engineOptions(command)
    .option('--workers <n>', `threads that read log files, a file each at a time (default: ${DEFAULT_WORKERS}, one per two cores up to 4)`, count('--workers'))
    .option('--max-memory <size>', `memory for groups, past which they go sorted to temporary files, e.g. 1GiB (default: ${DEFAULT_MAX_MEMORY / 2 ** 20}MiB)`, size('--max-memory'))
    .option('--temp-dir <folder>', "where those files go, in a folder of their own removed at the end (default: the system's, e.g. /tmp)")
    .option('--lenient', 'skip malformed lines and unreadable objects, count them, and go on')
    .addOption(new Option('--window <window>', "each line's time window: the whole digest's, or its group's").choices(['overall', 'group']).default('overall'))
    .option('--key-fields <fields>', 'group on these fields only, e.g. srcaddr,dstaddr,dstport,protocol,action (default: all)', fieldList('--key-fields'))
    .option('--fields <fields>', 'the fields of text without a header line (default: those of version 2)', fieldList('--fields'))
}

/** What `engineOptions` parses to: where the digest is computed. */
export interface EngineOptions {
  engine?: 'local' | 'athena'
  athenaOutput?: string
  athenaDatabase?: string
  athenaWorkgroup?: string
  dryRun?: boolean
}

/** The engine of the digest: this machine, or Amazon Athena over the bucket. */
function engineOptions(command: Command): Command {
  return command
    .addOption(new Option('--engine <engine>', 'where the digest is computed: here, or by Amazon Athena over the bucket (s3:// sources)').choices(['local', 'athena']).default('local'))
    .option('--athena-output <url>', "--engine athena: where Athena writes results, e.g. s3://my-athena-results/vpcflow/ (default: the workgroup's)", s3Url('--athena-output'))
    .option('--athena-database <name>', `--engine athena: the Glue database of the tables, made if missing (default: ${DEFAULT_DATABASE})`)
    .option('--athena-workgroup <name>', '--engine athena: the workgroup the statements run in (default: primary)')
    .option('--dry-run', '--engine athena: print the DDL and the query, and what the window holds, without running them')
}

/** What `mapOptions` parses to: how the network map is made. */
export interface MapOptions {
  groupBy?: GroupBy
  keepPublic?: boolean
  names?: string
}

/** What a node of the map is, and what it is called. */
export function mapOptions(command: Command): Command {
  return command
    .option('--group-by <grouping>', 'what a node is: address, subnet, vpc, account or cidr/N, e.g. cidr/24 (default: address)', grouping('--group-by'))
    .option('--keep-public', 'keep each public address as a node of its own (default: folded into internet)')
    .option('--names <file|ec2>', 'name nodes from a file (the JSON of aws ec2 describe-network-interfaces, or address,name CSV), or live from EC2 with ec2')
}

/** What `commonOptions` parses to: the options of every command. */
export interface CommonOptions {
  output?: string
  profile?: string
  endpoint?: string
  pathStyle?: boolean
  quiet?: boolean
  verbose?: boolean
  debug?: boolean
}

/** Where the output goes, how S3 is reached, and how much is said: every command has these. */
export function commonOptions(command: Command): Command {
  return command
    .option('-o, --output <file>', 'write to this file instead of standard output (a regular file is replaced whole or not at all)')
    .option('--profile <name>', 'AWS profile (default: the standard credential chain: AWS_PROFILE, environment, SSO, instance role...)')
    .option('--endpoint <url>', 'S3-compatible endpoint, e.g. http://localhost:9000', url('--endpoint'))
    .option('--path-style', 'address buckets by path (most S3-compatible stores need it)')
    .option('-q, --quiet', 'no progress bar (it shows only when standard error is a terminal)')
    .option('-v, --verbose', 'list what was skipped, and why')
    .option('--debug', 'show stack traces')
}
