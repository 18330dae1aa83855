/**
 * A module loaded when first needed rather than on import, and loaded once: a dynamic
 * import per call costs a module resolution each time (a round trip to the loader's
 * thread where loader hooks are registered). A failed load is tried again next time.
 */
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    }))
}
