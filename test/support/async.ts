/** Timing helpers for tests that order events with promises rather than sleeps. */

export interface Deferred<T = void> {
  readonly promise: Promise<T>
  resolve(value: T): void
  reject(reason: unknown): void
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Lets `n` turns of the event loop pass (pending I/O callbacks and microtasks run). */
export async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/**
 * Waits until `condition()` holds, checking every few milliseconds, and fails after
 * `timeout` ms with `what` in the message. For observing the proxy or sockets, whose
 * state changes on network events the test cannot await directly.
 */
export async function waitFor(condition: () => boolean, what = 'condition', timeout = 3_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise<void>((resolve) => setTimeout(resolve, 2))
  }
}

/** Collects an async iterable into an array. */
export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of source) items.push(item)
  return items
}
