/**
 * vpcflow's benchmark: `npm run bench` (full sizes; writes BENCHMARKS.md) or
 * `npm run bench -- --smoke` (small sizes, for CI: checks it all still runs).
 *
 * It measures the built package (dist/), each digest run in a fresh process so that its
 * peak RSS is its own, and prints a table per target.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { cpus, totalmem } from 'node:os'
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { pipe } from 'it-pipe'
import { network, records, seeded, V2_HEADER } from './generator.js'
import { benchData } from './data.js'
import { listLogFiles, prefetch, toDot } from '../dist/index.js'
import type { S3Client } from '@aws-sdk/client-s3'
import { fileKey, LAYOUTS } from '../test/support/flowLogs.js'
import { memoryBucket } from '../test/support/memoryBucket.js'
import { s3Client } from '../test/support/s3.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
const smoke = process.argv.includes('--smoke')
const report: string[] = []

function print(line = ''): void {
  console.log(line)
  report.push(line)
}

function table(header: string[], rows: Array<Array<string | number>>): void {
  print(`| ${header.join(' | ')} |`)
  print(`|${header.map(() => '---').join('|')}|`)
  for (const row of rows) print(`| ${row.join(' | ')} |`)
  print()
}

/** The machine's CPU ticks so far, all and stolen by the host for other guests (Linux), to tell a quiet run from a noisy one. */
function cpuTicks(): { total: number; steal: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
    return { total: fields.reduce((sum, n) => sum + n, 0), steal: fields[7]! }
  } catch {
    return undefined
  }
}

/** What share of the machine's time since `before` the host took for other guests, as text. */
function stolenSince(before: ReturnType<typeof cpuTicks>): string {
  const after = cpuTicks()
  if (!before || !after || after.total === before.total) return 'not known on this system'
  return `${fixed((100 * (after.steal - before.steal)) / (after.total - before.total), 1)}%`
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const fixed = (n: number, digits = 2): string => n.toFixed(digits)

interface Run {
  seconds: number
  /** CPU time of all the process's threads, startup included. */
  cpuSeconds: number
  maxRssMiB: number
  digestSha?: string
  lines?: number
}

/** One digest run (or the gunzip floor) in a fresh process. */
function run(dir: string, workers: number, repeat = 1, mode?: '--gunzip' | '--direct'): Run {
  const args = ['bench/digestRun.mjs', dir, String(workers), String(repeat), ...(mode ? [mode] : [])]
  const output = execFileSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } })
  return JSON.parse(output.trim().split('\n').pop()!) as Run
}

async function digestSpeed(): Promise<void> {
  const [files, perFile] = smoke ? [4, 20_000] : [50, 100_000]
  const data = benchData(files, perFile)
  const rounds = smoke ? 1 : 5
  const gzMB = Number(execFileSync('du', ['-sb', data.dir], { encoding: 'utf8' }).split('\t')[0]) / 1e6
  print(`## 1-3. Digest speed, memory, both cores`)
  print()
  print(
    `${data.records.toLocaleString('en-US')} default-format records in ${files} gzip files (${fixed(gzMB, 1)} MB), read from a local folder through prefetch, concatBodies and digest, or with the fetched bodies straight into digest (which then inflates them in its readers); median of ${rounds} rounds, each run a fresh process right after a gunzip of its own, the ratio to gunzip taken pair by pair.`,
  )
  print()
  // Each round runs every configuration once, each right after a gunzip of its own, so that
  // a slower spell of this shared machine weighs on both alike: ratios are taken pair by pair.
  const configs = [
    { what: 'plain gunzip (the floor)', workers: 1, mode: '--gunzip' },
    { what: 'concatBodies -> digest, workers: 1', workers: 1 },
    { what: 'concatBodies -> digest, workers: 2', workers: 2 },
    { what: 'bodies -> digest, workers: 1', workers: 1, mode: '--direct' },
    { what: 'bodies -> digest, workers: 2', workers: 2, mode: '--direct' },
  ] as const
  const runs = configs.map((): Run[] => [])
  const ratios = configs.map((): number[] => [])
  const ticks = cpuTicks()
  for (let round = 0; round < rounds; round++) {
    configs.forEach((config, c) => {
      if (c === 0) return
      const floor = run(data.dir, 1, 1, '--gunzip')
      const digested = run(data.dir, config.workers, 1, 'mode' in config ? config.mode : undefined)
      runs[0]!.push(floor)
      runs[c]!.push(digested)
      ratios[c]!.push(digested.seconds / floor.seconds)
    })
  }
  const digests = new Set(runs.slice(1).flatMap((all) => all.map((r) => r.digestSha!)))
  const groups = runs[1]![0]!.lines! - 1
  const rows = configs.map(({ what }, c) => {
    const all = runs[c]!
    const seconds = median(all.map((r) => r.seconds))
    const ratio = c === 0 ? 1 : median(ratios[c]!)
    const cpu = median(all.map((r) => r.cpuSeconds))
    return [what, fixed(seconds), fixed(data.records / seconds / 1e6), fixed(gzMB / seconds, 1), fixed(ratio), fixed(cpu, 1), c === 0 ? '-' : fixed(Math.max(...all.map((r) => r.maxRssMiB)), 0)]
  })
  table(['run', 'seconds', 'M records/s', 'gzip MB/s', 'x gunzip', 'CPU s (all threads)', 'peak RSS MiB'], rows)
  print(`${groups.toLocaleString('en-US')} groups. Digest output identical across runs and worker counts: ${digests.size === 1 ? 'yes' : `NO (${digests.size} different)`}. CPU time the host took for other guests meanwhile (steal): ${stolenSince(ticks)} of this machine's.`)
  print()
  const once = runs[1]!
  // the same files read 2 and 4 times over: more records, the same groups
  const more = [2, 4].map((repeat) => ({ repeat, ...run(data.dir, 1, repeat) }))
  table(
    ['records (same groups), concatBodies -> digest, workers: 1', 'seconds', 'peak RSS MiB'],
    [
      [data.records.toLocaleString('en-US'), fixed(median(once.map((r) => r.seconds))), fixed(Math.max(...once.map((r) => r.maxRssMiB)), 0)],
      ...more.map((r) => [(data.records * r.repeat).toLocaleString('en-US'), fixed(r.seconds), fixed(r.maxRssMiB, 0)]),
    ],
  )
  if (digests.size !== 1 || more.some((r) => r.lines !== groups + 1)) throw new Error('digest output differs between runs')
}

/** One run of `vpcflow digest <dir> -o <out>` with `options`, in a fresh process, and the runs it spilled (from --verbose). */
function cliRun(dir: string, out: string, options: readonly string[]): Run & { runs: number; spilledMB: number } {
  const child = spawnSync(process.execPath, ['bench/cliRun.mjs', 'digest', dir, '-o', out, '--verbose', ...options], { encoding: 'utf8', maxBuffer: 2 ** 26 })
  const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as Run & { code: number }
  if (result.code !== 0) throw new Error(`vpcflow digest exited with ${result.code}: ${child.stderr}`)
  const units: Record<string, number> = { B: 1e-6, kB: 1e-3, MB: 1, GB: 1e3, TB: 1e6 }
  const runs = [...child.stderr.matchAll(/run \d+ written \(([\d.]+) (\w+)\)/g)]
  return { ...result, runs: runs.length, spilledMB: runs.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0) }
}

/** DuckDB's digest of the same files, in a fresh process. */
function duckdbRun(dir: string, out: string): Run & { groups: number; packets: string; bytes: string } {
  const output = execFileSync(process.execPath, ['bench/duckdbRun.mjs', dir, out], { encoding: 'utf8' })
  return JSON.parse(output.trim().split('\n').pop()!) as Run & { groups: number; packets: string; bytes: string }
}

/** The groups and the sums of packets and bytes of a digest file (read a line at a time: it may be larger than a string). */
async function totalsOf(file: string): Promise<{ groups: number; packets: string; bytes: string }> {
  let fields: string[] | undefined
  let groups = 0
  let packets = 0n
  let bytes = 0n
  for await (const line of createInterface({ input: createReadStream(file, 'latin1') })) {
    if (!fields) {
      fields = line.split(' ')
      continue
    }
    const values = line.split(' ')
    const [p, b] = [values[fields.indexOf('packets')]!, values[fields.indexOf('bytes')]!]
    if (p !== '-') packets += BigInt(p)
    if (b !== '-') bytes += BigInt(b)
    groups++
  }
  return { groups, packets: String(packets), bytes: String(bytes) }
}

async function groupsPastMemory(): Promise<void> {
  const perFile = smoke ? 20_000 : 100_000
  const sets = [
    { what: "the bench's own traffic", files: smoke ? 4 : 50, internet: 0 },
    { what: 'a sixth of the records probes from new addresses (about 1 group in 6 records)', files: smoke ? 3 : 30, internet: 0.145 },
    { what: 'every record a probe from a new address (its own group)', files: smoke ? 6 : 60, internet: 1 },
  ]
  const rounds = smoke ? 1 : 3
  // at small sizes, a small budget, so that the runs are written and merged all the same
  const options = smoke ? ['--max-memory', '4MiB'] : []
  print(`## 7. Groups past memory, and DuckDB`)
  print()
  print(
    `\`vpcflow digest <folder> -o <file>\`${smoke ? ' --max-memory 4MiB' : ' with default options (--max-memory 256MiB, one reader per two cores)'}, a plain single-threaded gunzip of the same files, and DuckDB (${'`@duckdb/node-api`'}, 2 threads: \`read_csv\` of the same files, records not OK dropped, the ephemeral port made 0, GROUP BY the other fields, sums, earliest start and latest end, written to a file), each a fresh process, interleaved round by round; medians of ${rounds} rounds, ratios taken within a round. Peak RSS beyond gunzip's is what the digest holds beyond the input and Node itself.`,
  )
  print()
  const ticks = cpuTicks()
  const rows: Array<Array<string | number>> = []
  const verdicts: string[] = []
  const scratch = mkdtempSync(join(tmpdir(), 'vpcflow-bench-out-'))
  try {
    for (const set of sets) {
      const data = benchData(set.files, perFile, set.internet)
      const floors: Run[] = []
      const ours: Array<ReturnType<typeof cliRun>> = []
      const peers: Array<ReturnType<typeof duckdbRun>> = []
      for (let round = 0; round < rounds; round++) {
        floors.push(run(data.dir, 1, 1, '--gunzip'))
        ours.push(cliRun(data.dir, join(scratch, 'vpcflow.log'), options))
        peers.push(duckdbRun(data.dir, join(scratch, 'duckdb.txt')))
      }
      const totals = await totalsOf(join(scratch, 'vpcflow.log'))
      const peer = peers[0]!
      const exact = totals.groups === peer.groups && totals.packets === peer.packets && totals.bytes === peer.bytes
      const seconds = (runs: Run[]): number => median(runs.map((r) => r.seconds))
      const ratio = (runs: Run[]): number => median(runs.map((r, i) => r.seconds / floors[i]!.seconds))
      const peak = (runs: Run[]): number => Math.max(...runs.map((r) => r.maxRssMiB))
      const floorRss = peak(floors)
      const row = (what: string, runs: Run[], spilled: string, count: string | number): Array<string | number> => [
        what,
        fixed(seconds(runs)),
        fixed(data.records / seconds(runs) / 1e6),
        fixed(ratio(runs)),
        fixed(peak(runs), 0),
        runs === floors ? '-' : fixed(peak(runs) - floorRss, 0),
        spilled,
        count,
      ]
      rows.push([`**${set.what}**: ${data.records.toLocaleString('en-US')} records in ${data.files} files, ${totals.groups.toLocaleString('en-US')} groups`, '', '', '', '', '', '', ''])
      rows.push(row('plain gunzip', floors, '-', '-'))
      rows.push(row('vpcflow digest', ours, `${fixed(median(ours.map((r) => r.spilledMB)), 0)} MB`, median(ours.map((r) => r.runs))))
      rows.push(row('DuckDB', peers, '-', '-'))
      const against = median(ours.map((r, i) => r.seconds / peers[i]!.seconds))
      verdicts.push(`${set.what}: totals (groups, packets, bytes) equal to DuckDB's: ${exact ? 'yes' : 'NO'}; vpcflow's time / DuckDB's: ${fixed(against)}`)
      if (!exact) throw new Error(`${set.what}: vpcflow's totals ${JSON.stringify(totals)} differ from DuckDB's ${JSON.stringify(peer)}`)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  table(['run', 'seconds', 'M records/s', 'x gunzip', 'peak RSS MiB', 'beyond gunzip\'s MiB', 'spilled', 'runs'], rows)
  for (const verdict of verdicts) print(`- ${verdict}`)
  print()
  print(`CPU time the host took for other guests meanwhile (steal): ${stolenSince(ticks)} of this machine's.`)
  print()
}

async function listing(): Promise<void> {
  print(`## 4. Listing that scales with the window`)
  print()
  const accounts = ['111122223333', '444455556666']
  const regions = ['us-east-1', 'eu-west-1']
  const bucketOf = (days: number) => {
    const objects: Array<{ key: string; size: number }> = []
    const first = Date.UTC(2024, 0, 1)
    accounts.forEach((account, a) =>
      regions.forEach((region, r) => {
        for (let t = first; t < first + days * 86_400_000; t += 300_000) {
          const time = new Date(t)
          objects.push({ key: fileKey({ account, region, flowLogId: 'fl-0123456789abcdef0', time, hash: String(t / 1000).slice(-8), layout: LAYOUTS[(a * 2 + r) % 4] }), size: 1000 })
        }
      }),
    )
    return memoryBucket('flow-logs', objects)
  }
  const rows: Array<Array<string | number>> = []
  for (const days of smoke ? [3, 6] : [30, 90]) {
    const bucket = bucketOf(days)
    const all = await collect(listLogFiles({ client: bucket.client, bucket: 'flow-logs' }))
    const full = bucket.calls
    for (const [what, start] of [
      ['1 hour', Date.UTC(2024, 0, 2, 10)],
      ['1 hour over midnight', Date.UTC(2024, 0, 2, 23, 30)],
      ['1 day', Date.UTC(2024, 0, 2)],
    ] as const) {
      const end = start + (what === '1 day' ? 86_400_000 : 3_600_000)
      bucket.reset()
      const files = await collect(listLogFiles({ client: bucket.client, bucket: 'flow-logs', start: new Date(start), end: new Date(end) }))
      const expected = all.filter((f) => f.timestamp.getTime() >= start && f.timestamp.getTime() <= end)
      const same = files.length === expected.length && files.every((f, i) => f.key === expected[i]!.key)
      rows.push([days, all.length.toLocaleString('en-US'), full, what, files.length, bucket.calls, same ? 'yes' : 'NO'])
      if (!same) throw new Error('a window listing differs from a full listing and a filter')
    }
  }
  table(['days in bucket', 'keys', 'calls, full listing', 'window', 'files', 'calls, window', 'same files'], rows)
}

async function prefetchLatency(): Promise<void> {
  const [objects, latency, rounds] = smoke ? [20, 10, 1] : [200, 50, 3]
  print(`## 5. Prefetch against latency`)
  print()
  print(`${objects} objects of 64 KiB from s3rver (in a process of its own) through a proxy that adds ${latency} ms to each request, after one pass to warm up; median of ${rounds} passes.`)
  print()
  const server = spawn(process.execPath, ['--import', 'tsx', 'bench/latencyServer.ts', String(objects), String(latency)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const { client, direct, bucket } = await new Promise<{ client: S3Client; direct: S3Client; bucket: string }>((resolve, reject) => {
    server.once('error', reject)
    server.once('exit', (code) => reject(new Error(`the latency server stopped (exit code ${code})`)))
    createInterface({ input: server.stdout! }).once('line', (line) => {
      const { endpoint, direct, bucket } = JSON.parse(line) as { endpoint: string; direct: string; bucket: string }
      resolve({ client: s3Client(endpoint), direct: s3Client(direct), bucket })
    })
  })
  try {
    const files = await collect(listLogFiles({ client, bucket }))
    /** Seconds to fetch every object. */
    const fetchAll = async (through: S3Client, concurrency: number): Promise<number> => {
      const started = performance.now()
      const fetched = await collect(pipe(files, prefetch({ client: through, concurrency })))
      if (fetched.length !== objects) throw new Error(`fetched ${fetched.length} of ${objects} objects`)
      return (performance.now() - started) / 1000
    }
    /** The median seconds of `rounds` passes. */
    const medianPass = async (through: S3Client, concurrency: number): Promise<number> => {
      const times: number[] = []
      for (let round = 0; round < rounds; round++) times.push(await fetchAll(through, concurrency))
      return median(times)
    }
    // One pass unmeasured, so that neither process is measured while its code warms up.
    await fetchAll(client, 16)
    const rows: Array<Array<string | number>> = []
    let one = 0
    for (const concurrency of [1, 4, 16, 64]) {
      const seconds = await medianPass(client, concurrency)
      if (concurrency === 1) one = seconds
      rows.push([concurrency, objects, fixed(seconds), fixed(objects / seconds, 0), `${fixed(one / seconds, 1)}x`])
    }
    table(['concurrency', 'objects', 'seconds', 'objects/s', 'speed-up'], rows)
    const own = await medianPass(direct, 16)
    print(`The test server's own limit, with no added latency at concurrency 16: ${fixed(own)} s (${fixed(objects / own, 0)} objects/s).`)
    print()
  } finally {
    client.destroy()
    direct.destroy()
    server.stdin!.end()
  }
}

async function drawing(): Promise<void> {
  const groups = smoke ? 5_000 : 200_000
  print(`## 6. Drawing`)
  print()
  // Records of many conversations stand in for a digest of as many groups: one edge each.
  const random = seeded(3)
  const net = network(random, '123456789012', 400, 20_000, 500)
  const lines = [...records(random, net, 1704067200, groups)]
  const text = V2_HEADER + '\n' + lines.join('\n') + '\n'
  const before = process.memoryUsage().rss
  const started = performance.now()
  let bytes = 0
  for await (const chunk of pipe([text], toDot())) bytes += chunk.byteLength
  const seconds = (performance.now() - started) / 1000
  table(
    ['lines (edges)', 'DOT MB', 'seconds', 'RSS growth MiB'],
    [[lines.length.toLocaleString('en-US'), fixed(bytes / 1e6, 1), fixed(seconds), fixed((process.memoryUsage().rss - before) / 2 ** 20, 0)]],
  )
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${fixed(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`
print(`# vpcflow benchmark${smoke ? ' (smoke run: small sizes)' : ''}`)
print()
print(`Machine: ${machine}. Run on ${new Date().toISOString().slice(0, 10)} with \`npm run bench\`.`)
print()
await digestSpeed()
await listing()
await prefetchLatency()
await drawing()
await groupsPastMemory()
if (!smoke) writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), report.join('\n'))
