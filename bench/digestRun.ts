/**
 * One measured digest run in a fresh process, so that its peak RSS is its own:
 * prints one JSON line { seconds, gunzipSeconds?, maxRssMiB, lines }.
 *
 *   tsx bench/digestRun.ts <dir> <workers> [repeat] [--gunzip]
 */
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
  let bytes = 0
  for await (const chunk of pipe(repeated(), prefetch(), concatBodies(), digest({ workers }))) bytes += chunk.byteLength
  const seconds = (performance.now() - started) / 1000
  console.log(JSON.stringify({ seconds, digestBytes: bytes, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
}
