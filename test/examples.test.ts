import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fileKey, gzipLog, HEADER } from './support/flowLogs.js'
import { closeAll, startBucket, type S3Server } from './support/s3.js'

const run = promisify(execFile)
const BUCKET = 'example-flow-logs'
const now = Date.now()
const at = (minutesAgo: number) => new Date(Math.floor((now - minutesAgo * 60_000) / 300_000) * 300_000)
const record = (t: Date, bytes: number) =>
  `2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 ${bytes} ${t.getTime() / 1000} ${t.getTime() / 1000 + 60} ACCEPT OK`
const FILES = [
  { minutesAgo: 30, region: 'us-east-1', bytes: 100 },
  { minutesAgo: 90, region: 'eu-west-1', bytes: 20 },
  { minutesAgo: 60 * 30, region: 'us-east-1', bytes: 5 }, // outside a 24-hour window
]

let s3: S3Server
let client: S3Client
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  ;({ s3, client } = await startBucket(
    BUCKET,
    FILES.map(({ minutesAgo, region, bytes }, i) => {
      const time = at(minutesAgo)
      return { key: fileKey({ account: '123456789012', region, flowLogId: 'fl-1', time, hash: `0000000${i}` }), body: gzipLog([record(time, bytes)]) }
    }),
  ))
  env = {
    ...process.env,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
})
afterAll(() => closeAll(client, s3))

const example = (name: string, args: string[]) => run(process.execPath, ['--import', 'tsx', `examples/${name}`, ...args], { env, encoding: 'utf8' })

describe('the examples run', () => {
  test('digest-bucket digests what the bucket received in the last hours', async () => {
    const { stdout } = await example('digest-bucket.ts', [BUCKET, 'AWSLogs/', '24'])
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toBe(HEADER)
    expect(lines).toHaveLength(2) // one group: the two recent files, not the old one
    expect(lines[1]!.split(' ').slice(8, 10)).toEqual(['2', '120'])
  })

  test('draw-graph writes the DOT graph of one region', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vpcflow-example-'))
    try {
      const out = join(dir, 'graph.dot')
      await example('draw-graph.ts', [BUCKET, 'eu-west-1', out])
      const dot = await readFile(out, 'utf8')
      expect(dot).toContain('"10.0.0.1" -> "10.0.0.2"')
      expect(dot).toContain('vpcflow_bytes="20"')
      expect(dot.match(/ -> /g)).toHaveLength(1)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('own-pipeline prints the busiest groups of local files', async () => {
    // The sample's OK records by bytes: 8855 (IPv6, port 22), 4249 twice (22 and 3389), 336 twice (ICMP).
    const { stdout } = await example('own-pipeline.ts', ['test/fixtures/samples/default-v2.log'])
    expect(stdout.trim().split('\n').map((line) => line.trim().split(/\s+/)[0])).toEqual(['8855', '4249', '4249', '336', '336'])
    expect(stdout.split('\n')[0]!.trim()).toBe('8855  2001:db8:1234:a100:8d6e:3477:df66:f105 -> 2001:db8:1234:a102:3304:8879:34cf:4071:22 ACCEPT')
  })
})
