/**
 * An empty result is said on standard error, with what the filters kept and the nearest
 * times or the values that exist; --fail-empty makes it exit code 3.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ROOT, runCli, runInProcess, S3RVER_CREDENTIALS as CREDENTIALS } from './support/cli.js'
import { fileKey, gzipLog, HEADER } from './support/flowLogs.js'
import { closeAll, startBucket, type S3Server } from './support/s3.js'

const SAMPLE = join(ROOT, 'examples', 'sample-bucket')
const NAME = /_(\d{12})_vpcflowlogs_([a-z0-9-]+)_(fl-[0-9a-z]+)_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_/
const minute = (time: Date): string => `${time.toISOString().slice(0, 16)}Z`

/** The sample's log files as their names tell, read here from `list` without filters. */
let files: Array<{ account: string; region: string; flowLogId: string; time: Date }>
let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vpcflow-empty-'))
  const all = await runInProcess(['list', SAMPLE])
  files = all.stdout.trim().split('\n').map((line) => {
    const [, account, region, flowLogId, y, mo, d, h, mi] = NAME.exec(`_${line.split('/').at(-1)!}`) as unknown as string[]
    return { account: account!, region: region!, flowLogId: flowLogId!, time: new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!)) }
  })
  expect(files.length).toBeGreaterThan(10)
})
afterAll(() => rm(work, { recursive: true, force: true }))

describe('a folder', () => {
  test('a window between files: how many were listed, and the nearest times on either side', async () => {
    const times = [...new Set(files.map((file) => file.time.getTime()))].sort((a, b) => a - b)
    // A gap between two file times, wider than a minute.
    const i = times.findIndex((t, j) => j > 0 && t - times[j - 1]! > 120_000)
    expect(i).toBeGreaterThan(0)
    const [before, after] = [new Date(times[i - 1]!), new Date(times[i]!)]
    const [start, end] = [new Date(before.getTime() + 60_000), new Date(after.getTime() - 60_000)]
    const result = await runInProcess(['list', SAMPLE, '--start', start.toISOString(), '--end', end.toISOString()])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `vpcflow: no log files matched: ${files.length} listed, 0 in the window ${minute(start)}..${minute(end)} (nearest: ${minute(before)} before, ${minute(after)} after)\n`,
    )
  })

  test('an account that is not there: the accounts that are; --fail-empty exits 3 with the same line', async () => {
    const accounts = [...new Set(files.map((file) => file.account))].sort()
    const seen = [...new Set(files.map((file) => file.account))] // in listing order
    const plain = await runInProcess(['digest', SAMPLE, '--account', '999999999999'])
    const line = `vpcflow: no log files matched: ${files.length} listed, 0 of account 999999999999 (seen: ${seen.join(', ')})\n`
    expect(accounts.length).toBeGreaterThan(1)
    expect(plain.code).toBe(0)
    expect(plain.stderr).toBe(line)
    const failing = await runInProcess(['digest', SAMPLE, '--account', '999999999999', '--fail-empty'])
    expect(failing.code).toBe(3)
    expect(failing.stderr).toBe(line)
  })

  test('filters in turn: the count after each, up to the one that kept nothing', async () => {
    const account = files[0]!.account
    const ofAccount = files.filter((file) => file.account === account)
    const regions = [...new Set(ofAccount.map((file) => file.region))]
    const result = await runInProcess(['list', SAMPLE, '--account', account, '--region', 'xx-west-9', '--fail-empty'])
    expect(result.code).toBe(3)
    expect(result.stderr).toBe(
      `vpcflow: no log files matched: ${files.length} listed, ${ofAccount.length} of account ${account}, 0 in region xx-west-9 (seen: ${regions.join(', ')})\n`,
    )
  })

  test('an empty folder, and a folder of files that are not flow log files', async () => {
    const empty = join(work, 'empty')
    await mkdir(empty)
    expect((await runInProcess(['list', empty])).stderr).toBe(`vpcflow: no log files matched: none listed under ${empty}\n`)
    const plain = join(work, 'plain')
    await mkdir(plain)
    await writeFile(join(plain, 'a.log'), `${HEADER}\n`)
    await writeFile(join(plain, 'b.log'), `${HEADER}\n`)
    const result = await runInProcess(['digest', plain, '--fail-empty'])
    expect(result.code).toBe(3)
    expect(result.stderr).toBe(`vpcflow: no log files matched: none listed under ${plain} (2 other objects; --verbose lists them)\n`)
  })

  test('render of nothing says so; records that make no edges are said too', async () => {
    const result = await runInProcess(['render', SAMPLE, '--region', 'xx-west-9', '--fail-empty'])
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/^vpcflow: no log files matched: \d+ listed, 0 in region xx-west-9 \(seen: .*\)\n$/)
    const nodata = `${HEADER}\n2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n`
    const drawn = await runInProcess(['render', '-'], { input: nodata })
    expect(drawn.code).toBe(0)
    expect(drawn.stdout).toContain('</svg>')
    expect(drawn.stderr).toBe('vpcflow: nothing to draw: the records make no edges, the picture is empty\n')
  })

  test('standard input without a record', async () => {
    const result = await runInProcess(['digest', '-', '--fail-empty'], { input: `${HEADER}\n` })
    expect(result.code).toBe(3)
    expect(result.stderr).toBe('vpcflow: no records in -\n')
  })
})

describe('a bucket (s3rver)', () => {
  const BUCKET = 'empty-results'
  const times = ['2024-05-01T00:05Z', '2024-05-01T23:55Z', '2024-05-03T12:00Z'].map((time) => new Date(time))
  let s3: S3Server
  let client: S3Client

  beforeAll(async () => {
    const record = `2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 1714521600 1714521660 ACCEPT OK`
    ;({ s3, client } = await startBucket(
      BUCKET,
      times.map((time, i) => ({ key: fileKey({ account: '123456789012', region: 'us-east-1', flowLogId: 'fl-1', time, hash: `0000000${i}` }), body: gzipLog([record]) })),
    ))
  })
  afterAll(() => closeAll(client, s3))

  test('a window of hours inside listed days names the nearest files of those days', async () => {
    const args = ['list', `s3://${BUCKET}/AWSLogs/`, '--endpoint', s3.endpoint, '--path-style', '--start', '2024-05-01T06:00Z', '--end', '2024-05-01T18:00Z']
    const result = await runCli([...args, '--fail-empty'], { env: CREDENTIALS })
    expect(result.code, result.stderr).toBe(3)
    expect(result.stderr).toBe(
      'vpcflow: no log files matched: 2 listed, 0 in the window 2024-05-01T06:00Z..2024-05-01T18:00Z (nearest: 2024-05-01T00:05Z before, 2024-05-01T23:55Z after)\n',
    )
  })
})
