// Use vpcflow's stages inside your own pipeline: here, local flow log files (plain or
// gzip) go through digest() and a stage of our own that keeps the busiest
// conversations, with no S3 involved.
//
//   npx tsx examples/own-pipeline.ts <file.log[.gz]>...
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { pipe } from 'it-pipe'
import { digest } from 'vpcflow'

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
    yield new TextEncoder().encode('\n') // keep the last line of one file apart from the next file's header
  }
}

/** Our own sink: the digest's lines with the most bytes, as `bytes  srcaddr -> dstaddr:port`. */
async function busiest(lines: AsyncIterable<Uint8Array>, count = 10): Promise<string[]> {
  let all = ''
  for await (const chunk of lines) all += new TextDecoder().decode(chunk)
  const rows: Array<{ bytes: number; line: string }> = []
  let fields: string[] = []
  for (const line of all.split('\n').filter(Boolean)) {
    const values = line.split(' ')
    if (/^[a-z]/.test(line)) {
      fields = values // a header line names the fields of the lines after it
      continue
    }
    const get = (name: string): string => values[fields.indexOf(name)] ?? '-'
    if (get('bytes') === '-') continue
    rows.push({ bytes: Number(get('bytes')), line: `${get('srcaddr')} -> ${get('dstaddr')}:${get('dstport')}` })
  }
  return rows.sort((a, b) => b.bytes - a.bytes).slice(0, count).map((r) => `${String(r.bytes).padStart(12)}  ${r.line}`)
}

console.log((await pipe(text(paths), digest(), busiest)).join('\n'))
