import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { listLogFiles, type LogFile } from 'vpcflow'
import { collect } from './support/async.js'
import { fileKey, LAYOUTS, type FileSpec } from './support/flowLogs.js'
import { memoryBucket } from './support/memoryBucket.js'
import { closeAll, startBucket, type S3Server } from './support/s3.js'
import { seededRandom } from './support/text.js'

const BUCKET = 'windows'
const ACCOUNTS = ['111122223333', '444455556666', '777788889999']
const REGIONS = ['us-east-1', 'eu-west-1']
const DAY = 86_400_000
const FIRST = Date.UTC(2024, 0, 29) // across a month's end

/** A bucket of flow log files in every layout, `days` days of files every `minutes`, with other objects among them. */
function bucketKeys(days: number, minutes: number): Array<{ key: string; size: number }> {
  const objects: Array<{ key: string; size: number }> = []
  ACCOUNTS.forEach((account, a) => {
    for (const region of REGIONS) {
      for (let t = FIRST; t < FIRST + days * DAY; t += minutes * 60_000) {
        const layout = LAYOUTS[(a + REGIONS.indexOf(region)) % LAYOUTS.length]
        const spec: FileSpec = { account, region, flowLogId: `fl-0${a}a1b2c3d4e5f6071`, time: new Date(t), hash: `${(t / 60_000) % 1e8}`.padStart(8, '0'), layout }
        objects.push({ key: fileKey(spec), size: 100 })
        objects.push({ key: fileKey({ ...spec, flowLogId: 'fl-0ffffffffffffffff' }), size: 100 })
      }
    }
    objects.push({ key: `AWSLogs/${account}/CloudTrail/us-east-1/2024/01/30/${account}_CloudTrail_us-east-1_20240130T0000Z_x.json.gz`, size: 10 })
    objects.push({ key: `AWSLogs/${account}/vpcflowlogs/`, size: 0 })
  })
  objects.push({ key: 'AWSLogs/README.txt', size: 5 }, { key: 'notes/todo.txt', size: 5 })
  // Flow logs delivered under a bucket prefix of their own, and a file at the root.
  const custom = objects.filter((o) => o.key.startsWith(`AWSLogs/${ACCOUNTS[0]}/`) && o.size > 0).slice(0, 40)
  objects.push(...custom.map((o) => ({ key: `team-a/flow/${o.key}`, size: o.size })), { key: custom[0]!.key.split('/').pop()!, size: 100 })
  return objects
}

/** What a full listing and a filter keep: the reference the planned listing must equal. */
async function reference(
  client: S3Client,
  options: { prefix?: string; start?: Date; end?: Date; accounts?: string[]; regions?: string[] },
): Promise<string[]> {
  const all = await collect(listLogFiles({ client, bucket: BUCKET, prefix: options.prefix }))
  return all
    .filter((f) => (!options.start || f.timestamp >= options.start) && (!options.end || f.timestamp <= options.end))
    .filter((f) => (!options.accounts || options.accounts.includes(f.account)) && (!options.regions || options.regions.includes(f.region)))
    .map((f) => f.key)
}
const keysOf = (files: LogFile[]): string[] => files.map((f) => f.key)

describe('a listing given a window, accounts or regions', () => {
  const objects = bucketKeys(6, 30)
  const bucket = memoryBucket(BUCKET, objects)

  test('yields exactly what a full listing and a filter keep, in the same order, for random windows', async () => {
    const random = seededRandom(11)
    for (let i = 0; i < 60; i++) {
      const start = new Date(FIRST - DAY + Math.floor(random() * 8 * DAY / 60_000) * 60_000)
      const end = new Date(start.getTime() + Math.floor(random() * 3 * DAY / 60_000) * 60_000)
      const pick = <T>(items: T[]): T[] | undefined => (random() < 0.5 ? undefined : items.filter(() => random() < 0.6).concat(items[0]!).filter((v, j, a) => a.indexOf(v) === j))
      const prefixes = ['', 'AWSLogs/', 'AWSLogs', `AWSLogs/${ACCOUNTS[0]}/`, `AWSLogs/${ACCOUNTS[0]}/vpcflowlogs/us-east-1/`, 'team-a/', 'team-a/flow/AWSLogs/']
      const prefix = prefixes[Math.floor(random() * prefixes.length)]!
      const options = { prefix, start: random() < 0.9 ? start : undefined, end: random() < 0.9 ? end : undefined, accounts: pick(ACCOUNTS), regions: pick(REGIONS) }
      const planned = keysOf(await collect(listLogFiles({ client: bucket.client, bucket: BUCKET, ...options })))
      expect(planned, JSON.stringify(options)).toEqual(await reference(bucket.client, options))
    }
  })

  test('a one-hour window costs a handful of calls, midnight or not, however many days the bucket holds', async () => {
    const counts: number[] = []
    const full: number[] = []
    for (const days of [3, 6, 12]) {
      const big = memoryBucket(BUCKET, bucketKeys(days, 30))
      for (const start of [Date.UTC(2024, 0, 30, 10), Date.UTC(2024, 0, 30, 23, 30)]) {
        big.reset()
        const files = await collect(
          listLogFiles({ client: big.client, bucket: BUCKET, prefix: 'AWSLogs/', start: new Date(start), end: new Date(start + 3_600_000) }),
        )
        expect(files.length).toBeGreaterThan(0)
        counts.push(big.calls)
      }
      big.reset()
      await collect(listLogFiles({ client: big.client, bucket: BUCKET }))
      full.push(big.calls)
    }
    expect(full[0]).toBeLessThan(full[1]!) // a full listing grows with the bucket
    expect(full[1]).toBeLessThan(full[2]!)
    // The root; the regions of each account folder: three in the default layout (one holds
    // only a folder marker) and two Hive ones; then one listing per account and region.
    expect(Math.max(...counts)).toBe(1 + 5 + ACCOUNTS.length * REGIONS.length)
    expect(new Set(counts).size).toBe(1)
  })

  test('streams: each region is listed a page at a time, at most a page ahead of the consumer', async () => {
    const big = memoryBucket(BUCKET, bucketKeys(12, 5)) // some 3,500 files per region folder: several pages each
    const files = listLogFiles({ client: big.client, bucket: BUCKET, prefix: 'AWSLogs/', regions: ['us-east-1'], concurrency: 2 })
    await files.next()
    // The root, the region folders of 5 account folders, then the first page of 2 regions and the next page of the first.
    expect(big.calls).toBeLessThanOrEqual(1 + 5 + 3)
    await files.return(undefined)
  })

  test('accounts and regions alone narrow the folders listed', async () => {
    bucket.reset()
    const files = await collect(listLogFiles({ client: bucket.client, bucket: BUCKET, accounts: [ACCOUNTS[1]!], regions: ['eu-west-1'] }))
    expect(new Set(files.map((f) => `${f.account} ${f.region}`))).toEqual(new Set([`${ACCOUNTS[1]} eu-west-1`]))
    expect(keysOf(files)).toEqual(await reference(bucket.client, { accounts: [ACCOUNTS[1]!], regions: ['eu-west-1'] }))
  })

  test('bad options throw TypeError at the call', () => {
    const client = bucket.client
    expect(() => listLogFiles({ client, bucket: BUCKET, start: new Date('x') })).toThrow(TypeError)
    expect(() => listLogFiles({ client, bucket: BUCKET, start: new Date(2), end: new Date(1) })).toThrow(TypeError)
    expect(() => listLogFiles({ client, bucket: BUCKET, accounts: [] })).toThrow(TypeError)
    expect(() => listLogFiles({ client, bucket: BUCKET, concurrency: 0 })).toThrow(TypeError)
  })
})

describe('against a real S3 server', () => {
  let s3: S3Server
  let client: S3Client
  const objects = bucketKeys(2, 60).concat({ key: 'AWSLogs/aws-account-id=444455556666/', size: 0 })

  beforeAll(async () => {
    ;({ s3, client } = await startBucket(BUCKET, objects.map((o) => ({ key: o.key, body: 'x'.repeat(o.size) }))))
  })
  afterAll(() => closeAll(client, s3))

  // s3rver pages delimiter listings unlike S3 (common prefixes do not count toward a page),
  // so delimiter queries here fit in one page.
  test('the in-memory bucket answers ListObjectsV2 as the server does, page by page', async () => {
    const memory = memoryBucket(BUCKET, objects)
    const queries = [
      { Prefix: '' },
      { Prefix: 'AWSLogs/', Delimiter: '/' },
      { Prefix: `AWSLogs/${ACCOUNTS[0]}/vpcflowlogs/`, Delimiter: '/' },
      { Prefix: 'AWSLogs/', StartAfter: `AWSLogs/${ACCOUNTS[0]}/vpcflowlogs/us-east-1/2024/01/29` },
      { Prefix: 'AWSLogs/4', MaxKeys: 100 },
    ]
    for (const query of queries) {
      const pages = async (c: S3Client) => {
        const all: unknown[] = []
        let ContinuationToken: string | undefined
        do {
          const page = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, ...query, ContinuationToken }))
          all.push({ keys: (page.Contents ?? []).map((o) => [o.Key, o.Size]), prefixes: (page.CommonPrefixes ?? []).map((p) => p.Prefix), truncated: page.IsTruncated })
          ContinuationToken = page.NextContinuationToken
        } while (ContinuationToken)
        return all
      }
      expect(await pages(memory.client), JSON.stringify(query)).toEqual(await pages(client))
    }
  })

  test('a planned listing over HTTP equals a full listing and a filter', async () => {
    const windows = [
      { start: new Date(Date.UTC(2024, 0, 29, 22)), end: new Date(Date.UTC(2024, 0, 30, 2)) },
      { start: new Date(Date.UTC(2024, 0, 30, 5)), accounts: [ACCOUNTS[2]!] },
      { end: new Date(Date.UTC(2024, 0, 29, 12)), regions: ['us-east-1'] },
    ]
    for (const window of windows) {
      const planned = keysOf(await collect(listLogFiles({ client, bucket: BUCKET, ...window })))
      expect(planned.length).toBeGreaterThan(0)
      expect(planned).toEqual(await reference(client, window))
    }
  })
})
