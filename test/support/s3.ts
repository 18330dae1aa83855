/**
 * A real S3 for the tests: s3rver in this process on 127.0.0.1 (random free port, temp
 * directory), an S3Client factory set up for it, and helpers to create buckets and put
 * objects.
 *
 * s3rver encrypts ListObjectsV2 continuation tokens with DES, so any truncated listing
 * fails with HTTP 500 unless Node runs with `--openssl-legacy-provider` (vitest.config.ts
 * passes it to the test processes). Its suffix ranges (`bytes=-N`) are wrong: don't use them.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import FilesystemStore from 's3rver/lib/stores/filesystem.js'

/**
 * s3rver's delimiter listings miss the common prefixes of keys nested two folders deep or
 * more (its directory walk stops at the first delimiter), unlike S3. The harness lists
 * without the delimiter and groups the keys itself, as S3 does, so delimiter listings
 * of up to a page are right. (Its paging with a delimiter still differs from S3's.)
 */
const listObjects = FilesystemStore.prototype.listObjects
FilesystemStore.prototype.listObjects = async function (bucket, options) {
  const { delimiter, prefix = '', maxKeys = Infinity } = options
  if (!delimiter) return listObjects.call(this, bucket, options)
  const all = await listObjects.call(this, bucket, { ...options, delimiter: '', maxKeys: Infinity })
  const commonPrefixes = new Set<string>()
  const objects = all.objects.filter(({ key }) => {
    const cut = key.indexOf(delimiter, prefix.length)
    if (cut >= 0) commonPrefixes.add(key.slice(0, cut + delimiter.length))
    return cut < 0
  })
  return { objects: objects.slice(0, maxKeys), commonPrefixes: [...commonPrefixes].sort(), isTruncated: objects.length > maxKeys }
}

/**
 * Runs `work` with s3rver's own delimiter listings, wrong for nested keys as they are: a
 * store that misbehaves, for the code that must cope with one.
 */
export async function withoutTheMend<T>(work: () => Promise<T>): Promise<T> {
  const mended = FilesystemStore.prototype.listObjects
  FilesystemStore.prototype.listObjects = listObjects
  try {
    return await work()
  } finally {
    FilesystemStore.prototype.listObjects = mended
  }
}

export interface S3Server {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string
  readonly port: number
  /** Where the server keeps its objects: `{directory}/{bucket}/{key}._S3rver_object`, the bytes as stored. */
  readonly directory: string
  /** Stops the server (dropping open connections) and removes its directory. */
  stop(): Promise<void>
}

/** Starts s3rver on 127.0.0.1 with a free port and an empty temp directory. */
export async function startS3rver(): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'vpcflow-s3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true })
  let port: number
  try {
    ;({ port } = await server.run())
  } catch (error) {
    await rm(directory, { recursive: true, force: true })
    throw error
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    async stop() {
      const closed = server.close()
      server.httpServer?.closeAllConnections()
      await closed
      await rm(directory, { recursive: true, force: true })
    },
  }
}

export interface ClientOptions {
  /** The agent the client's NodeHttpHandler uses; by default a fresh keep-alive agent. */
  agent?: Agent
  /** Attempts per request, for errors the SDK retries (5xx, throttling, resets). Default 3. */
  maxAttempts?: number
  /**
   * Milliseconds of socket inactivity (waiting for the response, or within its body) after
   * which a request fails with a TimeoutError, e.g. for a stalled response. Default: none.
   */
  socketTimeout?: number
  /** Milliseconds after which a request fails with a TimeoutError, however busy. Default: none. */
  requestTimeout?: number
}

/** An S3Client for s3rver (or a proxy in front of it) at `endpoint`. */
export function s3Client(endpoint: string, options: ClientOptions = {}): S3Client {
  const { agent = new Agent({ keepAlive: true }), maxAttempts = 3, socketTimeout, requestTimeout } = options
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    // s3rver accepts only these.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // Otherwise uploads are sent with aws-chunked framing, which s3rver stores as is.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    retryStrategy: fastRetryStrategy(maxAttempts),
    // NodeHttpHandler options: the SDK builds its NodeHttpHandler with our agent. Without
    // throwOnRequestTimeout, requestTimeout would only log a warning.
    requestHandler: {
      httpAgent: agent,
      connectionTimeout: 5_000,
      ...(socketTimeout ? { socketTimeout } : {}),
      ...(requestTimeout ? { requestTimeout, throwOnRequestTimeout: true } : {}),
    },
  })
}

type RetryStrategy = Extract<NonNullable<S3ClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>

/**
 * Retries what the SDK's standard strategy retries (throttling and transient errors:
 * 5xx, resets, timeouts) up to `maxAttempts` attempts, at once and without a retry quota,
 * so that tests of failures stay fast and deterministic.
 */
export function fastRetryStrategy(maxAttempts: number): RetryStrategy {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 0 })
  return {
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (previous, { errorType }) => {
      const next = previous.getRetryCount() + 1
      if ((errorType === 'THROTTLING' || errorType === 'TRANSIENT') && next < maxAttempts) return token(next)
      throw new Error('no retry')
    },
    recordSuccess: () => {},
  }
}

export interface CommandCounter {
  /** How many times a command (`ListObjectsV2Command`, `GetObjectCommand`...) was sent since the last reset. */
  count(command: string): number
  /**
   * How many of them have their response: parsed, or for GetObject its headers (the body
   * is still to be read), or failed.
   */
  answered(command: string): number
  reset(): void
}

/**
 * Counts the commands `client` sends, by name, at the moment `send` is called: a
 * synchronous view of what the code under test has asked for, which the proxy only sees
 * once the request has crossed the network.
 */
export function countCommands(client: S3Client): CommandCounter {
  let sent = new Map<string, number>()
  let answered = new Map<string, number>()
  const add = (counts: Map<string, number>, name: string): void => {
    counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown'
      const counts = answered
      add(sent, name)
      try {
        return await next(args)
      } finally {
        add(counts, name)
      }
    },
    { step: 'initialize', name: 'vpcflowTestCommandCounter' },
  )
  return {
    count: (command) => sent.get(command) ?? 0,
    answered: (command) => answered.get(command) ?? 0,
    reset: () => {
      sent = new Map()
      answered = new Map()
    },
  }
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
}

export interface TestObject {
  readonly key: string
  readonly body: Uint8Array | string
}

/** Puts the objects, `concurrency` at a time. */
export async function putObjects(
  client: S3Client,
  bucket: string,
  objects: Iterable<TestObject>,
  concurrency = 32,
): Promise<void> {
  const queue = [...objects]
  const worker = async (): Promise<void> => {
    for (let object = queue.shift(); object; object = queue.shift()) {
      const body = typeof object.body === 'string' ? Buffer.from(object.body) : object.body
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: body, ContentLength: body.byteLength }))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
}

/** s3rver started, a client of it, and a bucket holding `objects`. */
export async function startBucket(bucket: string, objects: Iterable<TestObject>): Promise<{ s3: S3Server; client: S3Client }> {
  const s3 = await startS3rver()
  const client = s3Client(s3.endpoint)
  await createBucket(client, bucket)
  await putObjects(client, bucket, objects)
  return { s3, client }
}

export async function deleteObject(client: S3Client, bucket: string, key: string): Promise<void> {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
}

/** Destroys the clients, then stops the servers in the order given (a proxy before its server); parts never made are passed over. */
export async function closeAll(...parts: Array<{ destroy(): void } | { stop(): Promise<void> } | undefined>): Promise<void> {
  for (const part of parts) if (part && 'destroy' in part) part.destroy()
  for (const part of parts) if (part && 'stop' in part) await part.stop()
}
