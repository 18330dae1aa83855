/**
 * The progress bar on standard error, shown only on a terminal, with messages written above it.
 */
import { MultiBar } from 'cli-progress'
import { athenaPrice } from '../index.js'
import type { Context } from './command.js'
import { bytes } from '../map/mapToDot.js'
import { redact } from './errors.js'

export { bytes }

/** What the bar shows, counted by the pipeline as it goes. */
export interface Counts {
  /** Log files that passed the filters, and their bytes. */
  listed: number
  listedBytes: number
  listing: boolean
  fetched: number
  /** Bytes as stored (what the listing's sizes count). */
  bytes: number
  /** Record lines read (of any log-status), as digest tells. */
  records: number
  /** Set while Graphviz lays out the graph. */
  layout?: { edges: number; since: number }
  /** Set once Athena runs a statement (--engine athena): its state, and the bytes it scanned. */
  athena?: { statement: string; state: string; scanned: number }
}

/** What the bar is about: a listing, log files being fetched and digested, or a stream of text. */
type ProgressShape = 'listing' | 'files' | 'stream'

/** A progress bar and the channel for messages while it shows. */
export interface Progress {
  readonly counts: Counts
  /** Writes a line to standard error, above the bar; credentials are taken out. */
  log(message: string): void
  /** Takes the bar away for good. */
  stop(): void
}

/**
 * A one-line progress bar on standard error (cli-progress redraws it ten times a second),
 * with lines written above it by `log`. Off, `log` writes plain lines.
 *
 * @example const progress = progressBar(context, context.stderr.isTTY === true, 'files')
 */
export function progressBar({ stderr, atExit }: Context, enabled: boolean, shape: ProgressShape): Progress {
  const counts: Counts = { listed: 0, listedBytes: 0, listing: true, fetched: 0, bytes: 0, records: 0 }
  const started = Date.now()
  let bars: MultiBar | undefined

  const text = (width: number): string => {
    const seconds = (Date.now() - started) / 1000
    const rate = counts.bytes / Math.max(seconds, 0.001)
    const { layout } = counts
    let parts: string[]
    if (layout) {
      parts = [`laying out the graph: ${layout.edges.toLocaleString('en-US')} edges`, duration((Date.now() - layout.since) / 1000)]
    } else if (counts.athena) {
      const { statement, state, scanned } = counts.athena
      parts = [`Athena ${statement}: ${state}`, `${bytes(scanned)} scanned (${dollars(athenaPrice(scanned))})`, `${counts.records.toLocaleString('en-US')} rows`, duration(seconds)]
    } else if (shape === 'listing') {
      parts = [`listing: ${counts.listed.toLocaleString('en-US')} log files`, bytes(counts.listedBytes), duration(seconds)]
    } else if (shape === 'stream') {
      parts = [`${bytes(counts.bytes)} read`, `${counts.records.toLocaleString('en-US')} records`, `${bytes(rate)}/s`, duration(seconds)]
    } else if (counts.listing) {
      // The listing runs only as far ahead as the fetching needs: no total, no ETA yet.
      parts = [
        `${counts.fetched}/${counts.listed}+ files`,
        bytes(counts.bytes),
        `${counts.records.toLocaleString('en-US')} records`,
        `${bytes(rate)}/s`,
        duration(seconds),
      ]
    } else {
      const done = counts.listedBytes > 0 ? Math.min(1, counts.bytes / counts.listedBytes) : 1
      const filled = Math.round(done * 20)
      parts = [
        `${'\u2588'.repeat(filled)}${'\u2591'.repeat(20 - filled)} ${Math.floor(done * 100)}%`,
        `${counts.fetched}/${counts.listed} files`,
        `${bytes(counts.bytes)} of ${bytes(counts.listedBytes)}`,
        `${counts.records.toLocaleString('en-US')} records`,
        `${bytes(rate)}/s`,
        `ETA ${rate === 0 ? '?' : duration((counts.listedBytes - counts.bytes) / rate)}`,
      ]
    }
    return parts.join(' | ').slice(0, Math.max(0, width - 1))
  }

  const stop = (): void => {
    bars?.stop()
    bars = undefined
    atExit.delete(stop)
  }
  if (enabled) {
    bars = new MultiBar({ stream: stderr as NodeJS.WriteStream, format: (_, params) => text(params.maxWidth), linewrap: true, clearOnComplete: true })
    bars.create(1, 0)
    atExit.add(stop)
  }
  return {
    counts,
    log(message: string): void {
      if (!bars) return void stderr.write(`${redact(message)}\n`)
      bars.log(`${redact(message)}\n`)
      bars.update()
    },
    stop,
  }
}

/** A price in dollars for people: $0.0123. */
export function dollars(amount: number): string {
  return `$${amount < 1 ? amount.toPrecision(2) : amount.toFixed(2)}`
}

function duration(seconds: number): string {
  const s = Math.round(seconds)
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)]
  const two = (n: number): string => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`
}

/** Passes items through, telling `each` about every one. */
export function tap<T>(each: (item: T) => void) {
  return async function* (source: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const item of source) {
      each(item)
      yield item
    }
  }
}
