/**
 * Stopping a pipeline at any point, by an abort or a consumer's `break`, through the real
 * S3 server (s3rver behind the proxy): afterwards no socket is busy, no request is in
 * flight, no timer of ours is left, no promise rejects unhandled, no abort listener is
 * left on the signal, and a process that ran such a pipeline exits by itself.
 */
import { spawn } from 'node:child_process'
import { getEventListeners } from 'node:events'
import { Agent } from 'node:http'
import { fileURLToPath } from 'node:url'
import type { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import {
  byTime,
  concatBodies,
  digest,
  filterLogFiles,
  listLogFiles,
  prefetch,
  records,
  toDot,
  toText,
  type PrefetchOptions,
} from 'vpcflow'
import { collect, deferred, ticks, waitFor } from './support/async.js'
import { fileKey, gzipLog, record, type FileSpec } from './support/flowLogs.js'
import { byKey, faults, startProxy, type Proxy, type ProxyHook } from './support/proxy.js'
import { closeAll, createBucket, putObjects, s3Client, startS3rver, type S3Server } from './support/s3.js'
import { seededRandom } from './support/text.js'

const BUCKET = 'hygienic-flow-logs'
const COUNT = 24

let s3: S3Server
let proxy: Proxy
let direct: S3Client
const sizes = new Map<string, number>()

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason)
}

const spec = (i: number): FileSpec => ({
  account: '123456789010',
  region: 'ap-southeast-2',
  flowLogId: 'fl-0c1ea40c1ea40c1ea',
  time: new Date(Date.UTC(2024, 6, 1, 0, 5 * i)),
  hash: `c1ea${i}`,
  layout: 'hourly',
})

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  trackTimers()
  s3 = await startS3rver()
  proxy = await startProxy(s3.endpoint)
  direct = s3Client(s3.endpoint)
  await createBucket(direct, BUCKET)
  const objects = Array.from({ length: COUNT }, (_, i) => ({
    key: fileKey(spec(i)),
    body: gzipLog(
      Array.from({ length: 200 + 40 * i }, (_, r) =>
        record({
          account: '123456789010',
          eni: `eni-0${i % 5}`,
          src: `10.${i}.${r % 50}.${r % 7}`,
          dst: `10.200.${r % 3}.${(r * 11) % 256}`,
          srcport: 1024 + ((r * 7919 + i) % 60000),
          dstport: [443, 53, 8080][r % 3]!,
          packets: 1 + (r % 40),
          bytes: 64 + ((r * 104729) % 65000),
          start: 1_719_792_000 + 300 * i + r,
        }),
      ),
    ),
  }))
  for (const { key, body } of objects) sizes.set(key, body.length)
  await putObjects(direct, BUCKET, objects)
})

afterAll(async () => {
  vi.restoreAllMocks()
  process.off('unhandledRejection', onUnhandled)
  await closeAll(direct, proxy, s3)
})

afterEach(() => {
  proxy.hook = undefined
})

const busySockets = (agent: Agent): number =>
  Object.values(agent.sockets).reduce((n, list) => n + (list?.length ?? 0), 0) +
  Object.values(agent.requests).reduce((n, list) => n + (list?.length ?? 0), 0)

/**
 * Timers set with `setTimeout` (by vpcflow, the SDK or anyone) that have neither fired nor
 * been cleared, and would keep the process alive (`hasRef()`), each with where it was set.
 * Counting Node's active resources instead would be fooled by other timers coming and going.
 */
const pending = new Map<NodeJS.Timeout, string>()
function trackTimers(): void {
  const set = globalThis.setTimeout
  const clear = globalThis.clearTimeout
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = set(() => {
      pending.delete(handle)
      callback(...args)
    }, ms)
    pending.set(handle, new Error('set here').stack ?? '')
    return handle
  }) as typeof setTimeout)
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation((handle) => {
    if (handle !== undefined && handle !== null && typeof handle === 'object') pending.delete(handle as NodeJS.Timeout)
    clear(handle as Parameters<typeof clearTimeout>[0])
  })
}
const timersLeft = (): string[] => [...pending].filter(([handle]) => handle.hasRef()).map(([, stack]) => stack)

type Stage = 'prefetch' | 'concatBodies' | 'digest' | 'records' | 'toText' | 'toDot'
const STAGES: readonly Stage[] = ['prefetch', 'concatBodies', 'digest', 'records', 'toText', 'toDot']

/** The pipeline from the listing up to `stage`, every stage given the signal. */
function pipeline(stage: Stage, client: S3Client, signal: AbortSignal, options: PrefetchOptions): AsyncIterable<unknown> {
  const fetched = pipe(
    listLogFiles({ client, bucket: BUCKET, signal }),
    filterLogFiles(byTime(new Date('2024-01-01'), new Date('2025-01-01'))),
    prefetch({ client, concurrency: 4, maxBytes: 64 * 1024, signal, ...options }),
  )
  if (stage === 'prefetch') return fetched
  const text = pipe(fetched, concatBodies({ signal }))
  switch (stage) {
    case 'concatBodies':
      return text
    case 'digest':
      return pipe(text, digest({ signal }))
    case 'records':
      return pipe(text, records({ signal }))
    case 'toText':
      return pipe(text, records({ signal }), toText({ signal }))
    case 'toDot':
      return pipe(text, toDot({ signal }))
  }
}

/** Where and how a run is stopped. */
type Stop =
  | { how: 'break' | 'abort'; at: 'item'; n: number }
  | { how: 'abort'; at: 'tick'; n: number }
  | { how: 'abort'; at: 'request'; n: number; hold: boolean }
  | { how: 'abort'; at: 'mid-body' | 'stall' | 'backoff'; n: number }

function scenario(random: () => number): { stage: Stage; stop: Stop } {
  const stage = STAGES[Math.floor(random() * STAGES.length)]!
  const n = Math.floor(random() * 12)
  const kinds: Stop[] = [
    { how: 'break', at: 'item', n },
    { how: 'abort', at: 'item', n },
    { how: 'abort', at: 'tick', n: n * 8 },
    { how: 'abort', at: 'request', n: 1 + n, hold: random() < 0.5 },
    { how: 'abort', at: 'mid-body', n: 1 + (n % 6) },
    { how: 'abort', at: 'stall', n: 1 + (n % 6) },
    { how: 'abort', at: 'backoff', n: 1 + (n % 6) },
  ]
  return { stage, stop: kinds[Math.floor(random() * kinds.length)]! }
}

/** Runs one pipeline and stops it as told; resolves with how it ended. */
async function stopRun(stage: Stage, stop: Stop, client: S3Client): Promise<{ ended: 'done' | 'broke' | 'aborted'; signal: AbortSignal }> {
  const controller = new AbortController()
  const reason = new Error(`stopped: ${stage} ${JSON.stringify(stop)}`)
  const abort = (): void => controller.abort(reason)
  const options: PrefetchOptions = { backoff: 0 }
  let hook: ProxyHook | undefined
  let waitForPoint: Promise<void> | undefined

  switch (stop.at) {
    case 'request':
      hook = () => {
        if (proxy.requests.length !== stop.n) return undefined // the n-th request since the reset
        abort()
        return stop.hold ? faults.hang() : undefined
      }
      break
    case 'mid-body':
    case 'stall': {
      // The n-th GetObject sends half its body, then nothing; the abort comes while it waits.
      let gets = 0
      hook = (request) => (request.operation === 'GetObject' && ++gets === stop.n ? faults.stall(Math.floor(sizes.get(request.key)! / 2)) : undefined)
      if (stop.at === 'stall') options.stallTimeout = 60_000 // a stall timer armed and waiting
      waitForPoint = waitFor(() => controller.signal.aborted || proxy.requests.some((r) => r.phase === 'paused'), 'a paused body', 10_000).then(abort)
      break
    }
    case 'backoff': {
      // Every body breaks off once; the retry waits a long backoff, and the abort comes during it.
      hook = byKey((key, n) => (n === 1 ? faults.cut(Math.floor(sizes.get(key)! / 2)) : undefined))
      let retries = 0
      options.backoff = () => {
        if (++retries === stop.n) setImmediate(abort)
        return 60_000
      }
      break
    }
    case 'tick': {
      let left = stop.n
      const tick = (): void => {
        if (controller.signal.aborted) return
        if (left-- <= 0) abort()
        else setImmediate(tick)
      }
      setImmediate(tick)
      break
    }
  }
  proxy.hook = hook

  let items = 0
  let ended: 'done' | 'broke' | 'aborted' = 'done'
  try {
    for await (const item of pipeline(stage, client, controller.signal, options)) {
      void item
      if (stop.at === 'item' && items++ === stop.n) {
        if (stop.how === 'break') {
          ended = 'broke'
          break
        }
        abort()
      }
    }
  } catch (error) {
    expect(error).toBe(reason)
    ended = 'aborted'
  }
  if (waitForPoint && !controller.signal.aborted) abort() // the pipeline ended before the point: stop the waiting
  await waitForPoint?.catch(() => {})
  return { ended, signal: controller.signal }
}

describe('stopping a pipeline anywhere leaves nothing behind', () => {
  test('48 seeded random stops: stage, point (item, tick, request, mid-body, stall, backoff) and abort or break', async () => {
    const random = seededRandom(0xc1ea4)
    const agent = new Agent({ keepAlive: true })
    const client = s3Client(proxy.endpoint, { agent })
    const outcomes = new Map<string, number>()
    try {
      for (let run = 0; run < 48; run++) {
        const { stage, stop } = scenario(random)
        const what = `run ${run}: ${stage}, ${JSON.stringify(stop)}`
        proxy.reset()
        const { ended, signal } = await stopRun(stage, stop, client)
        outcomes.set(`${stop.at}/${ended}`, (outcomes.get(`${stop.at}/${ended}`) ?? 0) + 1)
        if (stop.how === 'break') expect(ended, what).not.toBe('aborted')

        await waitFor(() => proxy.inFlight === 0, `${what}: no request in flight at the proxy`)
        await waitFor(() => busySockets(agent) === 0, `${what}: no busy socket in the client`)
        await waitFor(() => getEventListeners(signal, 'abort').length === 0, `${what}: no abort listener left`)
        await waitFor(() => timersLeft().length === 0, `${what}: no timer left`).catch((error: Error) => {
          throw new Error(`${error.message}: ${timersLeft().join('\n\n')}`)
        })
        await ticks(3)
        expect(unhandled, what).toEqual([])
      }
    } finally {
      client.destroy()
    }
    // The stops did land where they were meant to: mid-way, not only after the end.
    const stoppedEarly = [...outcomes].filter(([key]) => !key.endsWith('/done')).reduce((n, [, count]) => n + count, 0)
    expect(stoppedEarly).toBeGreaterThanOrEqual(40)
    for (const at of ['item', 'tick', 'request', 'mid-body', 'stall', 'backoff']) {
      expect([...outcomes.keys()].some((key) => key.startsWith(`${at}/`) && !key.endsWith('/done')), at).toBe(true)
    }
  })

  test('a prefetch stopped while its budget wait, its retries and its stall timer are all pending leaves nothing', async () => {
    const agent = new Agent({ keepAlive: true })
    const client = s3Client(proxy.endpoint, { agent })
    const files = await collect(listLogFiles({ client: direct, bucket: BUCKET }))
    const backingOff = deferred()
    let first = true
    proxy.hook = byKey((_key, n) => {
      if (n > 1) return undefined
      if (first) {
        first = false
        return faults.cut(10) // this one backs off
      }
      return faults.stall(10) // the others stall, with their stall timers armed
    })
    const controller = new AbortController()
    const reason = new Error('enough')
    const running = collect(
      prefetch({ client, concurrency: 3, maxBytes: 3 * Math.max(...sizes.values()), stallTimeout: 60_000, signal: controller.signal, backoff: () => (backingOff.resolve(), 60_000) })(files),
    )
    await backingOff.promise
    await waitFor(() => proxy.requests.filter((r) => r.phase === 'paused').length === 2, 'two stalled bodies')
    expect(timersLeft().length).toBeGreaterThanOrEqual(3) // the backoff and two stall timers
    controller.abort(reason)
    await expect(running).rejects.toBe(reason)
    await waitFor(() => timersLeft().length === 0, 'every timer cleared')
    await waitFor(() => proxy.inFlight === 0 && busySockets(agent) === 0, 'nothing in flight')
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    client.destroy()
  })
})

describe('a process that stops a pipeline exits by itself', () => {
  const script = fileURLToPath(new URL('./support/pipelineChild.ts', import.meta.url))
  const root = fileURLToPath(new URL('..', import.meta.url))

  test.each(['break', 'abort'])('after a %s, with requests still held at the proxy', async (mode) => {
    proxy.reset()
    // The first object comes at once; every other GetObject is held until the child goes away.
    let gets = 0
    proxy.hook = (request) => (request.operation === 'GetObject' && ++gets > 1 ? faults.hang() : undefined)
    const child = spawn(process.execPath, ['--import', 'tsx', script, proxy.endpoint, BUCKET, mode], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    let code: number | null | undefined
    void exited.then((c) => (code = c))
    try {
      // Bounded: starting Node with the TypeScript loader takes a second or two; the held
      // requests would keep a leaky child alive for good.
      await waitFor(() => code !== undefined, 'the child to exit by itself', 20_000)
    } catch (error) {
      throw new Error(`${(error as Error).message} (its output: ${JSON.stringify(stdout)}, ${JSON.stringify(stderr)})`)
    } finally {
      if (code === undefined) child.kill()
    }
    expect({ code, stdout: stdout.trim(), stderr }).toEqual({ code: 0, stdout: `stopped after 1 chunk(s) by ${mode}`, stderr: '' })
    expect(gets).toBeGreaterThan(1) // requests were held when it stopped
    await waitFor(() => proxy.inFlight === 0, 'the held requests to close with the child')
  })
})
