/**
 * The command line's argument parsers, attached to commander's options so that a bad value
 * is a usage error (exit code 2) before any work starts. Each takes the flag's name for
 * its message and returns commander's `(value, previous) => parsed`.
 */
import { toNetworkMap, type GroupBy } from '../index.js'
import { UsageError } from './errors.js'

const ISO_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/i

/**
 * An ISO-8601 time (UTC unless it has an offset), or one relative to `now`: -30m, -2h, -7d, -1w.
 *
 * @example time('--start', now)('-2h') // two hours before now
 */
export function time(name: string, now: Date) {
  return (value: string): Date => {
    const relative = /^-(\d+)([mhdw])$/.exec(value)
    if (relative) {
      const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 'm' | 'h' | 'd' | 'w']
      return new Date(now.getTime() - Number(relative[1]) * unit)
    }
    const match = ISO_TIME.exec(value)
    const day = match && new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
    const parsed = match && new Date(value.replace(' ', 'T') + (match[4] && !match[7] ? 'Z' : ''))
    if (!match || !day || !parsed || day.getUTCDate() !== Number(match[3]) || Number.isNaN(parsed.getTime())) {
      throw new UsageError(`${name} must be an ISO-8601 time (2024-05-01T00:00Z) or relative (-2h, -7d), got ${value}`)
    }
    return parsed
  }
}

/** A span of time: from `start` (included) to `end` (excluded); either may be open. */
export interface Period {
  readonly start?: Date
  readonly end?: Date
}

/**
 * A period: two times as `time` reads them, joined by `..` (`-14d..-7d`,
 * `2024-05-01..2024-05-02`). The start is included and the end is not, so that periods
 * end to end share no log file. An empty side is open: `-7d..` runs to now, `..-7d` from the first file.
 *
 * @example period('--before', now)('-14d..-7d') // { start: 14 days ago, end: 7 days ago }
 */
export function period(name: string, now: Date) {
  const at = time(name, now)
  return (value: string): Period => {
    const sides = value.split('..')
    if (sides.length !== 2) throw new UsageError(`${name} must be a period, two times joined by .. (-14d..-7d, 2024-05-01..2024-05-02), got ${value}`)
    const [start, end] = sides.map((side) => (side === '' ? undefined : at(side)))
    if (start && end && start >= end) throw new UsageError(`${name} must end after it starts, got ${value}`)
    return { start, end }
  }
}

/**
 * A byte size: 1048576, 64MiB, 1.5GB, 512k, unlimited (Infinity).
 *
 * @example size('--max-bytes')('256MiB') // 268435456
 */
export function size(name: string) {
  return (value: string): number => {
    if (/^(unlimited|infinity)$/i.test(value)) return Infinity
    const match = /^(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?$/i.exec(value)
    if (!match) throw new UsageError(`${name} must be a size such as 256MiB, 1.5GB or 1048576, got ${value}`)
    const unit = (match[2] ?? '').toLowerCase()
    const power = ' kmgt'.indexOf(unit[0] ?? ' ')
    return Math.round(Number(match[1]) * (unit.endsWith('i') ? 1024 : 1000) ** power)
  }
}

/**
 * A whole number above 0.
 *
 * @example count('--top')('200') // 200
 */
export function count(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1) {
      throw new UsageError(`${name} must be a whole number above 0, got ${value}`)
    }
    return Number(value)
  }
}

/**
 * A repeatable, comma-separated list: `--region a,b --region c` gives `[a, b, c]`.
 *
 * @example list('us-east-1, eu-west-1') // ['us-east-1', 'eu-west-1']
 */
export function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((item) => item.trim()).filter(Boolean)]
}

/**
 * An http:// or https:// URL.
 *
 * @example url('--endpoint')('http://localhost:9000')
 */
export function url(name: string) {
  return (value: string): string => {
    const parsed = URL.canParse(value) ? new URL(value) : undefined
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new UsageError(`${name} must be an http:// or https:// URL, got ${value}`)
    }
    return value
  }
}

/**
 * An S3 location, `s3://bucket/prefix/`, ending in a slash as Athena's result locations do.
 *
 * @example s3Url('--athena-output')('s3://my-athena-results/vpcflow') // 's3://my-athena-results/vpcflow/'
 */
export function s3Url(name: string) {
  return (value: string): string => {
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(value)) throw new UsageError(`${name} must be an s3://bucket/prefix/ location, got ${value}`)
    return value.endsWith('/') ? value : `${value}/`
  }
}

/**
 * A repeatable, comma-separated list of field names, at least one.
 *
 * @example fieldList('--key-fields')('srcaddr,dstaddr') // ['srcaddr', 'dstaddr']
 */
export function fieldList(name: string) {
  return (value: string, previous: string[] = []): string[] => {
    const fields = list(value, previous)
    if (fields.length === 0) throw new UsageError(`${name} needs at least one field name, e.g. srcaddr,dstaddr, got '${value}'`)
    return fields
  }
}

/**
 * A grouping of the map: address, subnet, vpc, account or cidr/N, as the library checks it.
 *
 * @example grouping('--group-by')('cidr/24') // 'cidr/24'
 */
export function grouping(name: string) {
  return (value: string): GroupBy => {
    try {
      toNetworkMap({ groupBy: value as GroupBy }) // checks it, and starts nothing
    } catch (error) {
      throw error instanceof TypeError ? new UsageError(error.message.replace(/^groupBy/, name)) : error
    }
    return value as GroupBy
  }
}
