import { getEventListeners } from 'node:events'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { FlowLogError, listLogFiles, type ListLogFilesOptions, type LogFile, type SkippedObject } from 'vpcflow'
import { collect, deferred, ticks, waitFor } from './support/async.js'
import { fileKey, gzipLog, LAYOUTS, record, type FileSpec } from './support/flowLogs.js'
import { startProxy, type Proxy } from './support/proxy.js'
import { closeAll, countCommands, createBucket, putObjects, s3Client, startS3rver, type CommandCounter, type S3Server, type TestObject } from './support/s3.js'

const BUCKET = 'flow-logs'
const MANY = 'many-flow-logs'
const MANY_FILES = 2100

let s3: S3Server
let proxy: Proxy
let direct: S3Client
let client: S3Client
let sent: CommandCounter

/** What the layout bucket holds, and what a listing of it should give. */
const files: LogFile[] = []
const skipped: SkippedObject[] = []
/** What the big bucket holds. */
const manyFiles: LogFile[] = []
const manySkipped: SkippedObject[] = []

const byKey = <T extends { key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

/** A flow log file to upload, and the LogFile a listing should make of it. */
function logFile(bucket: string, spec: FileSpec, body: Uint8Array): { object: TestObject; file: LogFile } {
  const key = fileKey(spec)
  const file: LogFile = {
    bucket,
    key,
    account: spec.account,
    region: spec.region,
    flowLogId: spec.flowLogId,
    timestamp: new Date(spec.time.getTime()),
    hash: spec.hash,
    size: body.byteLength,
    format: spec.extension === 'log.parquet' ? 'parquet' : 'text',
  }
  return { object: { key, body }, file }
}

function layoutBucket(): TestObject[] {
  const objects: TestObject[] = []
  const add = (spec: FileSpec, body: Uint8Array): void => {
    const { object, file } = logFile(BUCKET, spec, body)
    objects.push(object)
    files.push(file)
  }
  const skip = (key: string, body: Uint8Array | string, reason: string): void => {
    objects.push({ key, body })
    skipped.push({ bucket: BUCKET, key, size: Buffer.byteLength(body), reason })
  }

  const accounts = [
    { account: '111122223333', flowLogId: 'fl-0123456789abcdef0' },
    { account: '444455556666', flowLogId: 'fl-0fedcba9876543210' },
  ]
  const regions = ['us-east-1', 'eu-west-1']
  const days = [Date.UTC(2024, 4, 1), Date.UTC(2024, 4, 2)]
  let n = 0
  for (const layout of LAYOUTS) {
    for (const { account, flowLogId } of accounts) {
      for (const region of regions) {
        for (const day of days) {
          n++
          // Hours and minutes vary so that every path segment and name field is checked.
          const time = new Date(day + (n % 24) * 3_600_000 + ((n * 5) % 60) * 60_000)
          const records = Array.from({ length: 1 + (n % 4) }, (_, i) =>
            record({
              account,
              eni: 'eni-1235b8ca123456789',
              src: `172.31.16.${n}`,
              dst: '172.31.16.21',
              srcport: 20_000 + i,
              dstport: 22,
              packets: n,
              bytes: 100 * n,
              start: time.getTime() / 1000,
            }),
          )
          add({ account, region, flowLogId, time, hash: `${(0xab00 + n).toString(16)}f0e1`, layout }, gzipLog(records))
        }
      }
    }
  }
  // Parquet files parse alike, with format `parquet`.
  add(
    { account: '111122223333', region: 'eu-west-1', flowLogId: 'fl-0123456789abcdef0', time: new Date(Date.UTC(2024, 4, 1, 23, 55)), hash: 'c0ffee12', layout: 'hive-hourly', extension: 'log.parquet' },
    Buffer.from('PAR1 not really parquet, only its name matters here PAR1'),
  )

  const name = (time: string, hash: string, ext = 'log.gz'): string =>
    `111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_${time}_${hash}.${ext}`
  skip('README.txt', 'Flow logs of the production accounts.\n', 'not a flow log file name')
  skip(
    'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T0000Z_9NpKd1rWzQ2sVb8x.json.gz',
    gzipLog(['{"Records":[]}']),
    'not a flow log file name',
  )
  // Folder markers, as the console creates them.
  skip('AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/', '', 'not a flow log file name')
  skip('AWSLogs/aws-account-id=444455556666/aws-service=vpcflowlogs/', '', 'not a flow log file name')
  // A flow log name, but nothing in it.
  skip(`AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/${name('20240501T1200Z', 'e0e0e0e0')}`, '', 'empty object')
  // Almost flow log names: no such date, a stray extension.
  skip(`AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/02/30/${name('20240230T1200Z', 'aaaa1111')}`, gzipLog([]), 'not a flow log file name')
  skip(`AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/${name('20240501T1205Z', 'bbbb2222', 'log.gz.tmp')}`, 'partial', 'not a flow log file name')

  files.sort(byKey)
  skipped.sort(byKey)
  return objects
}

function manyBucket(): TestObject[] {
  const body = gzipLog([
    record({ account: '777788889999', eni: 'eni-0aaaabbbbccccdddd', src: '10.0.0.1', dst: '10.0.0.2', srcport: 40_000, dstport: 443, packets: 1, bytes: 60, start: 1_714_521_600 }),
  ])
  const objects: TestObject[] = []
  const start = Date.UTC(2024, 4, 1)
  for (let i = 0; i < MANY_FILES; i++) {
    const spec: FileSpec = {
      account: '777788889999',
      region: 'us-west-2',
      flowLogId: 'fl-0aaaabbbbccccdddd',
      time: new Date(start + i * 5 * 60_000),
      hash: `h${i.toString(36)}`,
      layout: LAYOUTS[i % 4],
    }
    const { object, file } = logFile(MANY, spec, body)
    objects.push(object)
    manyFiles.push(file)
  }
  // Strays spread over the key space, so that they fall on different pages.
  for (const key of ['AWSLogs/777788889999/vpcflowlogs/us-west-2/2024/05/03/notes.txt', 'AWSLogs/aws-account-id=777788889999/README', 'zz-last.txt']) {
    objects.push({ key, body: 'x' })
    manySkipped.push({ bucket: MANY, key, size: 1, reason: 'not a flow log file name' })
  }
  manyFiles.sort(byKey)
  manySkipped.sort(byKey)
  return objects
}

/** S3 pages hold 1000 objects: how many pages the big bucket takes. */
const pageCount = (): number => Math.ceil((manyFiles.length + manySkipped.length) / 1000)

/** How many of the first 1000 objects of the big bucket (its first page) are flow log files. */
function filesOnFirstPage(): number {
  const keys = [...manyFiles, ...manySkipped].sort(byKey).slice(0, 1000)
  const fileKeys = new Set(manyFiles.map((file) => file.key))
  return keys.filter((object) => fileKeys.has(object.key)).length
}

beforeAll(async () => {
  s3 = await startS3rver()
  proxy = await startProxy(s3.endpoint)
  direct = s3Client(s3.endpoint)
  client = s3Client(proxy.endpoint)
  sent = countCommands(client)
  await createBucket(direct, BUCKET)
  await createBucket(direct, MANY)
  await putObjects(direct, BUCKET, layoutBucket())
  await putObjects(direct, MANY, manyBucket(), 64)
})

afterAll(() => closeAll(client, direct, proxy, s3))

beforeEach(() => {
  proxy.reset()
  sent.reset()
})

describe('listLogFiles', () => {
  test('yields exactly the flow log files of every layout, with every field, and reports the rest to onSkip', async () => {
    const reported: SkippedObject[] = []
    const listed = await collect(listLogFiles({ client, bucket: BUCKET, onSkip: (object) => reported.push(object) }))

    expect(files).toHaveLength(33)
    expect(listed).toEqual(files) // in key order, as S3 lists them
    expect(listed.filter((file) => file.format === 'parquet').map((file) => file.hash)).toEqual(['c0ffee12'])
    expect(reported.sort(byKey)).toEqual(skipped)
    expect(proxy.requestsFor('ListObjectsV2')).toHaveLength(1)
  })

  test('lists only the keys under a prefix, asking S3 for that prefix', async () => {
    const prefix = 'AWSLogs/aws-account-id=444455556666/'
    const reported: SkippedObject[] = []
    const listed = await collect(listLogFiles({ client, bucket: BUCKET, prefix, onSkip: (object) => reported.push(object) }))

    const expected = files.filter((file) => file.key.startsWith(prefix))
    expect(expected.length).toBe(8) // hive and hive-hourly, two regions, two days
    expect(listed).toEqual(expected)
    expect(reported).toEqual(skipped.filter((object) => object.key.startsWith(prefix)))
    const [request, ...more] = proxy.requestsFor('ListObjectsV2')
    expect(more).toHaveLength(0)
    expect(request?.query.get('prefix')).toBe(prefix)

    await expect(collect(listLogFiles({ client, bucket: BUCKET, prefix: 'AWSLogs/999999999999/' }))).resolves.toEqual([])
  })

  test(`lists ${MANY_FILES} files over several pages, one page at a time`, async () => {
    const reported: SkippedObject[] = []
    const listed = await collect(listLogFiles({ client, bucket: MANY, onSkip: (object) => reported.push(object) }))

    expect(listed).toHaveLength(MANY_FILES)
    expect(listed).toEqual(manyFiles)
    expect(reported).toEqual(manySkipped)
    const pages = proxy.requestsFor('ListObjectsV2')
    expect(pages).toHaveLength(pageCount())
    expect(pages.length).toBeGreaterThan(2)
    expect(pages[0]?.query.has('continuation-token')).toBe(false)
    for (const page of pages.slice(1)) expect(page.query.get('continuation-token')).toBeTruthy()
  })

  test('lists several pages under a prefix, asking for the prefix with each page', async () => {
    const prefix = 'AWSLogs/777788889999/' // the default and hourly layouts: half the files
    const reported: SkippedObject[] = []
    const listed = await collect(listLogFiles({ client, bucket: MANY, prefix, onSkip: (object) => reported.push(object) }))

    const expected = manyFiles.filter((file) => file.key.startsWith(prefix))
    expect(expected.length).toBeGreaterThan(1000)
    expect(listed).toEqual(expected)
    expect(reported).toEqual(manySkipped.filter((object) => object.key.startsWith(prefix)))
    const pages = proxy.requestsFor('ListObjectsV2')
    expect(pages).toHaveLength(2)
    for (const page of pages) expect(page.query.get('prefix')).toBe(prefix)
  })

  test('asks for the next page only when the consumer wants the file after the last of the page', async () => {
    const iterator = listLogFiles({ client, bucket: MANY })
    expect(sent.count('ListObjectsV2Command')).toBe(0) // nothing is sent before iterating
    for (let i = 0; i < filesOnFirstPage(); i++) {
      expect((await iterator.next()).value?.key).toBe(manyFiles[i]?.key)
      expect(sent.count('ListObjectsV2Command')).toBe(1)
    }
    expect((await iterator.next()).value?.key).toBe(manyFiles[filesOnFirstPage()]?.key)
    expect(sent.count('ListObjectsV2Command')).toBe(2)
    await iterator.return(undefined)
  })

  test('a consumer break stops the listing: no further ListObjectsV2 requests', async () => {
    for (const stopAfter of [1, filesOnFirstPage()]) {
      proxy.reset()
      sent.reset()
      let seen = 0
      for await (const file of listLogFiles({ client, bucket: MANY })) {
        expect(file.key).toBe(manyFiles[seen]?.key)
        if (++seen === stopAfter) break
      }
      await ticks(20)
      expect(sent.count('ListObjectsV2Command')).toBe(1)
      expect(proxy.requestsFor('ListObjectsV2')).toHaveLength(1)
      expect(proxy.inFlight).toBe(0)
    }
  })

  test('a missing bucket rejects with a FlowLogError naming the bucket and NoSuchBucket', async () => {
    const error = await collect(listLogFiles({ client, bucket: 'no-such-flow-logs' })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as FlowLogError).message).toContain('no-such-flow-logs')
    expect((error as FlowLogError).message).toContain('NoSuchBucket')
    expect((error as FlowLogError).object).toBe('s3://no-such-flow-logs/')
  })

  test('a listing request that gets no answer is sent again after stallTimeout; one that never does fails', async () => {
    const gate = deferred()
    let lists = 0
    proxy.hook = (request) => (request.operation === 'ListObjectsV2' && ++lists === 1 ? { type: 'forward', hold: gate.promise } : undefined)
    const files = await collect(listLogFiles({ client, bucket: BUCKET, stallTimeout: 100 }))
    expect(files.length).toBeGreaterThan(0)
    expect(lists).toBeGreaterThanOrEqual(2)
    gate.resolve()

    const never = deferred()
    proxy.hook = (request) => (request.operation === 'ListObjectsV2' ? { type: 'forward', hold: never.promise } : undefined)
    const error = await collect(listLogFiles({ client, bucket: BUCKET, stallTimeout: 50 })).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'FlowLogError', code: 'REQUEST_FAILED', object: `s3://${BUCKET}/`, attempts: 3 })
    expect((error as Error).message).toMatch(/ListObjectsV2 stalled: no answer within 50 ms, 3 attempts/)
    never.resolve()
  })

  describe('abort', () => {
    test('an aborted signal rejects with its reason, without a request', async () => {
      const reason = new Error('stop listing')
      const iterator = listLogFiles({ client, bucket: BUCKET, signal: AbortSignal.abort(reason) })
      await expect(iterator.next()).rejects.toBe(reason)
      expect(sent.count('ListObjectsV2Command')).toBe(0)
    })

    test('aborting while a page is being fetched rejects at once with the reason', async () => {
      const gate = deferred()
      proxy.hook = (request) => (request.operation === 'ListObjectsV2' ? { type: 'forward', hold: gate.promise } : undefined)
      const controller = new AbortController()
      const reason = new Error('stop listing')
      const next = listLogFiles({ client, bucket: BUCKET, signal: controller.signal }).next()
      await waitFor(() => proxy.requests[0]?.phase === 'holding', 'the listing to be held at the proxy')

      controller.abort(reason)
      await expect(next).rejects.toBe(reason) // while the proxy still holds the page
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
      await waitFor(() => proxy.inFlight === 0, 'the request to be closed')
      expect(proxy.requests[0]?.phase).toBe('closed')
      gate.resolve()
    })

    test('aborting while the consumer holds a file rejects the next one, even within a page', async () => {
      const controller = new AbortController()
      const reason = new Error('stop listing')
      const iterator = listLogFiles({ client, bucket: BUCKET, signal: controller.signal })
      expect((await iterator.next()).value).toEqual(files[0])
      controller.abort(reason)
      await expect(iterator.next()).rejects.toBe(reason)
      await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined })
      expect(sent.count('ListObjectsV2Command')).toBe(1)
    })

    test('a signal that is never aborted keeps no listener after a listing of several pages', async () => {
      const controller = new AbortController()
      const listed = await collect(listLogFiles({ client, bucket: MANY, signal: controller.signal }))
      expect(listed).toHaveLength(MANY_FILES)
      expect(sent.count('ListObjectsV2Command')).toBe(pageCount())
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    })
  })

  test('options are checked when it is called', () => {
    expect(() => listLogFiles({ bucket: BUCKET } as unknown as ListLogFilesOptions)).toThrow(TypeError)
    expect(() => listLogFiles({ client: {}, bucket: BUCKET } as unknown as ListLogFilesOptions)).toThrow(TypeError)
    expect(() => listLogFiles({ client } as unknown as ListLogFilesOptions)).toThrow(TypeError)
    expect(() => listLogFiles({ client, bucket: '' })).toThrow(TypeError)
    expect(() => listLogFiles({ client, bucket: BUCKET, signal: {} as AbortSignal })).toThrow(TypeError)
    expect(sent.count('ListObjectsV2Command')).toBe(0)
  })
})
