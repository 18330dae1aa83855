import { setMaxListeners } from 'node:events'
import type { S3Client } from '@aws-sdk/client-s3'
import { FlowLogError, objectUrl, s3Failure } from './errors.js'
import { abortable, watchdog } from './abortable.js'
import { abortSignal, callback, milliseconds, positiveInteger, validDate } from './options.js'
import { parseLogFileKey, type LogFile, type LogFileName } from './parseLogFileKey.js'
import { DEFAULT_STALL_TIMEOUT } from './prefetch.js'
import { s3Sdk } from './s3Sdk.js'

/** An object the listing passed over, and why. */
export interface SkippedObject {
  readonly bucket: string
  readonly key: string
  /** For a local folder, the file's path on disk. */
  readonly path?: string
  readonly size: number
  /** `empty object` or `not a flow log file name`. */
  readonly reason: string
}

export interface ListLogFilesOptions {
  /** The S3 client to list with. */
  client: S3Client
  /** The bucket flow logs are delivered to. */
  bucket: string
  /** Only keys starting with this are listed, e.g. `AWSLogs/123456789012/`. Default: the whole bucket. */
  prefix?: string
  /**
   * Only files whose time (the start of their 5-minute window) is at or after this. With
   * `end`, `accounts` or `regions`, the listing visits only the account, region and day
   * folders that can hold such files (see {@link ListLogFilesOptions.end}).
   */
  start?: Date
  /**
   * Only files whose time is at or before this. A listing given a window, accounts or
   * regions finds the accounts, layouts and regions under an `AWSLogs/` folder with
   * delimiter listings, then lists each account and region from the window's first day
   * folder to its last, concurrently, so its cost follows the window, not the bucket. With
   * a prefix that ends in `AWSLogs/` that folder is planned; with a folder (`''`,
   * `my/prefix/`) the `AWSLogs/` right under it is planned and whatever else is beside it is
   * listed whole; any other prefix is listed whole. Under `AWSLogs/` only the four AWS
   * layouts are seen. Each region is listed a page at a time, at most a page ahead of the
   * consumer.
   */
  end?: Date
  /** Only files of these accounts. */
  accounts?: readonly string[]
  /** Only files of these regions. */
  regions?: readonly string[]
  /** Folder listings in flight at once when a window is given. Default 8. */
  concurrency?: number
  /**
   * Milliseconds a ListObjectsV2 request may go unanswered before it is sent again (three
   * times in all); `Infinity` to wait forever. Default 60 000, as `prefetch`'s.
   */
  stallTimeout?: number
  /** Called for each object that is not listed: zero-byte objects and keys that are not flow log files. */
  onSkip?: (object: SkippedObject) => void
  /**
   * Called once when the store's listings disagree: a planned listing that finds no
   * account folder under `AWSLogs/` where a plain listing finds keys in folders (some
   * S3-compatible stores get delimiter listings of nested keys wrong) lists the folder
   * whole instead, and says so here. Default: nothing is said.
   */
  onWarning?: (message: string) => void
  /** Stops the listing; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Lists the flow log files in a bucket with ListObjectsV2, page by page as the consumer
 * asks for more, and yields a {@link LogFile} for each. Zero-byte objects and keys that
 * are not flow log files are skipped and reported to `onSkip`.
 *
 * @example
 * ```ts
 * for await (const file of listLogFiles({ client: new S3Client({}), bucket: 'my-flow-logs', prefix: 'AWSLogs/' })) {
 *   console.log(file.key, file.timestamp.toISOString(), file.size)
 * }
 * ```
 */
export function listLogFiles(options: ListLogFilesOptions): AsyncGenerator<LogFile> {
  const { client, bucket, prefix = '', accounts, regions } = options
  if (typeof prefix !== 'string') throw new TypeError(`prefix must be a string, got ${String(prefix)}`)
  const onSkip = callback('onSkip', options.onSkip)
  const onWarning = callback('onWarning', options.onWarning)
  if (!client || typeof client.send !== 'function') throw new TypeError('client must be an S3Client')
  if (typeof bucket !== 'string' || bucket === '') throw new TypeError(`bucket must be a non-empty string, got ${String(bucket)}`)
  const start = options.start && validDate('start', options.start).getTime()
  const end = options.end && validDate('end', options.end).getTime()
  if (start !== undefined && end !== undefined && start > end) {
    throw new TypeError(`start (${options.start!.toISOString()}) must not be after end (${options.end!.toISOString()})`)
  }
  for (const [name, list] of [['accounts', accounts], ['regions', regions]] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.length === 0)) throw new TypeError(`${name} must be a non-empty array`)
  }
  const concurrency = positiveInteger('concurrency', options.concurrency, 8)
  const stallTimeout = milliseconds('stallTimeout', options.stallTimeout, DEFAULT_STALL_TIMEOUT)
  const outer = abortSignal('signal', options.signal) ?? new AbortController().signal

  const wanted = (file: LogFileName): boolean => {
    const t = file.timestamp.getTime()
    return (
      (start === undefined || t >= start) &&
      (end === undefined || t <= end) &&
      (accounts === undefined || accounts.includes(file.account)) &&
      (regions === undefined || regions.includes(file.region))
    )
  }
  const planned = start !== undefined || end !== undefined || accounts !== undefined || regions !== undefined
  return planned ? listPlanned() : listAll(prefix, outer)

  /**
   * One ListObjectsV2 request. One that gets no answer within `stallTimeout` is sent again
   * (the SDK retries errors, not silence), up to LIST_ATTEMPTS times in all.
   */
  async function page(
    input: { Prefix: string; Delimiter?: string; StartAfter?: string; ContinuationToken?: string; MaxKeys?: number },
    signal = outer,
  ) {
    const { ListObjectsV2Command } = await s3Sdk()
    const command = new ListObjectsV2Command({ Bucket: bucket, ...input, Prefix: input.Prefix || undefined })
    const object = objectUrl({ bucket, key: input.Prefix })
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted()
      const request = watchdog(signal, stallTimeout)
      try {
        return await client.send(command, { abortSignal: request.signal })
      } catch (error) {
        if (!request.stalled) throw s3Failure('ListObjectsV2', object, error, signal, attempt - 1)
        if (attempt === LIST_ATTEMPTS) {
          throw new FlowLogError(`ListObjectsV2 stalled: no answer within ${stallTimeout} ms, ${LIST_ATTEMPTS} attempts`, {
            code: 'REQUEST_FAILED',
            object,
            attempts: LIST_ATTEMPTS,
          })
        }
      } finally {
        request.dispose()
      }
    }
  }

  /** The flow log files among listed objects; the others are reported as skipped. */
  function* logFiles(objects: ReadonlyArray<{ Key?: string; Size?: number }>): Generator<LogFile> {
    for (const object of objects) {
      const key = object.Key ?? ''
      const size = object.Size ?? 0
      const name = parseLogFileKey(key)
      if (name && size > 0) {
        if (wanted(name)) yield { ...name, bucket, key, size }
      } else {
        onSkip?.({ bucket, key, size, reason: name ? 'empty object' : 'not a flow log file name' })
      }
    }
  }

  /** Every key under a prefix, page by page as the consumer asks for more. */
  async function* listAll(prefix: string, signal: AbortSignal): AsyncGenerator<LogFile> {
    let ContinuationToken: string | undefined
    do {
      const listed = await page({ Prefix: prefix, ContinuationToken }, signal)
      for (const file of logFiles(listed.Contents ?? [])) {
        // An abort while the consumer held the previous file stops the rest of the page too.
        signal.throwIfAborted()
        yield file
      }
      ContinuationToken = listed.IsTruncated ? listed.NextContinuationToken : undefined
    } while (ContinuationToken)
  }

  /** What lies right under a prefix: its objects and its folders (a delimiter listing, all pages). */
  async function level(prefix: string, signal: AbortSignal) {
    const objects: Array<{ Key?: string; Size?: number }> = []
    const folders: string[] = []
    let ContinuationToken: string | undefined
    do {
      const listed = await page({ Prefix: prefix, Delimiter: '/', ContinuationToken }, signal)
      objects.push(...(listed.Contents ?? []))
      for (const common of listed.CommonPrefixes ?? []) if (common.Prefix) folders.push(common.Prefix)
      ContinuationToken = listed.IsTruncated ? listed.NextContinuationToken : undefined
    } while (ContinuationToken)
    return { objects, folders }
  }

  async function folders(prefix: string, signal: AbortSignal): Promise<string[]> {
    return (await level(prefix, signal)).folders
  }

  /**
   * Only the folders that can hold wanted files: under `AWSLogs/`, the accounts in either
   * layout, their regions, and in each region the days of the window, listed from the
   * first day's folder and no further than the last's, several regions at a time.
   */
  async function* listPlanned(): AsyncGenerator<LogFile> {
    // Folder listings run ahead of the consumer: stopping early aborts those in flight.
    const stop = new AbortController()
    const signal = stop.signal
    setMaxListeners(0, signal) // every listing in flight listens on it
    const onAbort = (): void => stop.abort(outer.reason)
    outer.addEventListener('abort', onAbort, { once: true })
    try {
      if (prefix.endsWith('AWSLogs/')) {
        yield* listFolders(prefix, signal)
      } else if (prefix !== '' && !prefix.endsWith('/')) {
        yield* listAll(prefix, signal)
      } else {
        // A folder (or the whole bucket): its AWSLogs/ is planned, anything else beside it
        // (another bucket prefix, other data) is listed whole, all in key order.
        const { objects, folders } = await level(prefix, signal)
        const entries = [...objects.map((object) => ({ key: object.Key ?? '', object })), ...folders.map((key) => ({ key, object: undefined }))]
        for (const { key, object } of entries.sort((a, b) => (a.key < b.key ? -1 : 1))) {
          if (object) yield* logFiles([object])
          else yield* key === `${prefix}AWSLogs/` ? listFolders(key, signal) : listAll(key, signal)
        }
      }
    } finally {
      outer.removeEventListener('abort', onAbort)
      stop.abort(new Error('listing stopped'))
    }
  }

  async function* listFolders(root: string, signal: AbortSignal): AsyncGenerator<LogFile> {
    const accountFolders = (await folders(root, signal)).flatMap((folder) => {
      const name = folder.slice(root.length, -1)
      const hive = /^aws-account-id=(\d{12})$/.exec(name)
      const account = hive ? hive[1]! : /^\d{12}$/.test(name) ? name : undefined
      return account === undefined ? [] : [{ folder, account, hive }]
    })
    if (accountFolders.length === 0 && (await nestedKeys(root, signal))) {
      onWarning?.(
        `${objectUrl({ bucket, key: root })}: the folder listing found no account folder, but a plain listing finds keys in folders: listing it whole (the store's delimiter listings look wrong)`,
      )
      yield* listAll(root, signal)
      return
    }
    const regionFolders: Array<{ folder: string; layout: Layout }> = []
    for (const { folder, account, hive } of accountFolders) {
      if (accounts && !accounts.includes(account)) continue
      const layout: Layout = hive ? HIVE : DEFAULT
      for (const region of await folders(folder + layout.service, signal)) {
        const name = layout.region(region.slice(folder.length + layout.service.length, -1))
        if (name !== undefined && (!regions || regions.includes(name))) regionFolders.push({ folder: region, layout })
      }
    }
    const pages = regionFolders.map(({ folder, layout }) => listDays(folder, layout, signal))
    for await (const files of abortable(inOrder(pages, concurrency), signal)) {
      for (const file of files) {
        signal.throwIfAborted()
        yield file
      }
    }
  }

  /** Whether a plain listing's first page under `root` has keys in folders below it (one request). */
  async function nestedKeys(root: string, signal: AbortSignal): Promise<boolean> {
    const listed = await page({ Prefix: root, MaxKeys: 1000 }, signal)
    return (listed.Contents ?? []).some((object) => (object.Key ?? '').indexOf('/', root.length) >= 0)
  }

  /** The files of one region folder whose day folders lie in the window, a page at a time. */
  async function* listDays(folder: string, layout: Layout, signal: AbortSignal): AsyncGenerator<LogFile[]> {
    const from = start === undefined ? undefined : folder + layout.day(new Date(start)).slice(0, -1)
    const after = end === undefined ? undefined : folder + layout.day(new Date(end + DAY))
    let ContinuationToken: string | undefined
    do {
      const listed = await page({ Prefix: folder, StartAfter: from, ContinuationToken }, signal)
      const objects = listed.Contents ?? []
      const inWindow = after === undefined ? objects : objects.filter((object) => (object.Key ?? '') < after)
      yield [...logFiles(inWindow)]
      const past = inWindow.length < objects.length
      ContinuationToken = listed.IsTruncated && !past ? listed.NextContinuationToken : undefined
    } while (ContinuationToken)
  }
}

const DAY = 86_400_000
/** Sends of a listing request that goes unanswered. */
const LIST_ATTEMPTS = 3

/**
 * The items of several sources, one source after another, while up to `ahead` of them
 * (the current one included) already fetch their next item: listings of several folders
 * run side by side, each at most a page ahead of the consumer, and come out in order.
 */
async function* inOrder<T>(sources: ReadonlyArray<AsyncGenerator<T>>, ahead: number): AsyncGenerator<T> {
  const next: Array<Promise<IteratorResult<T>>> = []
  let head = 0
  let started = 0
  const request = (i: number): void => {
    next[i] = sources[i]!.next()
    next[i]!.catch(() => {}) // awaited in its turn; until then its failure is not unhandled
  }
  try {
    for (; head < sources.length; head++) {
      while (started < sources.length && started < head + ahead) request(started++)
      for (let result = await next[head]!; !result.done; result = await next[head]!) {
        request(head)
        yield result.value
      }
    }
  } finally {
    for (let i = head; i < started; i++) void sources[i]!.return(undefined).catch(() => {})
  }
}

/** Where a layout puts the service, region and day folders. */
interface Layout {
  readonly service: string
  /** The region a region folder's name gives, if it is one. */
  region(name: string): string | undefined
  /** The day folders of a time, with a trailing slash, e.g. `2024/05/01/`. */
  day(time: Date): string
}

const date = (time: Date): [string, string, string] => {
  const [y, m, d] = time.toISOString().slice(0, 10).split('-') as [string, string, string]
  return [y, m, d]
}

const DEFAULT: Layout = {
  service: 'vpcflowlogs/',
  region: (name) => (/^[a-z]{2}(-[a-z0-9]+)+$/.test(name) ? name : undefined),
  day: (time) => `${date(time).join('/')}/`,
}

const HIVE: Layout = {
  service: 'aws-service=vpcflowlogs/',
  region: (name) => /^aws-region=([a-z]{2}(?:-[a-z0-9]+)+)$/.exec(name)?.[1],
  day: (time) => {
    const [y, m, d] = date(time)
    return `year=${y}/month=${m}/day=${d}/`
  },
}
