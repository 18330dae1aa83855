/**
 * `--engine athena`: the digest of an s3:// source computed by Amazon Athena, with its
 * progress on the bar and the data it scanned said at the end; `--dry-run` prints the
 * statements instead. The Athena client comes from the standard chain, as the S3 one
 * does, and honours the SDK's endpoint override, AWS_ENDPOINT_URL_ATHENA.
 */
import type { AthenaClient } from '@aws-sdk/client-athena'
import type { S3Client } from '@aws-sdk/client-s3'
import { athenaDigest, athenaPrice, planAthenaDigest, type AthenaDigestOptions, type LogFile } from '../index.js'
import { athenaSdk } from '../athena/athenaSdk.js'
import type { Context } from './command.js'
import { usage } from './errors.js'
import type { CommonOptions, DigestOptions, SourceOptions } from './options.js'
import { bytes, dollars, type Progress } from './progress.js'
import { awsClient } from './aws.js'

/** Attempts at each Athena call: its API throttles at a few calls a second, and the SDK backs off between attempts. */
const ATTEMPTS = 8

/** What an Athena digest of the command reads: the bucket, its prefix and the filters. */
interface AthenaSource {
  readonly bucket: string
  readonly prefix: string
}

type Options = SourceOptions & CommonOptions & DigestOptions

/** The library's options for the command's. */
function athenaOptions(source: AthenaSource, options: Options, client: AthenaClient, s3: S3Client, signal: AbortSignal): AthenaDigestOptions {
  const some = (values: string[] | undefined): string[] | undefined => (values?.length ? values : undefined)
  return {
    client,
    s3,
    ...source,
    start: options.start,
    end: options.end,
    accounts: some(options.account),
    regions: some(options.region),
    flowLogIds: some(options.flowLogId),
    keyFields: options.keyFields,
    window: options.window,
    maxMemory: options.maxMemory,
    tempDir: options.tempDir,
    database: options.athenaDatabase,
    workgroup: options.athenaWorkgroup,
    outputLocation: options.athenaOutput,
    signal,
  }
}

/** An Athena client from the standard chain (see `awsClient`), retrying throttling with the SDK's backoff. */
async function athenaClient(options: CommonOptions, warn: (text: string) => void): Promise<AthenaClient> {
  const { AthenaClient } = await athenaSdk()
  return awsClient((config) => new AthenaClient({ ...config, maxAttempts: ATTEMPTS }), options, warn)
}

/**
 * The digest computed by Athena, as flow log text. The bar shows the listing, then each
 * statement's state and the data scanned; the last line says what the query scanned and
 * its price. `onLogFile` is told each log file listed.
 */
export async function* athenaText(
  source: AthenaSource,
  options: Options,
  s3: S3Client,
  context: Context,
  progress: Progress,
  onLogFile: (file: LogFile) => void,
): AsyncGenerator<Uint8Array> {
  const { counts } = progress
  const client = await athenaClient(options, progress.log)
  try {
    const digest = usage(() =>
      athenaDigest({
        ...athenaOptions(source, options, client, s3, context.signal),
        onProgress(event) {
          if (event.step === 'listing') {
            onLogFile(event.file)
            counts.listed = event.files
            counts.listedBytes = event.bytes
          } else if (event.step === 'results') {
            counts.records = event.rows
          } else {
            counts.athena = { statement: event.step === 'table' ? 'DDL' : 'query', state: event.state, scanned: event.dataScannedInBytes }
          }
        },
      }),
    )
    yield* digest
    const scanned = counts.athena?.scanned ?? 0
    if (counts.athena && !options.quiet) {
      progress.log(`vpcflow: Athena scanned ${bytes(scanned)} (${scanned.toLocaleString('en-US')} bytes) of ${bytes(counts.listedBytes)} in ${counts.listed} log files: ${dollars(athenaPrice(scanned))} at $5 per TB`)
    }
  } finally {
    counts.athena = undefined
    client.destroy()
  }
}

/**
 * What `--engine athena` would run, for review: a comment with what the window holds (the
 * most the query scans, and its price), then the DDL and the query, each ending in `;`.
 */
export async function* athenaPlanText(source: AthenaSource, options: Options, s3: S3Client, context: Context, progress: Progress): AsyncGenerator<string> {
  const client = await athenaClient(options, progress.log)
  try {
    const plan = await usage(() => planAthenaDigest(athenaOptions(source, options, client, s3, context.signal)))
    const most = `${plan.files} log files, ${bytes(plan.bytes)} (${plan.bytes.toLocaleString('en-US')} bytes) stored`
    yield `-- vpcflow: ${most}: the query scans at most that, ${dollars(athenaPrice(plan.bytes))} at $5 per TB\n`
    for (const statement of [...plan.ddl, ...(plan.query ? [plan.query] : [])]) yield `\n${statement};\n`
  } finally {
    client.destroy()
  }
}
