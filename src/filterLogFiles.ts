import { validDate } from './options.js'
import type { LogFile } from './parseLogFileKey.js'

/** Decides whether a log file is of interest. */
export type LogFilePredicate = (file: LogFile) => boolean

/**
 * Keeps the log files for which every predicate holds. Predicates are plain functions,
 * so your own go alongside the provided {@link byTime}, {@link byAccount},
 * {@link byRegion} and {@link byFlowLogId}.
 *
 * @example
 * ```ts
 * pipe(
 *   listLogFiles({ client, bucket }),
 *   filterLogFiles(byRegion('us-east-1'), (file) => file.size < 50 * 2 ** 20),
 * )
 * ```
 */
export function filterLogFiles(
  ...predicates: LogFilePredicate[]
): (files: AsyncIterable<LogFile> | Iterable<LogFile>) => AsyncGenerator<LogFile> {
  for (const [i, predicate] of predicates.entries()) {
    if (typeof predicate !== 'function') throw new TypeError(`predicate ${i + 1} must be a function, got ${String(predicate)}`)
  }
  return async function* (files) {
    for await (const file of files) {
      if (predicates.every((keep) => keep(file))) yield file
    }
  }
}

/**
 * Keeps files whose timestamp (the start of their 5-minute delivery window) lies
 * between `start` and `end`, both inclusive. File times are a coarse pre-filter: AWS
 * delivers records minutes after they end.
 *
 * @example
 * ```ts
 * filterLogFiles(byTime(new Date('2024-05-01T00:00Z'), new Date('2024-05-01T06:00Z')))
 * ```
 */
export function byTime(start: Date, end: Date): LogFilePredicate {
  const from = validDate('start', start).getTime()
  const to = validDate('end', end).getTime()
  if (from > to) throw new TypeError(`start (${start.toISOString()}) must not be after end (${end.toISOString()})`)
  return (file) => {
    const t = file.timestamp.getTime()
    return t >= from && t <= to
  }
}

/**
 * Keeps files of the given AWS account ids.
 *
 * @example
 * ```ts
 * filterLogFiles(byAccount('123456789012', '210987654321'))
 * ```
 */
export function byAccount(...accounts: string[]): LogFilePredicate {
  return byField('account', 'byAccount', accounts)
}

/**
 * Keeps files of the given regions.
 *
 * @example
 * ```ts
 * filterLogFiles(byRegion('us-east-1', 'eu-west-1'))
 * ```
 */
export function byRegion(...regions: string[]): LogFilePredicate {
  return byField('region', 'byRegion', regions)
}

/**
 * Keeps files of the given flow log ids.
 *
 * @example
 * ```ts
 * filterLogFiles(byFlowLogId('fl-1234abcd'))
 * ```
 */
export function byFlowLogId(...flowLogIds: string[]): LogFilePredicate {
  return byField('flowLogId', 'byFlowLogId', flowLogIds)
}

function byField(field: 'account' | 'region' | 'flowLogId', name: string, values: string[]): LogFilePredicate {
  if (values.length === 0) throw new TypeError(`${name} needs at least one value`)
  for (const value of values) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`${name} values must be non-empty strings, got ${String(value)}`)
  }
  const wanted = new Set(values)
  return (file) => wanted.has(file[field])
}
