/**
 * One measured digest run in a fresh process, so that its peak RSS is its own:
 * prints one JSON line { seconds, maxRssMiB, lines (of the digest, or of the text for the floor), digestSha }.
 *
 *   tsx bench/digestRun.ts <dir> <workers> [repeat] [--gunzip]
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { pipe } from 'it-pipe'
import { concatBodies, digest, listLocalLogFiles, prefetch, type LogFile } from '../dist/index.js'

const [dir = '', workersText = '1', repeatText = '1'] = process.argv.slice(2)
const repeat = Number(repeatText)
const workers = Number(workersText)

/** The files `repeat` times over: more records, the same groups. */
async function* repeated(): AsyncGenerator<LogFile> {
  for (let i = 0; i < repeat; i++) yield* listLocalLogFiles({ dir })
}

if (process.argv.includes('--gunzip')) {
  // The floor: a plain single-threaded gunzip of the same bytes, and a newline count.
  const started = performance.now()
  let lines = 0
  for await (const file of listLocalLogFiles({ dir })) {
    const text = gunzipSync(await readFile(file.path!))
    for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) lines++
  }
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, lines, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
} else {
  const started = performance.now()
  const hash = createHash('sha256')
  let lines = 0
  for await (const chunk of pipe(repeated(), prefetch(), concatBodies(), digest({ workers }))) {
    hash.update(chunk)
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++
  }
  const seconds = (performance.now() - started) / 1000
  console.log(JSON.stringify({ seconds, digestSha: hash.digest('hex'), lines, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
}
