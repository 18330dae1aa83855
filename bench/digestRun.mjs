// One measured digest run in a fresh process, in plain JavaScript on the built package so
// that its peak RSS is vpcflow's own (no TypeScript loader). Prints one JSON line:
// { seconds, cpuSeconds (all threads), maxRssMiB, lines (of the digest, or of the text for the floor), digestSha }.
//
//   node bench/digestRun.mjs <dir> <workers> [repeat] [--gunzip | --direct]
//
// --gunzip: the floor, a plain single-threaded gunzip of the same files and a newline count.
// --direct: fetched bodies straight into digest, which inflates them in its workers,
//           rather than through concatBodies.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { pipe } from 'it-pipe'
import { concatBodies, digest, listLocalLogFiles, prefetch } from '../dist/index.js'

const [dir = '', workersText = '1', repeatText = '1'] = process.argv.slice(2)
const workers = Number(workersText)
const repeat = Number(repeatText)
const newlines = (bytes) => {
  let count = 0
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) count++
  return count
}

/** The files `repeat` times over: more records, the same groups. */
async function* repeated() {
  for (let i = 0; i < repeat; i++) yield* listLocalLogFiles({ dir })
}

const started = performance.now()
const result = {}
if (process.argv.includes('--gunzip')) {
  let lines = 0
  for await (const file of listLocalLogFiles({ dir })) lines += newlines(gunzipSync(await readFile(file.path)))
  Object.assign(result, { lines })
} else {
  const fetched = pipe(repeated(), prefetch())
  const text = process.argv.includes('--direct') ? pipe(fetched, digest({ workers })) : pipe(fetched, concatBodies(), digest({ workers }))
  const hash = createHash('sha256')
  let lines = 0
  for await (const chunk of text) {
    hash.update(chunk)
    lines += newlines(chunk)
  }
  Object.assign(result, { lines, digestSha: hash.digest('hex') })
}
const seconds = (performance.now() - started) / 1000
const usage = process.resourceUsage()
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6
console.log(JSON.stringify({ seconds, cpuSeconds, maxRssMiB: usage.maxRSS / 1024, ...result }))
