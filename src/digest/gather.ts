import { Worker } from 'node:worker_threads'
import { abortable, untilAborted } from '../abortable.js'
import { DEFAULT_MAX_TEXT_BYTES, readBody } from '../concatBodies.js'
import { createDigester, mergeDigests, type DigesterOptions, type DigestParts, type DigestState } from './digester.js'
import type { FromWorker, PlainError, ToWorker, WorkerData } from './worker.js'
import { FlowLogError, locate } from '../errors.js'
import { isStoredBody, type DigestInput } from './input.js'
import type { LogText } from '../flowLogText.js'
import type { LogObject } from '../parseLogFileKey.js'

/** Chunks sent to a worker and not yet read by it, at most: enough to keep it busy, no more. */
const IN_FLIGHT = 8
/** What a stored body counts for against IN_FLIGHT: it becomes many chunks of text. */
const BODY = 4
const YOUNG_GENERATION_MB = 4

/**
 * Gathers the groups of a digest with `count` readers: this thread and `count - 1` worker
 * threads, a log file at a time to each. A stored body goes whole to a worker with room,
 * which inflates and reads it, or else is read here; the text chunks of one source all go
 * to the same reader (so its header and line numbers hold), and text without a source is
 * read here. The readers' groups are then merged, which gives exactly what one reader
 * would have gathered.
 */
export async function gather(
  input: AsyncIterable<DigestInput> | Iterable<DigestInput>,
  options: DigesterOptions & {
    readonly count: number
    readonly onProgress: ((records: number) => void) | undefined
    readonly signal: AbortSignal | undefined
  },
): Promise<DigestState> {
  const { count, signal, onError, onProgress } = options
  // This thread is one of the readers: it takes what the worker threads have no room for.
  const workers = Array.from({ length: count - 1 }, (_, i) => startWorker(options, i + 1))
  const local = createDigester(options)
  const readLocally = (chunk: LogText | string): void => {
    local.push(chunk)
    onProgress?.(local.takeRecords())
  }
  /** Ends the worker threads; resolves once they have exited, so that none still writes a run. */
  const stopWorkers = async (): Promise<void> => {
    await Promise.all(workers.map((worker) => worker.thread.terminate()))
  }
  /** A worker thread with room for a message of this weight, if any. */
  const withRoom = (weight: number): DigestWorker | undefined => workers.find((worker) => worker.inFlight + weight <= IN_FLIGHT)
  try {
    let current: { source: LogObject | undefined; worker: DigestWorker | undefined; id: number } | undefined
    let ids = 0
    for await (const chunk of abortable(input, signal)) {
      for (const worker of workers) worker.check()
      if (isStoredBody(chunk)) {
        // A whole body goes to a worker with room, which inflates and reads it, or is read here.
        current = undefined
        const worker = withRoom(BODY)
        if (worker) worker.send({ type: 'body', file: chunk.file, bytes: chunk.body })
        else for await (const text of readBody(chunk, { maxTextBytes: DEFAULT_MAX_TEXT_BYTES, onError, signal })) readLocally(text)
        continue
      }
      const source = typeof chunk === 'string' ? undefined : chunk.source
      let named: LogObject | undefined
      if (!current || current.source !== source) {
        // The text of one source stays with one reader; text without a source is read here.
        current = { source, worker: source ? withRoom(1) : undefined, id: ++ids }
        named = source
      }
      if (!current.worker) {
        readLocally(chunk)
        continue
      }
      await untilAborted(current.worker.room(), signal)
      current.worker.send({ type: 'text', id: current.id, source: named, bytes: typeof chunk === 'string' ? Buffer.from(chunk) : chunk })
    }
    local.end()
    const parts = await untilAborted(Promise.all(workers.map((worker) => worker.finish())), signal)
    // their groups are here: let the threads go before merging, so their memory goes too
    await stopWorkers()
    return mergeDigests(local.state(), parts)
  } finally {
    await stopWorkers()
  }

  interface DigestWorker {
    readonly thread: Worker
    readonly inFlight: number
    /** Resolves when the worker can take another chunk; rejects when it failed. */
    room(): Promise<void>
    /** Throws what made the worker fail, if anything did. */
    check(): void
    send(message: ToWorker): void
    /** Ends the worker's input and resolves with its groups. */
    finish(): Promise<DigestParts>
  }

  function startWorker(digester: DigesterOptions, n: number): DigestWorker {
    const { spill } = digester
    // a worker's runs go to the same folder as this thread's, named as its own
    const workerData: WorkerData = {
      fields: digester.fields,
      keyFields: digester.keyFields,
      lenient: Boolean(onError),
      spill: { path: spill.folder.path(), prefix: `worker${n}-`, limit: spill.limit },
    }
    // A reader makes short-lived garbage only (chunks, views): a small young generation keeps its memory small.
    const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB }
    // The worker is the built module beside this one: worker threads run the package's JavaScript.
    const thread = new Worker(new URL('./worker.js', import.meta.url), { workerData, resourceLimits })
    /** What each message in flight counts for, in the order the worker reads them. */
    const weights: number[] = []
    const inFlight = (): number => weights.reduce((sum, weight) => sum + weight, 0)
    let failure: Error | undefined
    let wake: (() => void) | undefined
    let done: { resolve: (parts: DigestParts) => void; reject: (error: Error) => void } | undefined
    const fail = (error: Error): void => {
      failure ??= error
      wake?.()
      done?.reject(failure)
    }
    /** Calls back the caller; what it throws ends the digest, as it would in one thread. */
    const tell = (callback: () => void): void => {
      try {
        callback()
      } catch (error) {
        fail(error as Error)
      }
    }
    thread.on('error', (error: Error & { code?: string }) =>
      fail(error.code === 'ERR_MODULE_NOT_FOUND' ? new Error(`digest workers run from the built package (npm run build): ${error.message}`) : error),
    )
    thread.on('exit', (code) => fail(new Error(`a digest worker stopped (exit code ${code})`)))
    thread.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'read':
          weights.shift()
          tell(() => onProgress?.(message.records))
          wake?.()
          break
        case 'skipped':
          tell(() => onError?.(revive(message.error) as FlowLogError))
          break
        case 'spilled':
          tell(() => spill.onSpill?.(message.run))
          break
        case 'result':
          done?.resolve(message.parts)
          break
        case 'failed':
          fail(revive(message.error))
          break
      }
    })
    return {
      thread,
      get inFlight() {
        return inFlight()
      },
      check() {
        if (failure) throw failure
      },
      async room() {
        while (!failure && inFlight() >= IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
        if (failure) throw failure
      },
      send(message) {
        if (message.type === 'text' || message.type === 'body') {
          // A copy of just this chunk (a view may share a larger buffer), handed over without another copy.
          const bytes = new Uint8Array(message.bytes)
          weights.push(message.type === 'body' ? BODY : 1)
          thread.postMessage({ ...message, bytes }, [bytes.buffer])
        } else {
          thread.postMessage(message)
        }
      },
      finish() {
        return new Promise<DigestParts>((resolve, reject) => {
          if (failure) return reject(failure)
          done = { resolve, reject }
          thread.postMessage({ type: 'end' } satisfies ToWorker)
        })
      },
    }
  }
}

/** The FlowLogError a worker reported, made again on this side. */
function revive(error: PlainError): Error {
  if (!error.code) return new Error(error.message)
  const where = locate(error)
  const reason = where && error.message.startsWith(`${where}: `) ? error.message.slice(where.length + 2) : error.message
  return new FlowLogError(reason, { code: error.code, object: error.object, line: error.line })
}
