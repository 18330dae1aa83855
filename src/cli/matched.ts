/**
 * What the filters kept, and why nothing was: the log files listed, how many passed each
 * filter in turn, the nearest times that exist outside the window, and the accounts,
 * regions and flow log ids seen, for the message of an empty result.
 */
import { byTime, type LogFile, type LogFilePredicate } from '../index.js'
import { usage } from './errors.js'

/** The filters of a command line, in the order they are tried. */
export interface Criteria {
  start?: Date
  end?: Date
  /** The end of a window given only a start. */
  now: Date
  accounts?: readonly string[]
  regions?: readonly string[]
  flowLogIds?: readonly string[]
}

interface Filter {
  /** How a message names the files that passed it: `in the window ...`, `of account 12`. */
  readonly words: string
  readonly keep: LogFilePredicate
  /** What the filter looks at in a file, for the files it turns away (none for the window). */
  readonly fieldOf?: (file: LogFile) => string
  /** The values of the files it turned away. */
  readonly seen: Set<string>
  passed: number
}

/** Values named in a message at most; more are counted. */
const NAMED = 5

/** A minute as file names give it: 2024-05-01T00:05Z. */
export function minute(time: Date): string {
  return `${time.toISOString().slice(0, 16)}Z`
}

/**
 * Counts what passes the filters of `criteria`; `filter` is the stage that applies them,
 * `reason` says why nothing passed (undefined while something has).
 *
 * @example const matched = matching({ now, accounts: ['123456789012'] })
 */
export function matching(criteria: Criteria) {
  const { start, end = criteria.now } = criteria
  const filters: Filter[] = []
  const plural = (values: readonly string[], one: string, many: string): string => `${values.length === 1 ? one : many} ${values.join(', ')}`
  const window = start || criteria.end ? usage(() => byTime(start ?? new Date(0), end)) : undefined
  if (window) filters.push({ words: `in the window ${start ? minute(start) : ''}..${minute(end)}`, keep: window, seen: new Set(), passed: 0 })
  for (const [values, one, many, fieldOf] of [
    [criteria.accounts, 'of account', 'of accounts', (file: LogFile) => file.account],
    [criteria.regions, 'in region', 'in regions', (file: LogFile) => file.region],
    [criteria.flowLogIds, 'of flow log', 'of flow logs', (file: LogFile) => file.flowLogId],
  ] as const) {
    if (values) filters.push({ words: plural(values, one, many), keep: (file) => values.includes(fieldOf(file)), fieldOf, seen: new Set(), passed: 0 })
  }
  let listed = 0
  let before: Date | undefined
  let after: Date | undefined

  /** Notes what a file turned away by `filter` has: its time, or the value the filter looked at. */
  const turnedAway = (filter: Filter, file: LogFile): void => {
    if (filter.fieldOf) {
      if (filter.seen.size <= NAMED) filter.seen.add(filter.fieldOf(file))
    } else if (start && file.timestamp < start) {
      if (!before || file.timestamp > before) before = file.timestamp
    } else if (!after || file.timestamp < after) {
      after = file.timestamp
    }
  }

  return {
    /** The stage that keeps the files that pass every filter, counting as it goes. */
    async *filter(files: AsyncIterable<LogFile>): AsyncGenerator<LogFile> {
      next: for await (const file of files) {
        listed++
        for (const filter of filters) {
          if (!filter.keep(file)) {
            turnedAway(filter, file)
            continue next
          }
          filter.passed++
        }
        yield file
      }
    },
    /** Why nothing matched, e.g. `412 listed, 0 in the window ... (nearest: ... before, ... after)`; undefined if something did. */
    get reason(): string | undefined {
      const last = filters.at(-1)
      if (listed > 0 && (last === undefined || last.passed > 0)) return undefined
      if (listed === 0) return 'none listed'
      const parts = [`${listed} listed`]
      for (const filter of filters) {
        let note = ''
        if (filter.passed === 0 && !filter.fieldOf) {
          const nearest = [before && `${minute(before)} before`, after && `${minute(after)} after`].filter(Boolean)
          note = nearest.length > 0 ? ` (nearest: ${nearest.join(', ')})` : ''
        } else if (filter.passed === 0 && filter.seen.size > 0) {
          const seen = [...filter.seen]
          note = ` (seen: ${seen.slice(0, NAMED).join(', ')}${seen.length > NAMED ? ', ...' : ''})`
        }
        parts.push(`${filter.passed} ${filter.words}${note}`)
        if (filter.passed === 0) break
      }
      return parts.join(', ')
    },
  }
}
