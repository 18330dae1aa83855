/**
 * `--engine athena` in the command, in a child process: the SDK's AWS_ENDPOINT_URL_ATHENA
 * points its Athena client at the test endpoint, --endpoint its S3 client at s3rver.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { toDot } from 'vpcflow'
import { waitFor } from './support/async.js'
import { startAthena, type AthenaEndpoint } from './support/athena.js'
import { FORMATS, localDigest, putFlowLogs } from './support/athenaBucket.js'
import { finished, killRunning, ROOT, runCli, spawnCli } from './support/cli.js'
import { closeAll, createBucket, s3Client, startS3rver, type S3Server } from './support/s3.js'
import { collectText } from './support/text.js'

const BUCKET = 'cli-athena'
const ACCOUNT = '111122223333'
let s3server: S3Server
let s3: S3Client
let athena: AthenaEndpoint
let env: Record<string, string>
let expected: string

beforeAll(async () => {
  s3server = await startS3rver()
  s3 = s3Client(s3server.endpoint)
  athena = await startAthena(s3server.directory)
  await createBucket(s3, BUCKET)
  const specs = [
    { account: ACCOUNT, region: 'us-east-1', flowLogId: 'fl-0a', layout: 'hive' as const, header: FORMATS.v2 },
    { account: ACCOUNT, region: 'eu-west-1', flowLogId: 'fl-0b', layout: 'default' as const, header: FORMATS.v5, version: 5 },
  ]
  await putFlowLogs(s3, BUCKET, specs, new Date('2024-05-01T22:00Z'), new Date('2024-05-02T02:00Z'))
  expected = await localDigest(s3, { bucket: BUCKET, prefix: 'AWSLogs/', start: new Date('2024-05-01T23:00Z'), end: new Date('2024-05-02T01:00Z') })
  env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_ATHENA: athena.endpoint }
})
afterAll(async () => {
  await athena?.stop()
  await closeAll(s3, s3server)
})
beforeEach(() => {
  athena.script = () => undefined
})
afterEach(killRunning)

const source = `s3://${BUCKET}/AWSLogs/`
const window = ['--start', '2024-05-01T23:00Z', '--end', '2024-05-02T01:00Z']
const athenaArgs = () => ['--engine', 'athena', '--athena-output', 's3://results/vpcflow', '--endpoint', s3server.endpoint, '--path-style', ...window]

describe('vpcflow --engine athena', () => {
  test('digest writes the digest of the same objects, and says what the query scanned', async () => {
    const result = await runCli(['digest', source, ...athenaArgs()], { env })
    expect(result.stderr).toMatch(/^vpcflow: Athena scanned [\d.]+ [kM]?B \([\d,]+ bytes\) of [\d.]+ [kM]?B in 6 log files: \$[\d.]+ at \$5 per TB\n$/)
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(expected)
    const scanned = athena.executions.at(-1)!.dataScanned
    expect(result.stderr).toContain(`(${scanned.toLocaleString('en-US')} bytes)`)
  })

  test('dot draws the digest Athena computed', async () => {
    const result = await runCli(['dot', source, ...athenaArgs(), '-q'], { env })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toBe(await collectText(pipe([expected], toDot())))
  })

  test('map draws the network map of the digest Athena computed, as the local engine does', async () => {
    const local = await runCli(['map', source, '--endpoint', s3server.endpoint, '--path-style', ...window, '--json', '-q'], { env })
    const result = await runCli(['map', source, ...athenaArgs(), '--json', '-q'], { env })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(local.code).toBe(0)
    expect(result.stdout).toBe(local.stdout)
  })

  test('a bad --athena-database or --account is a usage error in the command\'s words, exit code 2', async () => {
    for (const [flag, value] of [['--athena-database', 'Bad-Name'], ['--account', 'ABC']] as const) {
      const result = await runCli(['digest', source, ...athenaArgs(), '--dry-run', flag, value], { env })
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(new RegExp(`^vpcflow: ${flag} .*\n$`))
    }
  })

  test('--dry-run prints the DDL and the query, and what the window holds, running nothing', async () => {
    const before = athena.count('StartQueryExecution')
    const result = await runCli(['digest', source, ...athenaArgs(), '--dry-run', '--athena-database', 'flows'], { env })
    expect(result.code).toBe(0)
    expect(athena.count('StartQueryExecution')).toBe(before)
    const [comment, ...statements] = result.stdout.split('\n\n')
    expect(comment).toMatch(/^-- vpcflow: 6 log files, [\d.]+ kB \([\d,]+ bytes\) stored: the query scans at most that, \$[\d.]+ at \$5 per TB$/)
    expect(statements.map((statement) => statement.split('\n')[0])).toEqual([
      'CREATE DATABASE IF NOT EXISTS `flows`;',
      expect.stringMatching(/^CREATE EXTERNAL TABLE IF NOT EXISTS `flows`\.`flow_logs_[0-9a-f]{16}` \($/),
      expect.stringMatching(/^CREATE EXTERNAL TABLE IF NOT EXISTS `flows`\.`flow_logs_[0-9a-f]{16}` \($/),
      expect.stringMatching(/^SELECT 0 AS "format", /),
    ])
    expect(result.stdout).toContain('FROM "flows"."flow_logs_')
    expect(result.stdout.trimEnd().endsWith(';')).toBe(true)
  })

  test("a FAILED query: Athena's reason in one line, exit code 1", async () => {
    athena.script = (statement) => (statement.startsWith('SELECT') ? { states: ['RUNNING', 'FAILED'], reason: 'HIVE_CURSOR_ERROR: Unexpected end of input stream' } : undefined)
    const result = await runCli(['digest', source, ...athenaArgs()], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`vpcflow: the digest query: Athena query ${athena.executions.at(-1)!.id} failed: HIVE_CURSOR_ERROR: Unexpected end of input stream\n`)
    expect(result.stdout).toBe('')
  })

  test('Ctrl-C stops the query (StopQueryExecution) and exits 130', async () => {
    athena.script = (statement) => (statement.startsWith('SELECT') ? { states: ['QUEUED', 'RUNNING'] } : undefined)
    const child = spawnCli(['digest', source, ...athenaArgs()], { env })
    const result = finished(child)
    await waitFor(() => athena.executions.some((execution) => execution.statement.startsWith('SELECT') && execution.state === 'RUNNING'), 'the query running', 20_000)
    child.kill('SIGINT')
    expect(await result).toMatchObject({ code: 130, stderr: 'vpcflow: interrupted\n', stdout: '' })
    expect(athena.running()).toEqual([])
    expect(athena.executions.at(-1)).toMatchObject({ state: 'CANCELLED', stopped: true })
  })

  test('usage errors: a local source, Athena options without Athena and local ones with it, a result location that is not s3://', async () => {
    const folder = await runCli(['digest', 'examples/sample-bucket', '--engine', 'athena'], { env })
    expect(folder).toMatchObject({ code: 2, stderr: 'vpcflow: --engine athena reads a bucket: it needs an s3:// source (see vpcflow digest --help)\n' })
    const dryRun = await runCli(['dot', source, '--dry-run', '--athena-database', 'flows'], { env })
    expect(dryRun).toMatchObject({ code: 2, stderr: 'vpcflow: --athena-database, --dry-run: for --engine athena, which is not given (see vpcflow dot --help)\n' })
    const local = await runCli(['digest', source, ...athenaArgs(), '--workers', '2', '--lenient'], { env })
    expect(local).toMatchObject({ code: 2, stderr: 'vpcflow: --workers, --lenient: for the local engine; Athena reads the objects itself (see vpcflow digest --help)\n' })
    const output = await runCli(['digest', source, '--engine', 'athena', '--athena-output', 'results/'], { env })
    expect(output.code).toBe(2)
    expect(output.stderr).toMatch(/--athena-output must be an s3:\/\/bucket\/prefix\/ location, got results\//)
  })
})

test('examples/athena-digest.ts prints the digest Athena computed and what it scanned', async () => {
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'examples/athena-digest.ts', BUCKET, 's3://results/vpcflow/', '2024-05-01T23:00Z', '2024-05-02T01:00Z'],
    { cwd: ROOT, env: { ...process.env, ...env, AWS_ENDPOINT_URL_S3: s3server.endpoint }, encoding: 'utf8' },
  )
  expect(stdout).toBe(expected)
  expect(stderr).toBe(`Athena scanned ${athena.executions.at(-1)!.dataScanned} bytes: $0.00005 at $5 per TB\n`)
})
