import { MAX_TIMER } from './options.js'

/**
 * Iterates `source`, rejecting with the signal's reason as soon as it aborts, even while
 * the source is busy producing its next value. On exit the source's `return()` is fired
 * without being awaited, since a source that is busy would make it wait.
 */
export async function* abortable<T>(
  source: AsyncIterable<T> | Iterable<T>,
  signal: AbortSignal | undefined,
): AsyncGenerator<T, void, undefined> {
  const iterator: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
  try {
    while (true) {
      signal?.throwIfAborted()
      const result = await untilAborted(Promise.resolve(iterator.next()), signal)
      if (result.done) return
      yield result.value
    }
  } finally {
    Promise.resolve(iterator.return?.()).catch(() => {})
  }
}

/** Resolves as `promise` does, or rejects with the signal's reason if it aborts first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) onAbort()
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** Waits `ms` milliseconds, or rejects with the signal's reason as soon as it aborts (the timer then cleared). */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted()
  if (!(ms > 0)) return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, Math.min(ms, MAX_TIMER))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** An attempt at a request that must keep making progress: see {@link watchdog}. */
export interface Watchdog {
  /** Aborts when the outer signal does (with its reason), or when no progress came for the timeout. */
  readonly signal: AbortSignal
  /** Whether it was the timeout that aborted. */
  readonly stalled: boolean
  /** Progress was seen: the timeout starts again. */
  progress(): void
  /** Stops the timer and the listening; call it when the attempt is over. */
  dispose(): void
}

/**
 * A signal for one attempt at a request, linked to `outer`, that also aborts when
 * `progress()` has not been called for `stallTimeout` ms (never, for `Infinity`). The
 * timer starts at once.
 */
export function watchdog(outer: AbortSignal, stallTimeout: number): Watchdog {
  const attempt = new AbortController()
  const stop = (): void => attempt.abort(outer.reason)
  outer.addEventListener('abort', stop)
  let timer: ReturnType<typeof setTimeout> | undefined
  let stalled = false
  const progress = (): void => {
    if (stallTimeout === Infinity) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      stalled = true
      attempt.abort(new Error(`no progress for ${stallTimeout} ms (stalled)`))
    }, stallTimeout)
  }
  progress()
  return {
    signal: attempt.signal,
    get stalled() {
      return stalled
    },
    progress,
    dispose() {
      clearTimeout(timer)
      outer.removeEventListener('abort', stop)
    },
  }
}
