/** Helpers shared by the unit tests of the text stages: collecting output, fake log files, chunking. */
import { readFileSync } from 'node:fs'
import type { FetchedLogFile, LogFile } from 'vpcflow'

/** A stage's whole output as one UTF-8 string (decoded once, so characters split across chunks survive). */
export async function collectText(output: AsyncIterable<Uint8Array | string>): Promise<string> {
  const parts: Buffer[] = []
  for await (const chunk of output) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  return Buffer.concat(parts).toString('utf8')
}

/** An async iterable over `items`, so stages are fed the way a real pipeline feeds them. */
export async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item
}

/** The timestamp as AWS writes it in a file name: yyyymmddTHHMMZ. */
function nameTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z'
}

/** A fake log file: every field can be overridden; the key is made from the fields unless given. */
export function fakeLogFile(overrides: Partial<LogFile> = {}): LogFile {
  const account = overrides.account ?? '123456789012'
  const region = overrides.region ?? 'us-east-1'
  const flowLogId = overrides.flowLogId ?? 'fl-1234abcd'
  const timestamp = overrides.timestamp ?? new Date('2018-06-20T16:20:00Z')
  const hash = overrides.hash ?? 'fe123456'
  const format = overrides.format ?? 'text'
  const day = timestamp.toISOString().slice(0, 10).replaceAll('-', '/')
  const extension = format === 'text' ? 'log.gz' : 'log.parquet'
  const key =
    overrides.key ??
    `AWSLogs/${account}/vpcflowlogs/${region}/${day}/${account}_vpcflowlogs_${region}_${flowLogId}_${nameTime(timestamp)}_${hash}.${extension}`
  return {
    bucket: overrides.bucket ?? 'flow-logs',
    key,
    size: overrides.size ?? 1024,
    account,
    region,
    flowLogId,
    timestamp,
    hash,
    format,
  }
}

/** A fetched log file with the given body (a string is stored as UTF-8). */
export function fetched(file: LogFile, body: Uint8Array | string): FetchedLogFile {
  return { file, body: typeof body === 'string' ? new Uint8Array(Buffer.from(body)) : body }
}

/** A seeded PRNG (mulberry32), so "random" chunkings are the same on every run. */
export { seeded as seededRandom } from '../../bench/generator.js'

/** Cuts the UTF-8 bytes of `text` at the given offsets (sorted, duplicates give empty chunks). */
export function splitAt(text: string | Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text
  const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length]
  const chunks: Uint8Array[] = []
  for (let i = 1; i < points.length; i++) {
    // A copy each time, so no chunk shares memory with another.
    chunks.push(new Uint8Array(bytes.subarray(points[i - 1]!, points[i]!)))
  }
  return chunks
}

/** Cuts the UTF-8 bytes of `text` at `count` random offsets (anywhere: inside lines, fields, CRLF, characters). */
export function splitRandomly(text: string | Uint8Array, random: () => number, count: number): Uint8Array[] {
  const length = typeof text === 'string' ? Buffer.byteLength(text) : text.length
  const cuts = Array.from({ length: count }, () => Math.floor(random() * (length + 1)))
  return splitAt(text, cuts)
}

/** A shuffled copy of `items` (Fisher-Yates with the given PRNG). */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}

/** The text of a verbatim AWS sample in test/fixtures/samples. */
export function sample(name: string): string {
  return readFileSync(new URL(`../fixtures/samples/${name}`, import.meta.url), 'utf8')
}

/** The lines of a text without its final line end. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** The verbatim AWS samples in test/fixtures/samples. */
export const SAMPLES = [
  'default-v2.log',
  'custom-v3-tcp-flags.log',
  'custom-v3-transit-gateway.log',
  'custom-v5-service-path.log',
  'custom-nat-no-version.log',
]

/** The example of the original library's README: five default-format records, no header. */
export const ORIGINAL_README = [
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20641 80 6 20 1000 1418530010 1418530070 ACCEPT OK',
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20541 80 6 20 1000 1518530010 1518530070 ACCEPT OK',
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20441 80 6 20 1000 1618530010 1618530070 ACCEPT OK',
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20341 80 6 20 1000 1718530010 1718530070 REJECT OK',
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20241 80 6 20 1000 1818530010 1818530070 ACCEPT OK',
]
