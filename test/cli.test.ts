/**
 * The `vpcflow` command, run from its source against the sample folder, a single file,
 * standard input and s3rver: its exit codes, messages, output files and Ctrl-C. Options
 * and messages run in this process; signals, pipes, output files and credentials in a
 * child process.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, relative, sep } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { byRegion, concatBodies, digest, filterLogFiles, listLocalLogFiles, prefetch, records, toDot } from 'vpcflow'
import { deferred, waitFor } from './support/async.js'
import { finished, killRunning, ROOT, runCli, runInProcess, S3RVER_CREDENTIALS as CREDENTIALS, spawnCli, untilOutput, type CliResult } from './support/cli.js'
import { HEADER } from './support/flowLogs.js'
import { startProxy, type Proxy } from './support/proxy.js'
import { closeAll, createBucket, putObjects, s3Client, startS3rver, type S3Server } from './support/s3.js'
import { collectText } from './support/text.js'

const SAMPLE = join(ROOT, 'examples', 'sample-bucket')
const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }

/** What a flow log file's name says, read here independently of the library's parser. */
const FLOW_LOG_NAME = /^(\d{12})_vpcflowlogs_([a-z0-9-]+)_(fl-[0-9a-z]+)_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_[0-9a-zA-Z]+\.log\.(?:gz|parquet)$/

interface SampleObject {
  /** The path within the folder, `/`-separated: the key it would have in a bucket. */
  readonly key: string
  readonly path: string
  readonly size: number
  /** For flow log files with a body: what the name says. */
  readonly log?: { account: string; region: string; flowLogId: string; time: Date }
}

/** Every file of a folder, with what its name says. */
async function objectsOf(dir: string, folder = dir): Promise<SampleObject[]> {
  const objects: SampleObject[] = []
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) objects.push(...(await objectsOf(dir, path)))
    if (!entry.isFile()) continue
    const { size } = await stat(path)
    const match = FLOW_LOG_NAME.exec(entry.name)
    const key = relative(dir, path).split(sep).join('/')
    if (!match || size === 0) {
      objects.push({ key, path, size })
      continue
    }
    const [, account, region, flowLogId, y, mo, d, h, mi] = match as unknown as string[]
    const time = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi)))
    objects.push({ key, path, size, log: { account: account!, region: region!, flowLogId: flowLogId!, time } })
  }
  return objects.sort((a, b) => (a.key < b.key ? -1 : 1))
}

const linesOf = (text: string): string[] => text.split('\n').filter((line) => line !== '')
const sorted = (items: readonly string[]): string[] => [...items].sort()

/** A finished run that succeeded quietly: exit code 0 and nothing on standard error. */
function expectQuietSuccess(result: CliResult): void {
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
}

/** A failed run: the exit code, and exactly one line on standard error starting `vpcflow: `. */
function expectOneLineError(result: CliResult, code: number): string {
  expect(result.code, result.stderr).toBe(code)
  const lines = linesOf(result.stderr)
  expect(lines, result.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^vpcflow: \S/)
  return lines[0]!
}

/** The node ids of a DOT graph from its node statements (`  "10.0.0.1" [label="10.0.0.1"];`). */
function dotNodes(dot: string): string[] {
  return [...dot.matchAll(/^ {2}"([^"]+)" \[label="([^"]+)"\];$/gm)].map((match) => {
    expect(match[2]).toBe(match[1])
    return match[1]!
  })
}

/** The edges of a DOT graph, with their bytes. */
function dotEdges(dot: string): Array<{ from: string; to: string; bytes: number }> {
  return [...dot.matchAll(/^ {2}"([^"]+)" -> "([^"]+)" \[.*\bvpcflow_bytes="(\d+)"/gm)].map((m) => ({
    from: m[1]!,
    to: m[2]!,
    bytes: Number(m[3]),
  }))
}

let objects: SampleObject[]
let logs: Array<SampleObject & { log: NonNullable<SampleObject['log']> }>
let work: string

beforeAll(async () => {
  objects = await objectsOf(SAMPLE)
  logs = objects.filter((object): object is (typeof logs)[number] => object.log !== undefined)
  work = await mkdtemp(join(tmpdir(), 'vpcflow-cli-'))
})
afterEach(killRunning)
afterAll(() => rm(work, { recursive: true, force: true }))

/** A fresh empty folder for one test's output files. */
async function folder(name: string): Promise<string> {
  const dir = join(work, name)
  await mkdir(dir)
  return dir
}

describe('the command line itself', () => {
  test('importing the entry runs nothing: no signal handlers, no exit code', async () => {
    const before = process.listenerCount('SIGINT')
    const entry = await import('../dist/cli.js')
    expect(typeof entry.main).toBe('function')
    expect(process.listenerCount('SIGINT')).toBe(before)
    expect(process.exitCode).toBeUndefined()
  })

  test('--version prints the package version', async () => {
    const result = await runCli(['--version'])
    expectQuietSuccess(result)
    expect(result.stdout.trim()).toBe(version)
  })

  test.each(['list', 'digest', 'dot', 'render'])('%s --help shows the options and examples, exit code 0', async (command) => {
    const result = await runInProcess([command, '--help'])
    expectQuietSuccess(result)
    expect(result.stdout).toContain(`Usage: vpcflow ${command} [options] <source>`)
    expect(result.stdout).toContain('--start <time>')
    expect(result.stdout).toMatch(new RegExp(`Examples:\\n {2}\\$ vpcflow ${command} `))
  })

  test('an unknown option is a usage error: exit code 2, one line', async () => {
    const line = expectOneLineError(await runInProcess(['digest', SAMPLE, '--regoin', 'us-east-1']), 2)
    expect(line).toContain("'--regoin'")
    expect(line).toContain('--region') // the suggestion
  })

  test.each([
    [['list', SAMPLE, '--start', 'yesterday'], '--start'],
    [['list', SAMPLE, '--end', '2024-02-30'], '--end'],
    [['list', SAMPLE, '--start', '2024-05-03', '--end', '2024-05-01'], 'after --end'],
    [['digest', SAMPLE, '--max-bytes', '12XB'], '--max-bytes'],
    [['dot', SAMPLE, '--top', '0'], '--top'],
    [['digest', SAMPLE, '--window', 'hourly'], '--window'],
    [['digest', SAMPLE, '--key-fields', 'srcaddr,bytes'], 'bytes'],
    [['digest', SAMPLE, '--key-fields', 'foo,bar'], '--key-fields foo, bar: in none of the formats read'],
    [['digest', SAMPLE, '--key-fields', ''], '--key-fields needs at least one field name'],
    [['digest', '-', '--fields', ' , '], '--fields needs at least one field name'],
    [['list', SAMPLE, '--start', '2030-01-01'], '--start (2030-01-01T00:00:00.000Z) is after --end (now, '],
    [['digest', '-', '--region', 'us-east-1'], '--region'],
    [['digest', 's3://'], 's3://'],
    [['digest', SAMPLE, '--endpoint', 'localhost'], '--endpoint'],
    [['digest'], 'source'],
  ])('bad arguments %j: exit code 2, one line naming the problem', async (args, named) => {
    const line = expectOneLineError(await runInProcess(args), 2)
    expect(line).toContain(named)
  })

  test('a missing input is an error: exit code 1, one line naming it', async () => {
    const line = expectOneLineError(await runCli(['digest', join(work, 'no-such-folder')]), 1)
    expect(line).toContain('no-such-folder')
  })

  test('a presigned URL given by mistake is named without its signature', async () => {
    const url = 'https://bucket.s3.amazonaws.com/flows.log.gz?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240501&X-Amz-Signature=0123456789abcdef'
    const line = expectOneLineError(await runCli(['digest', url]), 1)
    expect(line).toContain('https://bucket.s3.amazonaws.com/flows.log.gz')
    expect(line).not.toContain('0123456789abcdef')
    expect(line).not.toContain('AKIAIOSFODNN7EXAMPLE')
  })
})

describe('a local folder: the sample bucket', () => {
  const inRange = (time: Date, start: string, end: string): boolean => time >= new Date(start) && time <= new Date(end)

  test('list prints every flow log file with a body, and nothing else', async () => {
    const result = await runInProcess(['list', SAMPLE])
    expectQuietSuccess(result)
    expect(logs.length).toBeGreaterThan(10)
    expect(sorted(linesOf(result.stdout))).toEqual(sorted(logs.map((object) => object.path)))
  })

  test('list --account --region --start --end keeps exactly the files whose names match', async () => {
    const [start, end] = ['2024-05-02T00:00Z', '2024-05-02T12:00Z']
    const account = logs[0]!.log.account
    const result = await runInProcess(['list', SAMPLE, '--account', account, '--region', 'us-east-1', '--start', start, '--end', end])
    expectQuietSuccess(result)
    const expected = logs.filter(({ log }) => log.account === account && log.region === 'us-east-1' && inRange(log.time, start, end))
    expect(expected.length).toBeGreaterThan(1)
    expect(expected.length).toBeLessThan(logs.length / 4)
    expect(sorted(linesOf(result.stdout))).toEqual(sorted(expected.map((object) => object.path)))
  })

  test('repeated and comma-separated values, --flow-log-id, and a relative --end', async () => {
    const flowLogIds = [...new Set(logs.map(({ log }) => log.flowLogId))].sort()
    expect(flowLogIds.length).toBeGreaterThan(2)
    const [first, second] = flowLogIds as [string, string]
    const start = '2024-05-03T00:00Z'
    // Every sample file is more than a day old, so -1d ends after all of them.
    const result = await runInProcess(['list', SAMPLE, '--flow-log-id', first, '--flow-log-id', `${second},fl-00000000`, '--start', start, '--end', '-1d'])
    expectQuietSuccess(result)
    const expected = logs.filter(({ log }) => (log.flowLogId === first || log.flowLogId === second) && log.time >= new Date(start))
    expect(expected.length).toBeGreaterThan(1)
    expect(sorted(linesOf(result.stdout))).toEqual(sorted(expected.map((object) => object.path)))
  })

  test('list --json prints one JSON object per file', async () => {
    const result = await runInProcess(['list', SAMPLE, '--region', 'eu-west-1', '--json'])
    expectQuietSuccess(result)
    const files = linesOf(result.stdout).map((line) => JSON.parse(line) as Record<string, unknown>)
    const expected = logs.filter(({ log }) => log.region === 'eu-west-1')
    expect(files.map((file) => file.key).sort()).toEqual(expected.map((object) => object.key).sort())
    for (const file of files) {
      const object = expected.find(({ key }) => key === file.key)!
      expect(file).toMatchObject({
        path: object.path,
        size: object.size,
        account: object.log.account,
        region: 'eu-west-1',
        flowLogId: object.log.flowLogId,
        timestamp: object.log.time.toISOString(),
      })
    }
  })

  test('--verbose says which files were skipped and why, and how many matched', async () => {
    const result = await runInProcess(['list', SAMPLE, '--verbose', '--region', 'us-east-1'])
    expect(result.code).toBe(0)
    const skipped = objects.filter((object) => object.log === undefined)
    expect(skipped.some((object) => object.size === 0 && FLOW_LOG_NAME.test(basename(object.key)))).toBe(true)
    const lines = linesOf(result.stderr)
    for (const object of skipped) {
      const reason = FLOW_LOG_NAME.test(basename(object.key)) ? 'empty object' : 'not a flow log file name'
      expect(lines).toContain(`skipped ${object.path}: ${reason}`)
    }
    const matched = logs.filter(({ log }) => log.region === 'us-east-1').length
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${matched} log files matched \\(\\d`)))
    expect(lines).toHaveLength(skipped.length + 1)
  })

  test("digest prints the library's digest of the same files", async () => {
    const result = await runInProcess(['digest', SAMPLE, '--region', 'eu-west-1'])
    expectQuietSuccess(result)
    const expected = await collectText(pipe(listLocalLogFiles({ dir: SAMPLE }), filterLogFiles(byRegion('eu-west-1')), prefetch(), concatBodies(), digest()))
    expect(linesOf(expected).length).toBeGreaterThan(10)
    expect(result.stdout).toBe(expected)
  })

  test('digest --json prints the records of the digest, one JSON object per line', async () => {
    const [text, json] = await Promise.all([runInProcess(['digest', SAMPLE]), runInProcess(['digest', SAMPLE, '--json'])])
    expectQuietSuccess(json)
    const expected = await collectText(pipe([text.stdout], records(), async function* (all) {
      for await (const record of all) yield `${JSON.stringify(record)}\n`
    }))
    const lines = linesOf(json.stdout)
    expect(lines.length).toBeGreaterThan(100)
    expect(lines.map((line) => JSON.parse(line))).toEqual(linesOf(expected).map((line) => JSON.parse(line)))
    // Both formats of the sample: every line of the text that is not a header is one record.
    expect(lines).toHaveLength(linesOf(text.stdout).filter((line) => !/^[a-z]/.test(line)).length)
  })

  test('-o writes the file whole and leaves nothing else beside it', async () => {
    const dir = await folder('o-file')
    const [toFile, toStdout] = await Promise.all([
      runCli(['digest', SAMPLE, '--account', logs[0]!.log.account, '-o', join(dir, 'digest.log')]),
      runCli(['digest', SAMPLE, '--account', logs[0]!.log.account]),
    ])
    expectQuietSuccess(toFile)
    expect(toFile.stdout).toBe('')
    expect(await readdir(dir)).toEqual(['digest.log'])
    expect(await readFile(join(dir, 'digest.log'), 'utf8')).toBe(toStdout.stdout)
  })

  test('a run that fails leaves no -o file; --lenient passes over the unreadable object and writes it', async () => {
    const [good] = logs
    const input = await folder('corrupt-input')
    const corrupt = join(input, 'AWSLogs', `${good!.log.account}_vpcflowlogs_us-east-1_fl-00000000_20240501T0000Z_00000000.log.gz`)
    await mkdir(join(input, 'AWSLogs'))
    await writeFile(join(input, 'AWSLogs', basename(good!.path)), await readFile(good!.path))
    await writeFile(corrupt, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5]))
    const dir = await folder('corrupt-output')
    const line = expectOneLineError(await runCli(['digest', input, '-o', join(dir, 'digest.log')]), 1)
    expect(line).toContain(corrupt)
    expect(await readdir(dir)).toEqual([])
    const lenient = await runCli(['digest', input, '--lenient', '-o', join(dir, 'digest.log')])
    expect(lenient.code).toBe(0)
    expect(linesOf(lenient.stderr)).toEqual(['vpcflow: skipped 0 malformed lines and 1 unreadable object (--verbose lists them)'])
    expect(await readFile(join(dir, 'digest.log'), 'utf8')).toBe(await collectText(pipe([gunzipSync(await readFile(good!.path))], digest())))
  })

  test('-o into a folder that does not exist: exit code 1, one line', async () => {
    const line = expectOneLineError(await runCli(['list', SAMPLE, '-o', join(work, 'no-such-folder', 'files.txt')]), 1)
    expect(line).toContain('no-such-folder')
  })

  test("dot prints the library's graph of the digest", async () => {
    const result = await runInProcess(['dot', SAMPLE])
    expectQuietSuccess(result)
    const expected = await collectText(pipe(listLocalLogFiles({ dir: SAMPLE }), prefetch(), concatBodies(), digest(), toDot()))
    expect(result.stdout).toBe(expected)
  })

  test('dot --top N keeps the N edges with the most bytes', async () => {
    const [all, top] = await Promise.all([runInProcess(['dot', SAMPLE]), runInProcess(['dot', SAMPLE, '--top', '5'])])
    expectQuietSuccess(top)
    const edges = dotEdges(all.stdout)
    const kept = dotEdges(top.stdout)
    expect(edges.length).toBeGreaterThan(50)
    expect(kept).toHaveLength(5)
    const heaviest = edges.map((edge) => edge.bytes).sort((a, b) => b - a)
    expect(kept.map((edge) => edge.bytes).sort((a, b) => b - a)).toEqual(heaviest.slice(0, 5))
    expect(sorted(dotNodes(top.stdout))).toEqual(sorted([...new Set(kept.flatMap((edge) => [edge.from, edge.to]))]))
  })

  test('render --records -o writes an SVG with every node and edge of the graph, and --dot its source', async () => {
    const dir = await folder('render')
    const [dot, render] = await Promise.all([
      runCli(['dot', SAMPLE, '--region', 'eu-west-1']),
      runCli(['render', SAMPLE, '--records', '--region', 'eu-west-1', '-o', join(dir, 'graph.svg'), '--dot', join(dir, 'graph.dot')]),
    ])
    expect(render.code).toBe(0)
    expect(render.stderr).toBe(`wrote ${join(dir, 'graph.dot')} and ${join(dir, 'graph.svg')}\n`) // says where
    expect((await readdir(dir)).sort()).toEqual(['graph.dot', 'graph.svg'])
    expect(await readFile(join(dir, 'graph.dot'), 'utf8')).toBe(dot.stdout)
    const svg = await readFile(join(dir, 'graph.svg'), 'utf8')
    expect(svg).toMatch(/^<\?xml[^]*<svg[^]*<\/svg>\s*$/)
    const nodes = dotNodes(dot.stdout)
    expect(nodes.length).toBeGreaterThan(5)
    const titles = [...svg.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]*)<\/title>/g)].map((match) => match[1]!)
    expect(sorted(titles)).toEqual(sorted(nodes))
    expect(svg.match(/class="edge"/g)).toHaveLength(dotEdges(dot.stdout).length)
  })

  test('render --top N draws N edges, to standard output without -o', async () => {
    const result = await runInProcess(['render', SAMPLE, '--top', '3'])
    expectQuietSuccess(result)
    expect(result.stdout).toContain('</svg>')
    expect(result.stdout.match(/class="edge"/g)).toHaveLength(3)
  })

  test('render keeps the SVG valid XML when values hold control characters', async () => {
    const input = 'srcaddr dstaddr action\n10.0.0.1\u0007x 10.0.0.2\u001b[31m ACCEPT\n'
    const result = await runInProcess(['render', '-'], { input })
    expectQuietSuccess(result)
    expect(result.stdout).toContain('</svg>')
    expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/)
    expect(result.stdout).toContain('10.0.0.1\ufffdx')
  })

  test('a reader that goes away (| head) ends the run quietly', async () => {
    const child = spawnCli(['dot', SAMPLE])
    const done = finished(child)
    // The graph is several times a pipe's buffer: the child is still writing when the reader goes.
    await untilOutput(child.stdout, (text) => text.length > 0)
    child.stdout.destroy()
    const result = await done
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })
})

describe('a single file and standard input', () => {
  test("a single log file: the library's digest of its text", async () => {
    const file = logs.find(({ log }) => log.region === 'us-east-1')!
    const result = await runInProcess(['digest', file.path])
    expectQuietSuccess(result)
    expect(result.stdout).toBe(await collectText(pipe([gunzipSync(await readFile(file.path))], digest())))
  })

  test("- reads flow log text from standard input: the library's digest and graph of it", async () => {
    const text = Buffer.concat(await Promise.all(logs.slice(0, 6).map(async (object) => gunzipSync(await readFile(object.path)))))
    const [digested, drawn] = await Promise.all([runCli(['digest', '-'], { input: text }), runCli(['dot', '-', '--top', '4'], { input: text })])
    expectQuietSuccess(digested)
    expectQuietSuccess(drawn)
    expect(digested.stdout).toBe(await collectText(pipe([text], digest())))
    expect(drawn.stdout).toBe(await collectText(pipe([text], digest(), toDot({ top: 4 }))))
  })

  test('list of a single file lists the file itself, as --json too; a file not named as AWS names them is not a log file', async () => {
    const file = logs[0]!
    const listed = await runInProcess(['list', file.path])
    expectQuietSuccess(listed)
    expect(listed.stdout).toBe(`${file.path}\n`)
    const json = await runInProcess(['list', file.path, '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ path: file.path, size: file.size, account: file.log.account, flowLogId: file.log.flowLogId })
    const plain = join(ROOT, 'test', 'fixtures', 'samples', 'default-v2.log')
    const other = await runInProcess(['list', plain, '--verbose'])
    expect(other.code).toBe(0)
    expect(other.stdout).toBe('')
    expect(linesOf(other.stderr)).toEqual([`skipped ${plain}: not a flow log file name`, '0 log files matched (0 B)', `vpcflow: no log files matched: none listed under ${plain} (1 other object)`])
    const stdin = expectOneLineError(await runInProcess(['list', '-']), 2)
    expect(stdin).toContain('standard input has no file names')
  })

  test('--fields reads text without a header line', async () => {
    const record = '2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 443 6 3 300 1714557600 1714557660 ACCEPT OK'
    const fields = ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status']
    const result = await runInProcess(['digest', '-', '--fields', fields.join(',')], { input: `${record}\n${record}\n` })
    expectQuietSuccess(result)
    expect(result.stdout).toBe(`${HEADER}\n2 123456789012 eni-1 10.0.0.1 10.0.0.2 0 443 6 6 600 1714557600 1714557660 ACCEPT OK\n`)
  })

  test('a malformed line: exit code 1 naming the line; --lenient skips it, counts it and goes on', async () => {
    const input = `${HEADER}\n2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 443 6 3 300 1714557600 1714557660 ACCEPT OK\nnot a record\n`
    const strict = expectOneLineError(await runInProcess(['digest', '-'], { input }), 1)
    expect(strict).toContain('line 3')
    const lenient = await runInProcess(['digest', '-', '--lenient'], { input })
    expect(lenient.code).toBe(0)
    expect(linesOf(lenient.stdout)).toHaveLength(2)
    expect(linesOf(lenient.stderr)).toEqual(['vpcflow: skipped 1 malformed line and 0 unreadable objects (--verbose lists them)'])
  })

  test('a graph too big to read gets a warning suggesting --top; Ctrl-C stops its layout at once', async () => {
    // 1500 edges between 61 addresses: Graphviz would take minutes over it.
    const lines = [HEADER]
    for (let i = 0; i < 1500; i++) {
      lines.push(`2 123456789012 eni-1 10.0.0.${i % 60} 10.0.0.${(i * 7 + 3) % 61} 40000 ${i + 1} 6 1 ${100 + i} 1714557600 1714557660 ACCEPT OK`)
    }
    const dir = await folder('big-graph')
    const child = spawnCli(['render', '-', '--records', '-o', join(dir, 'graph.svg'), '--verbose'], { input: `${lines.join('\n')}\n` })
    const done = finished(child)
    // --verbose says when Graphviz has begun: Ctrl-C comes in the midst of the layout.
    await untilOutput(child.stderr, (text) => text.includes('laying out the graph: 1500 edges\n'))
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(130)
    expect(linesOf(result.stderr)).toEqual([
      expect.stringMatching(/^vpcflow: the graph has 1500 edges, more than 1000: .*try --top 200$/),
      'laying out the graph: 1500 edges',
      'vpcflow: interrupted',
    ])
    expect(await readdir(dir)).toEqual([])
  })
})

describe('an S3 bucket (s3rver)', () => {
  const BUCKET = 'cli-flow-logs'
  let s3: S3Server
  let proxy: Proxy
  let client: S3Client
  let uploaded: SampleObject[]
  const at = (endpoint: string): string[] => ['--endpoint', endpoint, '--path-style']

  beforeAll(async () => {
    s3 = await startS3rver()
    proxy = await startProxy(s3.endpoint)
    client = s3Client(s3.endpoint)
    await createBucket(client, BUCKET)
    // One day of flow logs, and every object that is not one.
    uploaded = objects.filter((object) => !object.log || object.log.time < new Date('2024-05-02T00:00Z'))
    await putObjects(client, BUCKET, await Promise.all(uploaded.map(async ({ key, path }) => ({ key, body: await readFile(path) }))))
  })
  afterAll(() => closeAll(client, proxy, s3))

  test('list s3://bucket/prefix --region: exactly the matching keys, and nothing on standard error', async () => {
    const result = await runCli(['list', `s3://${BUCKET}/AWSLogs/`, '--region', 'eu-west-1', ...at(s3.endpoint)], { env: CREDENTIALS })
    // Also no warning from the SDK about Node versions: the child's environment does not turn it off.
    expectQuietSuccess(result)
    const expected = uploaded.filter((object) => object.log?.region === 'eu-west-1').map(({ key }) => `s3://${BUCKET}/${key}`)
    expect(expected.length).toBeGreaterThan(1)
    expect(sorted(linesOf(result.stdout))).toEqual(sorted(expected))
  })

  test('digest and dot of a bucket equal those of the same files in a folder', async () => {
    const dir = await folder('bucket-copy')
    for (const object of uploaded) {
      await mkdir(join(dir, object.key, '..'), { recursive: true })
      await writeFile(join(dir, object.key), await readFile(object.path))
    }
    const [fromS3, fromFolder, dotS3, dotFolder] = await Promise.all([
      runCli(['digest', `s3://${BUCKET}`, ...at(s3.endpoint), '--concurrency', '4', '--max-bytes', '64KiB'], { env: CREDENTIALS }),
      runCli(['digest', dir]),
      runCli(['dot', `s3://${BUCKET}`, ...at(s3.endpoint)], { env: CREDENTIALS }),
      runCli(['dot', dir]),
    ])
    expectQuietSuccess(fromS3)
    expectQuietSuccess(dotS3)
    expect(linesOf(fromS3.stdout).length).toBeGreaterThan(50)
    expect(fromS3.stdout).toBe(fromFolder.stdout)
    expect(dotS3.stdout).toBe(dotFolder.stdout)
  })

  test('a bucket that does not exist: exit code 1, one line naming it', async () => {
    const line = expectOneLineError(await runCli(['digest', 's3://no-such-bucket/AWSLogs/', ...at(s3.endpoint)], { env: CREDENTIALS }), 1)
    expect(line).toContain('no-such-bucket')
    expect(line).toContain('NoSuchBucket')
  })

  test('bad credentials: exit code 1, and no credential appears, even with --debug --verbose', async () => {
    const [keyId, secret, token] = ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY', 'FwoGZXIvYXdzEXAMPLETOKEN']
    const env = { ...CREDENTIALS, AWS_ACCESS_KEY_ID: keyId, AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token }
    const plain = await runCli(['list', `s3://${BUCKET}`, ...at(s3.endpoint)], { env })
    const line = expectOneLineError(plain, 1)
    expect(line).toContain(`s3://${BUCKET}/`)
    expect(line).toContain('InvalidAccessKeyId')
    const debug = await runCli(['digest', `s3://${BUCKET}`, ...at(s3.endpoint), '--debug', '--verbose'], { env })
    expect(debug.code).toBe(1)
    expect(debug.stderr).toMatch(/^vpcflow: .*InvalidAccessKeyId.*\n[^]*\n {4}at /) // the one line, then the stack trace
    for (const output of [plain.stderr, plain.stdout, debug.stderr, debug.stdout]) {
      for (const credential of [keyId, secret, token]) expect(output).not.toContain(credential)
    }
  })

  test('--profile names a profile that gives no credentials, before any request', async () => {
    proxy.reset()
    const line = expectOneLineError(await runCli(['list', `s3://${BUCKET}`, ...at(proxy.endpoint), '--profile', 'nosuch']), 1)
    expect(line).toBe('vpcflow: profile nosuch: not in the AWS config or credentials file, or it gives no credentials')
    expect(proxy.requests).toHaveLength(0)
  })

  test('a profile from the config file is used; with keys in the environment too, the SDK warning is one line', async () => {
    const dir = await folder('aws-config')
    const config = join(dir, 'config')
    await writeFile(config, '[profile local]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\nregion = us-east-1\n')
    const args = ['list', `s3://${BUCKET}/AWSLogs/`, '--region', 'eu-west-1', ...at(s3.endpoint)]
    const byOption = await runCli([...args, '--profile', 'local'], { env: { AWS_CONFIG_FILE: config } })
    expectQuietSuccess(byOption)
    expect(linesOf(byOption.stdout).length).toBeGreaterThan(1)
    const both = await runCli(args, { env: { ...CREDENTIALS, AWS_CONFIG_FILE: config, AWS_PROFILE: 'local' } })
    expect(both.code).toBe(0)
    expect(both.stdout).toBe(byOption.stdout)
    expect(both.stderr).toBe('vpcflow: both AWS_PROFILE and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set: the profile is used\n')
  })

  test('Ctrl-C while objects are being fetched: exit code 130 at once, and no -o file, partial or whole', async () => {
    const dir = await folder('interrupted')
    const release = deferred()
    proxy.reset()
    proxy.hook = (request) => (request.operation === 'GetObject' ? { type: 'forward', hold: release.promise } : undefined)
    try {
      const child = spawnCli(['digest', `s3://${BUCKET}`, ...at(proxy.endpoint), '-o', join(dir, 'digest.log')], { env: CREDENTIALS })
      const done = finished(child)
      await waitFor(() => proxy.requestsFor('GetObject').some((request) => request.phase === 'holding'), 'a held GetObject', 15_000)
      // The output is being written beside its target, not yet in place.
      expect((await readdir(dir)).map((name) => name.replace(/\d+/, 'PID'))).toEqual(['.digest.log.PID.partial'])
      child.kill('SIGINT')
      const result = await done
      expect(result.code).toBe(130)
      expect(result.stderr).toBe('vpcflow: interrupted\n')
      expect(await readdir(dir)).toEqual([])
    } finally {
      release.resolve()
      proxy.reset()
    }
  })
})
