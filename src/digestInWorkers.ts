import { Worker } from 'node:worker_threads'
import { abortable, untilAborted } from './abortable.js'
import { mergeDigests, type DigesterOptions, type DigestParts, type DigestState } from './digester.js'
import type { FromWorker, PlainError, ToWorker } from './digestWorker.js'
import { FlowLogError } from './errors.js'
import { isStoredBody, type DigestInput } from './digest.js'
import type { LogObject } from './parseLogFileKey.js'

/** Chunks sent to a worker and not yet read by it, at most: enough to keep it busy, no more. */
const IN_FLIGHT = 8
/** What a stored body counts for against IN_FLIGHT: it becomes many chunks of text. */
const BODY = 4
const YOUNG_GENERATION_MB = 8

/**
 * Digests in `count` worker threads, a log file at a time to each: a stored body goes
 * whole to the least busy worker, which inflates and reads it; the text chunks of one
 * source all go to the same worker (so its header and line numbers hold), each new source
 * to the least busy worker, and text without a source to the first. The workers' groups
 * are then merged, which gives exactly what one reader would have gathered.
 */
export async function digestInWorkers(
  input: AsyncIterable<DigestInput> | Iterable<DigestInput>,
  options: DigesterOptions & {
    readonly count: number
    readonly onProgress: ((records: number) => void) | undefined
    readonly signal: AbortSignal | undefined
  },
): Promise<DigestState> {
  const { count, signal, onError, onProgress } = options
  const workers = Array.from({ length: count }, () => startWorker(options))
  try {
    let current: { source: LogObject | undefined; worker: DigestWorker; id: number } | undefined
    let ids = 0
    for await (const chunk of abortable(input, signal)) {
      if (isStoredBody(chunk)) {
        // A whole body goes to the least busy worker, which inflates and reads it.
        const worker = workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a))
        await untilAborted(worker.room(), signal)
        worker.send({ type: 'body', file: chunk.file, bytes: chunk.body })
        current = undefined
        continue
      }
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      const source = typeof chunk === 'string' ? undefined : chunk.source
      let named: LogObject | undefined
      if (!current || current.source !== source) {
        const worker = source ? workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a)) : workers[0]!
        current = { source, worker, id: ++ids }
        named = source
      }
      await untilAborted(current.worker.room(), signal)
      current.worker.send({ type: 'text', id: current.id, source: named, bytes })
    }
    const parts = await untilAborted(Promise.all(workers.map((worker) => worker.finish())), signal)
    return mergeDigests(parts)
  } finally {
    for (const worker of workers) void worker.thread.terminate()
  }

  interface DigestWorker {
    readonly thread: Worker
    readonly inFlight: number
    /** Resolves when the worker can take another chunk; rejects when it failed. */
    room(): Promise<void>
    send(message: ToWorker): void
    /** Ends the worker's input and resolves with its groups. */
    finish(): Promise<DigestParts>
  }

  function startWorker(digester: DigesterOptions): DigestWorker {
    const workerData = { fields: digester.fields, keyFields: digester.keyFields, lenient: Boolean(onError) }
    // A reader makes short-lived garbage only (chunks, views): a small young generation keeps its memory small.
    const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB }
    // Run from the TypeScript sources (tests, tsx scripts), the worker is TypeScript too: it
    // registers tsx, a development dependency, before loading it.
    const entry = new URL(`./digestWorker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url)
    const thread = entry.pathname.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}) })`, {
          eval: true,
          workerData,
          resourceLimits,
        })
      : new Worker(entry, { workerData, resourceLimits })
    let inFlight = 0
    /** What each message in flight counts for, in the order the worker reads them. */
    const weights: number[] = []
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
    thread.on('error', fail)
    thread.on('exit', (code) => fail(new Error(`a digest worker stopped (exit code ${code})`)))
    thread.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'read':
          inFlight -= weights.shift()!
          tell(() => onProgress?.(message.records))
          wake?.()
          break
        case 'skipped':
          tell(() => onError?.(revive(message.error) as FlowLogError))
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
        return inFlight
      },
      async room() {
        while (!failure && inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
        if (failure) throw failure
      },
      send(message) {
        if (message.type === 'text' || message.type === 'body') {
          // A copy of just this chunk (a view may share a larger buffer), handed over without another copy.
          const bytes = new Uint8Array(message.bytes)
          const weight = message.type === 'body' ? BODY : 1
          weights.push(weight)
          inFlight += weight
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
  const where = [error.object, error.line === undefined ? undefined : `line ${error.line}`].filter(Boolean).join(' ')
  const reason = where && error.message.startsWith(`${where}: `) ? error.message.slice(where.length + 2) : error.message
  return new FlowLogError(reason, { code: error.code, object: error.object, line: error.line })
}
