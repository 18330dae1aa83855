/**
 * A small HTTP proxy on 127.0.0.1 in front of s3rver, to point a client at instead. It
 * records every request in arrival order, counts requests in flight (from arrival until
 * the response has been fully sent, or the connection closed) with their running peak,
 * tracks open client connections, and lets a test decide, per request, what happens:
 * forward it (optionally holding the response, pausing its body half-sent, or dropping the
 * connection part-way through the body), answer it itself (an S3 error), or reset the
 * connection.
 *
 * Faults are actions returned by the hook ({@link faults} has the usual ones, and
 * {@link byKey} scripts them per key and attempt). To add one, add a member to
 * {@link ProxyAction} and a case to `act()`.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** One request as the proxy saw it, and how far its response got. */
export interface ProxyRequest {
  /** 1-based arrival order. */
  readonly id: number
  /** When it arrived (`Date.now()`). */
  readonly arrivedAt: number
  readonly method: string
  /** Path and query as received. */
  readonly url: string
  /** From the path (path-style addressing). */
  readonly bucket: string
  /** The decoded object key; '' for requests on a bucket. */
  readonly key: string
  readonly query: URLSearchParams
  /** The request's headers, as received (the client's Authorization among them). */
  readonly headers: IncomingHttpHeaders
  /** `GetObject`, `ListObjectsV2`, `PutObject`...: the SDK's `x-id`, else guessed from method and path. */
  readonly operation: string
  /**
   * `arrived` (waiting for the hook or s3rver), `holding` (response held), `paused` (headers
   * and part of the body sent), `done` (fully sent), `closed` (connection closed before that).
   */
  phase: 'arrived' | 'holding' | 'paused' | 'done' | 'closed'
  /** The status sent to the client, once sent. */
  status?: number
  /** Body bytes written to the client so far. */
  bytesSent: number
}

export type ProxyAction =
  /**
   * Send the request on to s3rver and its response back. With `hold`, nothing is sent to
   * the client until `hold` settles. With `pause`, the headers and the first
   * `pause.afterBytes` bytes of the body are sent, then the rest once `pause.until` settles
   * (never, for a stalled body: the client has to give up). With `cut`, the headers and the
   * first `cut.afterBytes` bytes are sent, then the connection is destroyed.
   */
  | {
      type: 'forward'
      hold?: PromiseLike<unknown>
      pause?: { afterBytes: number; until: PromiseLike<unknown> }
      cut?: { afterBytes: number }
    }
  /** Answer without asking s3rver (after `hold`, if given). */
  | { type: 'respond'; status: number; headers?: Record<string, string>; body?: string; hold?: PromiseLike<unknown> }
  /** Destroy the client's connection without answering. */
  | { type: 'reset' }

/** Decides what to do with a request; `undefined` forwards it unchanged. Called on arrival. */
export type ProxyHook = (request: ProxyRequest) => ProxyAction | undefined | Promise<ProxyAction | undefined>

export interface Proxy {
  /** `http://127.0.0.1:PORT`: point the client here. */
  readonly endpoint: string
  /** Every request since the last `reset()`, in arrival order. */
  readonly requests: readonly ProxyRequest[]
  /** Requests whose response is not yet fully sent (nor their connection closed). */
  readonly inFlight: number
  /** The most requests in flight at once since the last `reset()`. */
  readonly peakInFlight: number
  /** Client connections currently open. */
  readonly openConnections: number
  /** Decides each request's fate; undefined forwards everything. */
  hook: ProxyHook | undefined
  /** The requests for one operation, in arrival order. */
  requestsFor(operation: string): ProxyRequest[]
  /** Forgets the recorded requests and the peak (not what is in flight), and clears the hook. */
  reset(): void
  stop(): Promise<void>
}

/** An S3 error response, as S3 would send it: `s3Error(403, 'AccessDenied', 'Access Denied')`. */
export function s3Error(status: number, code: string, message: string, headers: Record<string, string> = {}): ProxyAction {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>PROXY0000000000</RequestId><HostId>proxy</HostId></Error>`
  return { type: 'respond', status, headers: { 'content-type': 'application/xml', ...headers }, body }
}

/** Never settles: a pause `until` this is a body that stalls for good. */
const NEVER: PromiseLike<never> = new Promise<never>(() => {})

/** The faults S3 and the network between are known for, as proxy actions. */
export const faults = {
  /** 500 InternalError (the SDK retries it). */
  internalError: (): ProxyAction => s3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'),
  /** 503 SlowDown (throttling; the SDK retries it). */
  slowDown: (): ProxyAction => s3Error(503, 'SlowDown', 'Please reduce your request rate.'),
  /** 403 AccessDenied (not retried). */
  accessDenied: (): ProxyAction => s3Error(403, 'AccessDenied', 'Access Denied'),
  /** 404 NoSuchKey, as for a listed key deleted before the get (not retried). */
  noSuchKey: (): ProxyAction => s3Error(404, 'NoSuchKey', 'The specified key does not exist.'),
  /** The connection reset before any response (the SDK retries it). */
  reset: (): ProxyAction => ({ type: 'reset' }),
  /** The headers and `afterBytes` bytes of the body, then the connection dropped (the SDK does not retry it). */
  cut: (afterBytes: number): ProxyAction => ({ type: 'forward', cut: { afterBytes } }),
  /** No response at all, not even headers (until the client gives up). */
  hang: (): ProxyAction => ({ type: 'forward', hold: NEVER }),
  /** The headers and `afterBytes` bytes of the body, then nothing more (until the client gives up). */
  stall: (afterBytes: number): ProxyAction => ({ type: 'forward', pause: { afterBytes, until: NEVER } }),
} as const

/**
 * A hook that decides by key and by how many times that key has been asked for with
 * `operation` (1 for the first request): `byKey((key, n) => (n === 1 ? faults.cut(100) : undefined))`.
 * Other operations are forwarded.
 */
export function byKey(decide: (key: string, n: number) => ProxyAction | undefined, operation = 'GetObject'): ProxyHook {
  const counts = new Map<string, number>()
  return (request) => {
    if (request.operation !== operation) return undefined
    const n = (counts.get(request.key) ?? 0) + 1
    counts.set(request.key, n)
    return decide(request.key, n)
  }
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']

/** Starts a proxy on 127.0.0.1 (free port) in front of the HTTP server at `upstream`. */
export async function startProxy(upstream: string): Promise<Proxy> {
  const target = new URL(upstream)
  const upstreamAgent = new Agent({ keepAlive: true })
  const sockets = new Set<Socket>()
  let requests: ProxyRequest[] = []
  let inFlight = 0
  let peakInFlight = 0
  let nextId = 1

  const server = createServer((req, res) => {
    const request = describe(nextId++, req)
    requests.push(request)
    inFlight++
    peakInFlight = Math.max(peakInFlight, inFlight)
    res.once('finish', () => {
      request.phase = 'done'
    })
    res.once('close', () => {
      inFlight--
      if (request.phase !== 'done') request.phase = 'closed'
    })
    handle(request, req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) res.writeHead(502).end()
      else res.destroy()
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })

  async function handle(request: ProxyRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const action = (await proxy.hook?.(request)) ?? { type: 'forward' }
    await act(action, request, req, res)
  }

  async function act(action: ProxyAction, request: ProxyRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    switch (action.type) {
      case 'forward': {
        const answer = await forward(req)
        await hold(action.hold, request, res)
        const { pause, cut } = action
        if (cut) {
          send(request, res, answer.status, answer.headers, Buffer.alloc(0), false)
          res.flushHeaders()
          const part = answer.body.subarray(0, cut.afterBytes)
          request.bytesSent += part.length
          if (part.length > 0) res.write(part)
          // Once the headers and those bytes are handed to the network (writes go out in
          // order, so an empty one's callback says so), drop the connection.
          const socket = res.socket
          if (socket) await new Promise<void>((resolve) => socket.write(Buffer.alloc(0), () => resolve()))
          socket?.destroy()
          return
        }
        if (!pause) return send(request, res, answer.status, answer.headers, answer.body)
        send(request, res, answer.status, answer.headers, answer.body.subarray(0, pause.afterBytes), false)
        if (res.destroyed) return
        request.phase = 'paused'
        if (await untilClosed(pause.until, res)) return
        return send(request, res, undefined, undefined, answer.body.subarray(pause.afterBytes))
      }
      case 'respond': {
        req.resume()
        await hold(action.hold, request, res)
        const body = Buffer.from(action.body ?? '')
        return send(request, res, action.status, { ...action.headers, 'content-length': String(body.length) }, body)
      }
      case 'reset':
        req.socket.destroy()
        return
    }
  }

  async function hold(until: PromiseLike<unknown> | undefined, request: ProxyRequest, res: ServerResponse): Promise<void> {
    if (!until) return
    request.phase = 'holding'
    await untilClosed(until, res)
  }

  /** Waits for `until`, or for the client to go away first (then true). */
  async function untilClosed(until: PromiseLike<unknown>, res: ServerResponse): Promise<boolean> {
    if (res.destroyed) return true
    let onClose!: () => void
    const closed = new Promise<true>((resolve) => res.once('close', (onClose = () => resolve(true))))
    try {
      return (await Promise.race([Promise.resolve(until).then(() => false), closed])) === true
    } finally {
      res.off('close', onClose)
    }
  }

  /** Writes the status line and headers (when `status` is given), then `body`, ending the response if `end`. */
  function send(
    request: ProxyRequest,
    res: ServerResponse,
    status: number | undefined,
    headers: OutgoingHttpHeaders | undefined,
    body: Buffer,
    end = true,
  ): void {
    if (res.destroyed) return
    if (status !== undefined) {
      request.status = status
      res.writeHead(status, headers)
    }
    request.bytesSent += body.length
    if (end) res.end(body)
    else res.write(body)
  }

  /** Sends the request to the upstream server and reads its whole response. */
  function forward(req: IncomingMessage): Promise<{ status: number; headers: OutgoingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          // The Host header is kept: the client signed it.
          headers: req.headers,
          agent: upstreamAgent,
        },
        (answer) => {
          const chunks: Buffer[] = []
          answer.on('data', (chunk: Buffer) => chunks.push(chunk))
          answer.once('error', reject)
          answer.once('end', () => {
            const body = Buffer.concat(chunks)
            const headers: OutgoingHttpHeaders = { ...answer.headers }
            for (const name of HOP_BY_HOP) delete headers[name]
            if (req.method !== 'HEAD') headers['content-length'] = String(body.length)
            resolve({ status: answer.statusCode ?? 502, headers, body })
          })
        },
      )
      out.once('error', reject)
      req.pipe(out)
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  const proxy: Proxy = {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests
    },
    get inFlight() {
      return inFlight
    },
    get peakInFlight() {
      return peakInFlight
    },
    get openConnections() {
      return sockets.size
    },
    hook: undefined,
    requestsFor(operation) {
      return requests.filter((r) => r.operation === operation)
    },
    reset() {
      requests = []
      peakInFlight = inFlight
      proxy.hook = undefined
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      upstreamAgent.destroy()
      await closed
    },
  }
  return proxy
}

function describe(id: number, req: IncomingMessage): ProxyRequest {
  const url = new URL(req.url ?? '/', 'http://proxy')
  const [, bucket = '', ...rest] = url.pathname.split('/')
  const key = decode(rest.join('/'))
  const method = req.method ?? 'GET'
  return {
    id,
    arrivedAt: Date.now(),
    method,
    url: req.url ?? '/',
    bucket: decode(bucket),
    key,
    query: url.searchParams,
    headers: req.headers,
    operation: operationOf(method, key, url.searchParams),
    phase: 'arrived',
    bytesSent: 0,
  }
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component)
  } catch {
    return component
  }
}

function operationOf(method: string, key: string, query: URLSearchParams): string {
  const id = query.get('x-id')
  if (id) return id
  if (key === '') {
    if (method === 'GET' && query.get('list-type') === '2') return 'ListObjectsV2'
    if (method === 'GET') return 'ListObjects'
    if (method === 'PUT') return 'CreateBucket'
    if (method === 'HEAD') return 'HeadBucket'
    if (method === 'DELETE') return 'DeleteBucket'
  } else {
    if (method === 'GET') return 'GetObject'
    if (method === 'HEAD') return 'HeadObject'
    if (method === 'PUT') return 'PutObject'
    if (method === 'DELETE') return 'DeleteObject'
  }
  return `${method} ${key === '' ? 'bucket' : 'object'}`
}
