// Use vpcflow's stages inside your own pipeline: local flow log files (plain or gzip) go
// through a source of our own, then digest() and records(), then a sink of our own that
// prints the busiest conversations. No S3 involved.
//
//   npx tsx examples/own-pipeline.ts <file.log[.gz]>...
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { pipe } from 'it-pipe'
import { digest, records, type FlowLogRecord } from 'vpcflow'

const paths = process.argv.slice(2)
if (paths.length === 0) {
  console.error('usage: own-pipeline.ts <file.log[.gz]>...')
  process.exit(2)
}

/** Our own source: the text of each file in turn, gunzipped when it ends in .gz. */
async function* text(files: string[]): AsyncGenerator<Uint8Array> {
  for (const path of files) {
    const stream = createReadStream(path)
    yield* path.endsWith('.gz') ? stream.pipe(createGunzip()) : stream
    yield new TextEncoder().encode('\n') // keep the last line of a file apart from the next file's header
  }
}

/** Our own sink: the ten groups with the most bytes. */
async function busiest(groups: AsyncIterable<FlowLogRecord>): Promise<string[]> {
  const all: FlowLogRecord[] = []
  for await (const group of groups) if (group.bytes !== undefined) all.push(group)
  return all
    .sort((a, b) => Number(b.bytes) - Number(a.bytes))
    .slice(0, 10)
    .map((g) => `${String(g.bytes).padStart(12)}  ${g.srcaddr} -> ${g.dstaddr}:${g.dstport ?? '-'} ${g.action ?? ''}`)
}

console.log((await pipe(text(paths), digest(), records(), busiest)).join('\n'))
