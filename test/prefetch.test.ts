import { getEventListeners } from 'node:events'
import { Agent } from 'node:http'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { FlowLogError, listLogFiles, prefetch, type FetchedLogFile, type LogFile, type PrefetchOptions } from 'vpcflow'
import { collect, deferred, ticks, waitFor, type Deferred } from './support/async.js'
import { fileKey, gzipLog, LAYOUTS, record, type FileSpec } from './support/flowLogs.js'
import { s3Error, startProxy, type Proxy } from './support/proxy.js'
import { closeAll, countCommands, createBucket, deleteObject, putObjects, s3Client, startS3rver, type CommandCounter, type S3Server, type TestObject } from './support/s3.js'

const BUCKET = 'prefetch-flow-logs'
const COUNT = 40

let s3: S3Server
let proxy: Proxy
let direct: S3Client

/** The 40 flow log files, in key order, and every uploaded body by key. */
let files: LogFile[] = []
/** Files that are not among the 40: a big one, and one deleted after listing. */
let big: LogFile
let gone: LogFile
const bodies = new Map<string, Buffer>()

const spec = (i: number, hash: string): FileSpec => ({
  account: '123456789010',
  region: 'us-east-1',
  flowLogId: 'fl-0123456789abcdef0',
  time: new Date(Date.UTC(2024, 4, 1, 0, 5 * i)),
  hash,
  layout: LAYOUTS[i % 4],
})

/** A gzip flow log of `n` records that do not compress away, so sizes differ from file to file. */
function logBody(i: number, n: number): Buffer {
  return gzipLog(
    Array.from({ length: n }, (_, r) =>
      record({
        account: '123456789010',
        eni: `eni-${(0x10000000 + i * 7919 + r * 104729).toString(16)}`,
        src: `10.${i}.${r % 256}.${(r * 37) % 256}`,
        dst: `172.31.${(r * 13) % 256}.${(i * 29 + r) % 256}`,
        srcport: 1024 + ((i * 997 + r * 7717) % 60_000),
        dstport: [22, 80, 443, 3389, 5432][r % 5]!,
        packets: 1 + ((r * 31 + i) % 500),
        bytes: 40 + ((r * 7919 + i * 104729) % 1_000_000),
        start: 1_714_521_600 + i * 300 + r,
      }),
    ),
  )
}

beforeAll(async () => {
  s3 = await startS3rver()
  proxy = await startProxy(s3.endpoint)
  direct = s3Client(s3.endpoint)
  await createBucket(direct, BUCKET)
  const objects: TestObject[] = []
  for (let i = 0; i < COUNT; i++) objects.push({ key: fileKey(spec(i, `a${i}b2c3`)), body: logBody(i, 10 + ((i * 17) % 40)) })
  objects.push({ key: `big/${fileKey(spec(100, 'b1g0b1g0'))}`, body: logBody(100, 3000) })
  objects.push({ key: `gone/${fileKey(spec(101, 'g0ne0000'))}`, body: logBody(101, 5) })
  for (const { key, body } of objects) bodies.set(key, body as Buffer)
  await putObjects(direct, BUCKET, objects)

  const listed = await collect(listLogFiles({ client: direct, bucket: BUCKET }))
  files = listed.filter((file) => file.key.startsWith('AWSLogs/'))
  big = listed.find((file) => file.key.startsWith('big/'))!
  gone = listed.find((file) => file.key.startsWith('gone/'))!
  await deleteObject(direct, BUCKET, gone.key)
})

afterAll(() => closeAll(direct, proxy, s3))

/** Clients made by a test, destroyed after it; and gates to open after it, so that no response stays held. */
const clients: S3Client[] = []
const gates: Deferred[] = []

beforeEach(() => {
  proxy.reset()
})

afterEach(async () => {
  for (const gate of gates.splice(0)) gate.resolve()
  await waitFor(() => proxy.inFlight === 0, 'the proxy to finish')
  for (const client of clients.splice(0)) client.destroy()
})

/** A client of the proxy, with its own agent (to look at its sockets) and a count of the commands it sends. */
function proxyClient(): { client: S3Client; agent: Agent; sent: CommandCounter } {
  const agent = new Agent({ keepAlive: true })
  const client = s3Client(proxy.endpoint, { agent })
  clients.push(client)
  return { client, agent, sent: countCommands(client) }
}

function gate(): Deferred {
  const g = deferred()
  gates.push(g)
  return g
}

const sizeOf = (key: string): number => bodies.get(key)!.byteLength
const keysOf = (items: readonly { key: string }[]): string[] => items.map((item) => item.key)
const busySockets = (agent: Agent): number => Object.values(agent.sockets).reduce((n, list) => n + (list?.length ?? 0), 0)

/** Checks that each fetched item carries its file and exactly the bytes uploaded for it. */
function expectFetched(items: readonly FetchedLogFile[], expected: readonly LogFile[]): void {
  expect(keysOf(items.map((item) => item.file))).toEqual(keysOf(expected))
  for (const [i, item] of items.entries()) {
    expect(item.file).toEqual(expected[i])
    expect(Buffer.from(item.body).equals(bodies.get(item.file.key)!)).toBe(true)
  }
}

/**
 * Waits until prefetching has gone as far as it can: nothing in flight at the proxy, and
 * every GetObject the client has sent has arrived there, still so after a few turns of
 * the event loop (in which a finished fetch would have made room for the next).
 */
async function settled(sent: CommandCounter): Promise<void> {
  const idle = (): boolean => proxy.inFlight === 0 && sent.count('GetObjectCommand') === proxy.requestsFor('GetObject').length
  do {
    await waitFor(idle, 'prefetching to settle')
    await ticks(10)
  } while (!idle())
}

describe('prefetch', () => {
  test('fetches every object with its bytes, in input order, with the default budget or none', async () => {
    const { client } = proxyClient()
    for (const options of [{}, { maxBytes: Infinity }, { concurrency: 1 }]) {
      expectFetched(await collect(prefetch({ client, ...options })(files)), files)
    }
    // An async source, as in a pipeline.
    expectFetched(await collect(prefetch({ client })(listLogFiles({ client, bucket: BUCKET, prefix: 'AWSLogs/' }))), files)
  })

  test('keeps at most `concurrency` GetObject requests in flight, and does reach that many', async () => {
    const { client, sent } = proxyClient()
    const held = gate()
    proxy.hook = (request) => (request.operation === 'GetObject' ? { type: 'forward', hold: held.promise } : undefined)
    const done = (async () => {
      const items: FetchedLogFile[] = []
      for await (const item of prefetch({ client, concurrency: 4, maxBytes: Infinity })(files)) {
        items.push(item)
        await settled(sent) // a slow consumer: everything that can be fetched ahead is
      }
      return items
    })()

    await waitFor(() => proxy.inFlight === 4, '4 requests in flight')
    await ticks(20)
    // While every response is held, no fifth request has even been sent.
    expect(sent.count('GetObjectCommand')).toBe(4)
    expect(keysOf(proxy.requestsFor('GetObject'))).toEqual(keysOf(files.slice(0, 4)))

    held.resolve()
    expectFetched(await done, files)
    expect(proxy.requestsFor('GetObject')).toHaveLength(COUNT)
    expect(proxy.peakInFlight).toBe(4)
  })

  test('keeps the limit when the consumer is slower than the fetches', async () => {
    const { client, sent } = proxyClient()
    const items: FetchedLogFile[] = []
    for await (const item of prefetch({ client, concurrency: 4, maxBytes: Infinity })(files)) {
      items.push(item)
      await settled(sent)
      await new Promise((resolve) => setTimeout(resolve, 5)) // each item takes the consumer a while
    }
    expectFetched(items, files)
    expect(proxy.peakInFlight).toBe(4)
  })

  test('holds at most maxBytes in objects being fetched or not yet released, with a slow consumer', async () => {
    const { client, sent } = proxyClient()
    const sizes = files.map((file) => file.size)
    const largest = Math.max(...sizes)
    const maxBytes = Math.floor(sizes.slice(0, 5).reduce((a, b) => a + b) * 1.1)
    let held = 0
    let peakHeld = 0
    proxy.hook = (request) => {
      if (request.operation === 'GetObject') {
        held += sizeOf(request.key)
        peakHeld = Math.max(peakHeld, held)
      }
      return undefined
    }

    const items: FetchedLogFile[] = []
    for await (const item of prefetch({ client, concurrency: 16, maxBytes })(files)) {
      items.push(item)
      await settled(sent) // let it fetch ahead as far as the budget allows
      held -= item.file.size // released by asking for the next
    }

    expectFetched(items, files)
    expect(peakHeld).toBeLessThanOrEqual(maxBytes)
    // It did fill the budget: the next object did not fit.
    expect(peakHeld).toBeGreaterThan(maxBytes - largest)
    // The budget, not the concurrency, was the limit.
    expect(proxy.peakInFlight).toBeLessThan(16)
  })

  test('fetches an object larger than maxBytes alone, once nothing else is held, without deadlock', async () => {
    const { client, sent } = proxyClient()
    const input = [files[0]!, files[1]!, big, files[2]!, files[3]!]
    const maxBytes = files[0]!.size + files[1]!.size + 10
    expect(big.size).toBeGreaterThan(maxBytes)
    const holding = new Set<string>()
    const heldAtStart = new Map<string, string[]>()
    proxy.hook = (request) => {
      if (request.operation === 'GetObject') {
        heldAtStart.set(request.key, [...holding])
        holding.add(request.key)
      }
      return undefined
    }

    const items: FetchedLogFile[] = []
    for await (const item of prefetch({ client, concurrency: 8, maxBytes })(input)) {
      items.push(item)
      await settled(sent)
      holding.delete(item.file.key)
    }

    expectFetched(items, input)
    expect(heldAtStart.get(files[1]!.key)).toEqual([files[0]!.key]) // the two small ones fit together
    expect(heldAtStart.get(big.key)).toEqual([]) // the big one waits until nothing is held
    expect(heldAtStart.get(files[2]!.key)).toEqual([]) // and nothing joins it

    // A budget of 0 fetches one object at a time.
    proxy.reset()
    expectFetched(await collect(prefetch({ client, concurrency: 8, maxBytes: 0 })(input)), input)
    expect(proxy.peakInFlight).toBe(1)
  })

  test('yields in input order by default, and in completion order with ordered: false', async () => {
    const { client } = proxyClient()
    const input = files.slice(0, 3)
    for (const ordered of [false, true]) {
      proxy.reset()
      const holds = new Map(input.map((file) => [file.key, gate()]))
      proxy.hook = (request) => ({ type: 'forward', hold: holds.get(request.key)?.promise })
      const received: string[] = []
      const done = (async () => {
        for await (const { file } of prefetch({ client, concurrency: 3, ordered })(input)) received.push(file.key)
      })()
      await waitFor(() => proxy.requests.filter((r) => r.phase === 'holding').length === 3, 'all three to be held')

      // Complete them last to first.
      for (const [i, file] of [...input].reverse().entries()) {
        holds.get(file.key)!.resolve()
        if (i === 2) break
        if (ordered) {
          await waitFor(() => proxy.requests.find((r) => r.key === file.key)?.phase === 'done', `${file.key} to be sent`)
          await ticks(20)
          expect(received).toEqual([]) // the first is still missing
        } else {
          await waitFor(() => received.length === i + 1, `${i + 1} items`)
        }
      }
      await done
      expect(received).toEqual(keysOf(ordered ? input : [...input].reverse()))
    }
  })

  test('a GetObject counts as in flight until its body is read to the end', async () => {
    const { client, sent } = proxyClient()
    const rest = gate()
    proxy.hook = (request) =>
      request.key === big.key ? { type: 'forward', pause: { afterBytes: Math.floor(big.size / 2), until: rest.promise } } : undefined
    const input = [big, files[0]!]
    const done = collect(prefetch({ client, concurrency: 1, maxBytes: Infinity })(input))

    await waitFor(() => proxy.requests[0]?.phase === 'paused', 'half the body to be sent')
    await waitFor(() => sent.answered('GetObjectCommand') === 1, 'the client to have the response headers')
    await ticks(20)
    expect(sent.count('GetObjectCommand')).toBe(1)
    expect(proxy.requests).toHaveLength(1)

    rest.resolve()
    expectFetched(await done, input)
    expect(keysOf(proxy.requests)).toEqual(keysOf(input))
    expect(proxy.peakInFlight).toBe(1)
  })

  test('many fetches in flight set off no MaxListenersExceededWarning', async () => {
    const { client } = proxyClient()
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => {
      if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning)
    }
    process.on('warning', onWarning)
    try {
      expectFetched(await collect(prefetch({ client, concurrency: 32, maxBytes: Infinity })(files)), files)
      expect(proxy.peakInFlight).toBeGreaterThan(10)
      await ticks(5)
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).toEqual([])
  })

  describe('failures', () => {
    test('a listed key deleted before the get (NoSuchKey) rejects with a FlowLogError naming s3://bucket/key', async () => {
      const { client } = proxyClient()
      const error = await collect(prefetch({ client, concurrency: 2 })([files[0]!, gone, files[1]!])).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(FlowLogError)
      expect((error as FlowLogError).message).toContain(`s3://${BUCKET}/${gone.key}`)
      expect((error as FlowLogError).message).toContain('NoSuchKey')
      expect((error as FlowLogError).object).toBe(`s3://${BUCKET}/${gone.key}`)
    })

    test('AccessDenied rejects with a FlowLogError naming s3://bucket/key, without retrying', async () => {
      const { client } = proxyClient()
      const denied = files[3]!
      proxy.hook = (request) => (request.key === denied.key ? s3Error(403, 'AccessDenied', 'Access Denied') : undefined)
      const error = await collect(prefetch({ client, concurrency: 2 })(files.slice(0, 6))).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(FlowLogError)
      expect((error as FlowLogError).message).toContain(`s3://${BUCKET}/${denied.key}`)
      expect((error as FlowLogError).message).toContain('AccessDenied')
      expect((error as FlowLogError).message).toContain('403')
      expect(proxy.requests.filter((r) => r.key === denied.key)).toHaveLength(1)
    })
  })

  describe('stopping', () => {
    test('a consumer break after the first item leaves no request in flight and no busy socket', async () => {
      const { client, agent, sent } = proxyClient()
      const held = gate()
      proxy.hook = (request) => (request.key === files[0]!.key ? undefined : { type: 'forward', hold: held.promise })
      const controller = new AbortController()
      const fetching = prefetch({ client, concurrency: 6, signal: controller.signal })(files)
      let first: FetchedLogFile | undefined
      for await (const item of fetching) {
        first = item
        // Five more are in flight, held at the proxy.
        await waitFor(() => proxy.requests.filter((r) => r.phase === 'holding').length === 5, '5 held requests')
        expect(busySockets(agent)).toBe(5)
        break
      }
      expectFetched([first!], [files[0]!])

      await waitFor(() => proxy.inFlight === 0, 'no request in flight at the proxy')
      await waitFor(() => busySockets(agent) === 0, 'no busy socket in the client')
      expect(Object.keys(agent.requests)).toHaveLength(0)
      // The proxy sees the same: only the idle keep-alive connection of the first request is left.
      const idle = Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0)
      expect(idle).toBe(1)
      await waitFor(() => proxy.openConnections === idle, 'the proxy to see the connections closed')
      await ticks(20)
      expect(sent.count('GetObjectCommand')).toBe(6)
      expect(proxy.requests).toHaveLength(6)
      expect(proxy.requests.filter((r) => r.phase === 'closed')).toHaveLength(5)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
      await expect(fetching.next()).resolves.toEqual({ done: true, value: undefined })
    })

    test('aborting mid-way rejects with the reason at once, while responses are held, and leaves no listener', async () => {
      const { client, agent } = proxyClient()
      const held = gate()
      const free = new Set(keysOf(files.slice(0, 2)))
      proxy.hook = (request) => (free.has(request.key) ? undefined : { type: 'forward', hold: held.promise })
      const controller = new AbortController()
      const reason = new Error('enough')
      const received: string[] = []
      const done = (async () => {
        for await (const { file } of prefetch({ client, concurrency: 4, signal: controller.signal })(files)) received.push(file.key)
      })()
      await waitFor(() => received.length === 2 && proxy.requests.filter((r) => r.phase === 'holding').length === 4, 'two items and four held')

      controller.abort(reason)
      await expect(done).rejects.toBe(reason) // with every response still held
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
      await waitFor(() => proxy.inFlight === 0, 'no request in flight at the proxy')
      await waitFor(() => busySockets(agent) === 0, 'no busy socket in the client')
      expect(received).toEqual(keysOf(files.slice(0, 2)))
    })

    test('an abort while the consumer holds an item rejects its next request', async () => {
      const { client } = proxyClient()
      const controller = new AbortController()
      const reason = new Error('enough')
      const fetching = prefetch({ client, concurrency: 2, signal: controller.signal })(files)
      expectFetched([(await fetching.next()).value as FetchedLogFile], [files[0]!])
      controller.abort(reason)
      await expect(fetching.next()).rejects.toBe(reason)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    })

    test('an aborted signal rejects with its reason before any request', async () => {
      const { client, sent } = proxyClient()
      const reason = new Error('never mind')
      await expect(collect(prefetch({ client, signal: AbortSignal.abort(reason) })(files))).rejects.toBe(reason)
      expect(sent.count('GetObjectCommand')).toBe(0)
    })

    test('a signal that is never aborted keeps no listener once the fetching is over', async () => {
      const { client } = proxyClient()
      const controller = new AbortController()
      expectFetched(await collect(prefetch({ client, concurrency: 8, signal: controller.signal })(files)), files)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    })
  })

  test('options are checked when it is called', () => {
    const client = direct
    const bad: PrefetchOptions[] = [
      { client, concurrency: 0 },
      { client, concurrency: -1 },
      { client, concurrency: 1.5 },
      { client, concurrency: NaN },
      { client, maxBytes: -1 },
      { client, maxBytes: NaN },
      { client, maxBytes: 1.5 },
      { client, signal: {} as AbortSignal },
      { client: {} as PrefetchOptions['client'] },
    ]
    for (const [i, options] of bad.entries()) expect(() => prefetch(options), `options ${i}`).toThrow(TypeError)
    expect(() => prefetch({ client, concurrency: 1, maxBytes: 0 })).not.toThrow()
  })
})
