/**
 * Faults from S3, through the proxy in front of s3rver: transient ones (500, 503 SlowDown,
 * a reset before the response, a body cut mid-stream, a stalled body or response) are
 * survived with a result byte-identical to a fault-free run; persistent ones fail with an
 * error naming the key and the attempts made, or are skipped when reading leniently.
 */
import { inspect } from 'node:util'
import { Agent } from 'node:http'
import { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import {
  concatBodies,
  digest,
  FlowLogError,
  listLogFiles,
  prefetch,
  records,
  skipReport,
  type FetchedLogFile,
  type LogFile,
  type PrefetchOptions,
} from 'vpcflow'
import { collect, waitFor } from './support/async.js'
import { fileKey, gzipLog, record, type FileSpec } from './support/flowLogs.js'
import { byKey, faults, startProxy, type Proxy, type ProxyAction } from './support/proxy.js'
import { closeAll, createBucket, deleteObject, fastRetryStrategy, putObjects, s3Client, startS3rver, type S3Server } from './support/s3.js'
import { seededRandom } from './support/text.js'

const BUCKET = 'faulty-flow-logs'
const COUNT = 12
/** Short enough to keep stall tests fast, long enough that a healthy local response never trips it, even when the host takes the CPU for a while (250 ms once did, under load in CI). */
const STALL = 1000

let s3: S3Server
let proxy: Proxy
let direct: S3Client
let files: LogFile[] = []
const sizes = new Map<string, number>()

/** What the uploaded records add up to: the ground truth a run is checked against. */
const truth = { records: 0, packets: 0n, bytes: 0n }
/** The digest of a fault-free run, straight from s3rver. */
let cleanDigest: Buffer

const spec = (i: number): FileSpec => ({
  account: '123456789010',
  region: 'eu-west-1',
  flowLogId: 'fl-0fa17fa17fa17fa17',
  time: new Date(Date.UTC(2024, 5, 1, 0, 5 * i)),
  hash: `f${i}a17`,
})

function recordsOf(i: number): string[] {
  return Array.from({ length: 60 + i * 7 }, (_, r) => {
    const packets = 1 + ((r * 13 + i * 7) % 97)
    const bytes = 60 + ((r * 7919 + i * 104729) % 90_000)
    truth.records++
    truth.packets += BigInt(packets)
    truth.bytes += BigInt(bytes)
    return record({
      account: '123456789010',
      eni: `eni-0${(i % 3) + 1}`,
      src: `10.0.${i % 4}.${r % 17}`,
      dst: `10.1.${r % 5}.${(i + r) % 9}`,
      srcport: 32768 + ((r * 7717 + i) % 28000),
      dstport: [443, 80, 5432][r % 3]!,
      packets,
      bytes,
      start: 1_717_200_000 + i * 300 + r,
    })
  })
}

beforeAll(async () => {
  s3 = await startS3rver()
  proxy = await startProxy(s3.endpoint)
  direct = s3Client(s3.endpoint)
  await createBucket(direct, BUCKET)
  const objects = Array.from({ length: COUNT }, (_, i) => ({ key: fileKey(spec(i)), body: gzipLog(recordsOf(i)) }))
  for (const { key, body } of objects) sizes.set(key, body.length)
  await putObjects(direct, BUCKET, objects)
  files = await collect(listLogFiles({ client: direct, bucket: BUCKET }))
  expect(files).toHaveLength(COUNT)
  cleanDigest = (await run(direct)).digest
})

afterAll(() => closeAll(direct, proxy, s3))

const clients: S3Client[] = []
const agents: Agent[] = []
beforeEach(() => proxy.reset())
afterEach(async () => {
  vi.restoreAllMocks()
  proxy.hook = undefined
  await waitFor(() => proxy.inFlight === 0, 'the proxy to finish')
  for (const client of clients.splice(0)) client.destroy()
  agents.splice(0)
})

/** A client of the proxy whose SDK retries 500, 503 and resets up to 3 attempts, at once. */
function proxyClient(maxAttempts = 3): S3Client {
  const agent = new Agent({ keepAlive: true })
  const client = s3Client(proxy.endpoint, { agent, maxAttempts })
  clients.push(client)
  agents.push(agent)
  return client
}

const busySockets = (): number =>
  agents.reduce((n, agent) => n + Object.values(agent.sockets).reduce((m, list) => m + (list?.length ?? 0), 0), 0)

interface Run {
  digest: Buffer
  /** Keys in the order prefetch handed them over. */
  fetched: string[]
  records: number
  packets: bigint
  bytes: bigint
}

/** The whole pipeline, list to digest, counting what prefetch hands over and what the records add up to. */
async function run(client: S3Client, options: PrefetchOptions = {}): Promise<Run> {
  const bodies: FetchedLogFile[] = []
  async function* tap(source: AsyncIterable<FetchedLogFile>): AsyncGenerator<FetchedLogFile> {
    for await (const item of source) {
      bodies.push(item)
      yield item
    }
  }
  const chunks = await collect(pipe(listLogFiles({ client, bucket: BUCKET }), prefetch({ client, ...options }), tap, concatBodies(), digest()))
  const result: Run = { digest: Buffer.concat(chunks), fetched: bodies.map((b) => b.file.key), records: 0, packets: 0n, bytes: 0n }
  for await (const r of pipe(bodies, concatBodies(), records())) {
    if (r.logStatus !== 'OK') continue
    result.records++
    result.packets += BigInt(r.packets ?? 0)
    result.bytes += BigInt(r.bytes ?? 0)
  }
  return result
}

/** Nothing lost, nothing counted twice: the same digest bytes, every object once, the uploaded totals. */
function expectIntact(result: Run, ordered = true): void {
  expect(result.digest.equals(cleanDigest)).toBe(true)
  const keys = files.map((file) => file.key)
  expect(ordered ? result.fetched : [...result.fetched].sort()).toEqual(ordered ? keys : [...keys].sort())
  expect({ records: result.records, packets: result.packets, bytes: result.bytes }).toEqual(truth)
}

const getsFor = (key: string) => proxy.requestsFor('GetObject').filter((r) => r.key === key)
const half = (key: string): number => Math.floor(sizes.get(key)! / 2)
const noWait = { backoff: 0 }

describe('transient faults are retried, and the result is as if there were none', () => {
  /** Each fault, and who retries it: the SDK (before the body starts) or prefetch (once the body has). */
  const once: Array<[string, 'the SDK' | 'prefetch', (key: string) => ProxyAction, PrefetchOptions]> = [
    ['500 InternalError', 'the SDK', () => faults.internalError(), {}],
    ['503 SlowDown', 'the SDK', () => faults.slowDown(), {}],
    ['a reset before the response', 'the SDK', () => faults.reset(), {}],
    ['a body cut mid-stream', 'prefetch', (key) => faults.cut(half(key)), noWait],
    ['a body cut right after its headers', 'prefetch', () => faults.cut(0), noWait],
    ['a body that stalls', 'prefetch', (key) => faults.stall(half(key)), { ...noWait, stallTimeout: STALL }],
    ['a response that never comes', 'prefetch', () => faults.hang(), { ...noWait, stallTimeout: STALL }],
  ]

  test.each(once)('%s, once on every object (retried by %s)', async (_, retrier, fault, options) => {
    // The other party gets a single attempt, so only the one named can have saved the run.
    const client = proxyClient(retrier === 'the SDK' ? 3 : 1)
    proxy.hook = byKey((key, n) => (n === 1 ? fault(key) : undefined))
    expectIntact(await run(client, { concurrency: 4, ...options, ...(retrier === 'the SDK' ? { attempts: 1 } : {}) }))
    // Each object was asked for exactly twice: the fault, then the good answer.
    for (const file of files) expect(getsFor(file.key), file.key).toHaveLength(2)
  })

  test('many faults mixed at random (seeded), in any order and concurrency, never change the result', async () => {
    const random = seededRandom(20240601)
    const kinds: Array<(key: string) => ProxyAction> = [
      () => faults.internalError(),
      () => faults.slowDown(),
      () => faults.reset(),
      (key) => faults.cut(Math.floor(random() * sizes.get(key)!)),
      (key) => faults.stall(Math.floor(random() * sizes.get(key)!)),
    ]
    for (let round = 0; round < 4; round++) {
      proxy.reset()
      // Up to two faults per object: within both the SDK's 3 attempts and prefetch's 3.
      const plans = new Map(files.map((file) => [file.key, Array.from({ length: Math.floor(random() * 3) }, () => kinds[Math.floor(random() * kinds.length)]!)]))
      proxy.hook = byKey((key, n) => plans.get(key)?.[n - 1]?.(key))
      const ordered = random() < 0.5
      const options = { concurrency: 1 + Math.floor(random() * 6), ordered, maxBytes: random() < 0.5 ? Infinity : 4096, stallTimeout: STALL, backoff: 0 }
      expectIntact(await run(proxyClient(), options), ordered)
      for (const file of files) expect(getsFor(file.key), file.key).toHaveLength(plans.get(file.key)!.length + 1)
    }
  })

  test('prefetch waits its backoff before each retry of a broken body, retry 1, 2... given to the function', async () => {
    const client = proxyClient()
    const [target] = files
    proxy.hook = byKey((key, n) => (key === target!.key && n <= 2 ? faults.cut(half(key)) : undefined))
    const asked: number[] = []
    const closedAt: number[] = []
    const items = await collect(
      prefetch({
        client,
        attempts: 3,
        backoff: (retry) => {
          asked.push(retry)
          closedAt.push(Date.now())
          return 40 * retry
        },
      })([target!]),
    )
    expect(items).toHaveLength(1)
    expect(asked).toEqual([1, 2])
    const gets = getsFor(target!.key)
    expect(gets).toHaveLength(3)
    // Each retry came no sooner than its backoff after the failure (a lower bound only).
    const arrivals = gets.map((r) => r.arrivedAt)
    expect(arrivals[1]! - closedAt[0]!).toBeGreaterThanOrEqual(40 - 2)
    expect(arrivals[2]! - closedAt[1]!).toBeGreaterThanOrEqual(80 - 2)
  })

  test('the default backoff is exponential with full jitter: a random wait up to base × 2^(retry-1)', async () => {
    const client = proxyClient()
    const [target] = files
    proxy.hook = byKey((key, n) => (n <= 2 ? faults.cut(half(key)) : undefined))
    const timeouts: number[] = []
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    await collect(prefetch({ client, backoff: 30, stallTimeout: Infinity })([target!]))
    for (const call of setTimeoutSpy.mock.calls) timeouts.push(Number(call[1]))
    // Half (the mocked random draw) of 30 and of 60.
    expect(timeouts.filter((ms) => ms === 15 || ms === 30)).toEqual([15, 30])
  })
})

describe('persistent faults fail naming the key and the attempts, or are skipped when lenient', () => {
  const persistent: Array<[string, (key: string) => ProxyAction, PrefetchOptions, number, RegExp]> = [
    ['500 InternalError', () => faults.internalError(), {}, 3, /GetObject failed \(HTTP 500\) after 3 attempts: InternalError/],
    ['503 SlowDown', () => faults.slowDown(), {}, 3, /GetObject failed \(HTTP 503\) after 3 attempts: SlowDown/],
    ['a reset before every response', () => faults.reset(), {}, 3, /GetObject failed after 3 attempts/],
    ['a body cut every time', (key) => faults.cut(half(key)), { ...noWait, attempts: 3 }, 3, /GetObject failed after 3 attempts: the body broke off after \d+ of \d+ bytes/],
    ['a body that always stalls', (key) => faults.stall(half(key)), { ...noWait, attempts: 2, stallTimeout: STALL }, 2, new RegExp(`GetObject failed after 2 attempts: the body stalled: no data for ${STALL} ms after \\d+ of \\d+ bytes`)],
    ['a response that never comes', () => faults.hang(), { ...noWait, attempts: 2, stallTimeout: STALL }, 2, new RegExp(`GetObject failed after 2 attempts: the response stalled: no headers ${STALL} ms after sending`)],
    ['403 AccessDenied', () => faults.accessDenied(), {}, 1, /GetObject failed \(HTTP 403\) after 1 attempt: AccessDenied/],
    ['404 NoSuchKey', () => faults.noSuchKey(), {}, 1, /GetObject failed \(HTTP 404\) after 1 attempt: NoSuchKey/],
  ]

  test.each(persistent)('%s', async (_, fault, options, attempts, message) => {
    const client = proxyClient()
    const bad = files[5]!
    const url = `s3://${BUCKET}/${bad.key}`
    proxy.hook = byKey((key) => (key === bad.key ? fault(key) : undefined))

    const error = await run(client, { concurrency: 3, ...options }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect(error).toMatchObject({ code: 'REQUEST_FAILED', object: url, attempts })
    expect((error as FlowLogError).message.startsWith(`${url}: `)).toBe(true)
    expect((error as FlowLogError).message).toMatch(message)
    expect(getsFor(bad.key)).toHaveLength(attempts)

    // Lenient: reported once, skipped, and the rest is read whole.
    proxy.reset()
    proxy.hook = byKey((key) => (key === bad.key ? fault(key) : undefined))
    const report = skipReport()
    const lenient = await run(client, { concurrency: 3, ...options, onError: report.add })
    expect(report.objects).toBe(1)
    expect(report.errors[0]).toMatchObject({ code: 'REQUEST_FAILED', object: url, attempts })
    expect(lenient.fetched).toEqual(files.filter((file) => file !== bad).map((file) => file.key))
    const reference = Buffer.concat(
      await collect(pipe(files.filter((file) => file !== bad), prefetch({ client: direct }), concatBodies(), digest())),
    )
    expect(lenient.digest.equals(reference)).toBe(true)
  })

  test('attempts add up over the SDK and prefetch: a cut body, then three 500s, is 4 attempts', async () => {
    const client = proxyClient()
    const bad = files[2]!
    proxy.hook = byKey((key, n) => (key !== bad.key ? undefined : n === 1 ? faults.cut(half(key)) : faults.internalError()))
    const error = await collect(prefetch({ client, backoff: 0 })([bad])).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect(error).toMatchObject({ attempts: 4 })
    expect((error as FlowLogError).message).toMatch(/GetObject failed \(HTTP 500\) after 4 attempts: InternalError/)
    expect(getsFor(bad.key)).toHaveLength(4)
  })

  test('a key listed, then deleted before its get, fails naming it; leniently the others are all read', async () => {
    const bucket = 'vanishing-flow-logs'
    await createBucket(direct, bucket)
    const objects = [0, 1, 2].map((i) => ({ key: fileKey(spec(i)), body: gzipLog(recordsOf(100 + i)) }))
    await putObjects(direct, bucket, objects)
    const client = proxyClient()
    const listed = await collect(listLogFiles({ client, bucket }))
    await deleteObject(direct, bucket, listed[1]!.key)
    const url = `s3://${bucket}/${listed[1]!.key}`
    await expect(collect(prefetch({ client })(listed))).rejects.toThrow(new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: GetObject failed \\(HTTP 404\\) after 1 attempt: NoSuchKey`))
    const report = skipReport()
    const items = await collect(prefetch({ client, onError: report.add })(listed))
    expect(items.map((item) => item.file.key)).toEqual([listed[0]!.key, listed[2]!.key])
    expect(report.errors.map((e) => e.object)).toEqual([url])
  })

  test('after a persistent failure nothing is left in flight: no busy socket, no request at the proxy', async () => {
    const client = proxyClient()
    proxy.hook = byKey((key, n) => (key === files[0]!.key ? faults.cut(half(key)) : n === 1 ? faults.stall(10) : undefined))
    await expect(collect(prefetch({ client, concurrency: 6, backoff: 0, attempts: 2, stallTimeout: 60_000 })(files))).rejects.toThrow(/after 2 attempts/)
    await waitFor(() => proxy.inFlight === 0, 'no request in flight at the proxy')
    await waitFor(() => busySockets() === 0, 'no busy socket in the client')
  })
})

test('the retry options are checked when prefetch is called', () => {
  const bad: PrefetchOptions[] = [
    { attempts: 0 },
    { attempts: 1.5 },
    { attempts: NaN },
    { backoff: -1 },
    { backoff: NaN },
    { backoff: Infinity },
    { backoff: '10' as unknown as number },
    { stallTimeout: 0 },
    { stallTimeout: -5 },
    { stallTimeout: NaN },
  ]
  for (const [i, options] of bad.entries()) expect(() => prefetch({ client: direct, ...options }), `options ${i}`).toThrow(TypeError)
  for (const options of [{ attempts: 1 }, { backoff: 0 }, { backoff: () => 5 }, { stallTimeout: Infinity }, { stallTimeout: 0.5 }]) {
    expect(() => prefetch({ client: direct, ...options })).not.toThrow()
  }
})

describe('credentials and signatures never appear in errors', () => {
  const credentials = {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN0123456789',
  }

  /** An S3 that answers every request with a SignatureDoesNotMatch echoing all it was sent, as S3 itself does, and more. */
  function echoingS3(status: number): (request: { url: string; headers: Record<string, unknown> }) => ProxyAction {
    return (request) => {
      const authorization = String(request.headers.authorization ?? '')
      const token = String(request.headers['x-amz-security-token'] ?? '')
      const presigned = `https://bucket.s3.amazonaws.com${request.url}&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credentials.accessKeyId}%2F20240601%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=${'ab'.repeat(32)}&X-Amz-Security-Token=${token}`
      const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
      const body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>' +
        `<Message>${xml(`The signature does not match. Authorization: ${authorization} x-amz-security-token: ${token} URL: ${presigned}`)}</Message>` +
        `<AWSAccessKeyId>${credentials.accessKeyId}</AWSAccessKeyId>` +
        `<StringToSign>${xml(`AWS4-HMAC-SHA256\n20240601T000000Z\n${authorization}`)}</StringToSign>` +
        `<SignatureProvided>${xml(authorization.replace(/.*Signature=/, ''))}</SignatureProvided>` +
        `<CanonicalRequest>${xml(`GET\n${request.url}\nx-amz-security-token:${token}`)}</CanonicalRequest>` +
        '<RequestId>PROXY0000000000</RequestId><HostId>proxy</HostId></Error>'
      return { type: 'respond', status, headers: { 'content-type': 'application/xml' }, body }
    }
  }

  function expectClean(error: unknown, signatures: readonly string[]): void {
    expect(error).toBeInstanceOf(FlowLogError)
    const e = error as FlowLogError
    // What a log line shows, and what console.error(error) prints: the cause and its properties too.
    const texts = [e.message, String(e), e.stack ?? '', inspect(e, { depth: 10 }), JSON.stringify(e.cause ?? null)]
    for (const text of texts) {
      expect(text).not.toContain(credentials.accessKeyId)
      expect(text).not.toContain(credentials.secretAccessKey)
      expect(text).not.toContain(credentials.sessionToken)
      for (const signature of signatures) expect(text).not.toContain(signature)
      expect(text).not.toMatch(/X-Amz-(Signature|Credential|Security-Token)=(?!\[redacted\])/i)
      expect(text).not.toMatch(/Credential=(?!\[redacted\])/)
    }
    expect(e.message).toContain('SignatureDoesNotMatch')
    expect(e.message).toContain('[redacted]')
  }

  test('from GetObject and ListObjectsV2, in the message and in the S3 error kept as cause', async () => {
    const client = new S3Client({
      endpoint: proxy.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials,
      retryStrategy: fastRetryStrategy(1),
      requestHandler: { httpAgent: new Agent({ keepAlive: true }) },
    })
    clients.push(client)
    const signatures: string[] = []
    for (const status of [403, 400]) {
      proxy.reset()
      const echo = echoingS3(status)
      proxy.hook = (request) => {
        signatures.push(String(request.headers.authorization).replace(/.*Signature=/, ''))
        return echo(request)
      }
      const getError = await collect(prefetch({ client })([files[0]!])).catch((e: unknown) => e)
      const listError = await collect(listLogFiles({ client, bucket: BUCKET })).catch((e: unknown) => e)
      expect(signatures.every((s) => /^[0-9a-f]{64}$/.test(s))).toBe(true)
      expectClean(getError, signatures)
      expectClean(listError, signatures)
      expect((getError as FlowLogError).object).toBe(`s3://${BUCKET}/${files[0]!.key}`)
    }
  })
})
