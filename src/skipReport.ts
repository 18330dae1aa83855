import type { FlowLogError, FlowLogErrorCode } from './errors.js'

/** A tally of what lenient reading passed over; `add` is the `onError` to give the stages. */
export interface SkipReport {
  /** Records a skipped line or object: pass it as the stages' `onError`. */
  readonly add: (error: FlowLogError) => void
  /** Malformed lines skipped. */
  readonly lines: number
  /** Objects skipped whole or from the point they broke. */
  readonly objects: number
  /** How many of each kind of problem. */
  readonly byCode: ReadonlyMap<FlowLogErrorCode, number>
  /** The first problems, in order (at most `keep`). */
  readonly errors: readonly FlowLogError[]
}

/**
 * Makes a tally for lenient reading: give `report.add` as `onError` to the stages, and
 * read the counts when the pipeline is done. Good records are still all counted.
 *
 * @example
 * ```ts
 * const report = skipReport({ onSkip: (error) => console.warn(error.message) })
 * const text = pipe(files, prefetch({ client, onError: report.add }), concatBodies({ onError: report.add }), digest({ onError: report.add }))
 * for await (const chunk of text) process.stdout.write(chunk)
 * console.warn(`skipped ${report.lines} lines and ${report.objects} objects`)
 * ```
 */
export function skipReport(options: { keep?: number; onSkip?: (error: FlowLogError) => void } = {}): SkipReport {
  const { keep = 100, onSkip } = options
  const errors: FlowLogError[] = []
  const byCode = new Map<FlowLogErrorCode, number>()
  let lines = 0
  let objects = 0
  return {
    add(error) {
      if (error.line === undefined) objects++
      else lines++
      byCode.set(error.code, (byCode.get(error.code) ?? 0) + 1)
      if (errors.length < keep) errors.push(error)
      onSkip?.(error)
    },
    get lines() {
      return lines
    },
    get objects() {
      return objects
    },
    byCode,
    errors,
  }
}
