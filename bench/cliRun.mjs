// One run of the `vpcflow` command from the built package, in this fresh process so that
// its peak RSS is the command's own. Prints one JSON line on standard output:
// { code, seconds, cpuSeconds (all threads), maxRssMiB }; the command's messages go to
// standard error as they would.
//
//   node bench/cliRun.mjs digest <dir> -o <file> [options...]
import { main } from '../dist/cli.js'

const started = performance.now()
const code = await main(process.argv.slice(2))
const seconds = (performance.now() - started) / 1000
const usage = process.resourceUsage()
console.log(JSON.stringify({ code, seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMiB: usage.maxRSS / 1024 }))
process.exit(code)
