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
