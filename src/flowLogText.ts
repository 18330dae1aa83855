import { FlowLogError, objectUrl, type FlowLogErrorCode } from './errors.js'
import { DEFAULT_FORMAT, formatOf, KNOWN_FIELDS, type Format } from './format.js'
import type { LogObject } from './parseLogFileKey.js'

/**
 * A chunk of flow log text. Chunks made by `concatBodies` carry the log file they come
 * from as `source`, so that errors can name it; plain chunks (a file stream, stdin) have none.
 */
export type LogText = Uint8Array & { readonly source?: LogObject }

/** Code-unit order, which for latin1 text (a char per byte) is the byte order: how output is sorted. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Marks a chunk as text of `file`. */
export function fromLogFile(chunk: Uint8Array, file: LogObject): LogText {
  return Object.defineProperty(chunk, 'source', { value: file, enumerable: false }) as LogText
}

/** One record line, valid until the reader moves on: read what you need during the callback. */
export interface RecordLine {
  readonly format: Format
  /** The buffer holding the line; field `i` is `bytes[starts[i]]` up to `bytes[ends[i]]`. */
  readonly bytes: Buffer
  readonly starts: Int32Array
  readonly ends: Int32Array
  /**
   * The value of each numeric field by position: -1 for `-`, {@link BIG} for a count past
   * 2^53 (read it from the bytes as a bigint). Other positions are unspecified.
   */
  readonly numbers: Float64Array
  /** The log file the line comes from, when known. */
  readonly source: LogObject | undefined
  /** 1-based line number within the source (or the stream). */
  readonly line: number
}

export interface TextReaderOptions {
  /** Called for each record line. A FlowLogError it throws is handled like a malformed line. */
  onRecord: (record: RecordLine) => void
  /** Called when a header line sets the format of the lines after it. */
  onHeader?: (format: Format) => void
  /** The fields of text that has no header line. Default: the default format (version 2). */
  fields?: readonly string[]
  /** Lines longer than this many bytes are malformed. Default 64 KiB. */
  maxLineLength?: number
  /** Lenient reading: malformed lines are skipped and reported here. Default: they throw. */
  onError?: (error: FlowLogError) => void
  /**
   * Takes record lines in bulk, for speed: offered whole lines of `bytes` from `start` to
   * `end` (just past a newline), all in `format` and after the first line of their source,
   * it reads as many as it takes and returns where it stopped and how many lines it read.
   * The line there is read as usual (by `onRecord`, or as a header or a bad line), and the
   * rest is offered again.
   */
  onLines?: (bytes: Buffer, start: number, end: number, format: Format) => { end: number; lines: number }
}

/** In `RecordLine.numbers`: a count too large for a double to hold exactly. */
export const BIG = -2

/** A `JSON.stringify` replacer that writes bigints (counts past 2^53) as decimal strings. */
export const bigintText = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value)

/** Default limit on the length of one line: far beyond any real flow log record. */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024

const NEWLINE = 10
const SPACE = 32
const TAB = 9
const CR = 13
const DASH = 45

/** Space, tab or carriage return: what separates fields. Most bytes fail the first test. */
export function isBlank(c: number): boolean {
  return c <= SPACE && (c === SPACE || c === TAB || c === CR)
}

/**
 * A numeric field's value as `readFields` reads it: a whole number, -1 for `-`, BIG past
 * 2^53, NaN for anything else. (`readFields` does the same inline, in its hot loop.)
 */
function wholeNumber(bytes: Buffer, start: number, end: number): number {
  if (end - start === 1 && bytes[start] === DASH) return -1
  let value = 0
  for (let i = start; i < end; i++) {
    const digit = bytes[i]! - 48
    if (digit >>> 0 > 9) return NaN
    value = value * 10 + digit
  }
  return end - start > 15 && value > Number.MAX_SAFE_INTEGER ? BIG : value
}

/** The error for a bad line, naming its object and line number. */
export function lineError(record: Pick<RecordLine, 'source' | 'line'>, code: FlowLogErrorCode, reason: string): FlowLogError {
  const object = record.source && objectUrl(record.source)
  return new FlowLogError(reason, { code, object, line: record.line })
}

/**
 * Reads flow log text pushed in chunks split anywhere: splits lines at the byte level,
 * follows header lines (each log file has its own), splits fields on runs of blanks,
 * checks the field count and numeric fields, and hands each record to `onRecord`.
 * A malformed line throws a FlowLogError naming the object and line, or with `onError`
 * is reported and skipped.
 */
export function textReader(options: TextReaderOptions): { push(chunk: LogText | string): void; end(): void } {
  const { onRecord, onHeader, onError, onLines, maxLineLength = DEFAULT_MAX_LINE_LENGTH } = options
  const headerless = options.fields ? formatOf(options.fields) : DEFAULT_FORMAT
  let starts: Int32Array = new Int32Array(64)
  let ends: Int32Array = new Int32Array(64)
  let numbers: Float64Array = new Float64Array(64)
  /** The start of a line that continues in the next chunk. */
  let carry: Buffer | undefined
  /** Whether the rest of an overlong line is being passed over (lenient reading). */
  let discarding = false
  let source: LogObject | undefined
  let format: Format | undefined
  let line = 0

  const record: { -readonly [K in keyof RecordLine]: RecordLine[K] } = {
    format: headerless,
    bytes: Buffer.alloc(0),
    starts,
    ends,
    numbers,
    source,
    line,
  }

  /** Throws, or reports when lenient; the caller then passes over the line. */
  function malformed(error: FlowLogError): void {
    if (!onError) throw error
    onError(error)
  }

  /** Finds the fields of a line: runs of bytes split by spaces, tabs and carriage returns. */
  /** Makes the field arrays hold at least `size` fields. */
  function room(size: number): void {
    if (starts.length >= size) return
    const length = Math.max(size, starts.length * 2)
    const larger = (array: Int32Array): Int32Array => {
      const copy = new Int32Array(length)
      copy.set(array)
      return copy
    }
    starts = record.starts = larger(starts)
    ends = record.ends = larger(ends)
    numbers = record.numbers = new Float64Array(length)
  }

  function tokenize(bytes: Buffer, start: number, end: number): number {
    let count = 0
    let i = start
    while (i < end) {
      if (isBlank(bytes[i]!)) {
        i++
        continue
      }
      room(count + 1)
      starts[count] = i
      while (++i < end && !isBlank(bytes[i]!));
      ends[count++] = i
    }
    return count
  }

  /**
   * A header has only field-name tokens ([a-z][a-z0-9-]*). AWS writes one as the first line
   * of every text object, whatever its fields: there that is enough; elsewhere (a stream,
   * a later line) one of the tokens must be a field AWS documents.
   */
  function headerOf(bytes: Buffer, count: number, firstOfObject: boolean): Format | undefined {
    for (let f = 0; f < count; f++) {
      const c = bytes[starts[f]!]!
      if (c < 97 || c > 122) return undefined
      for (let i = starts[f]! + 1; i < ends[f]!; i++) {
        const d = bytes[i]!
        if (!((d >= 97 && d <= 122) || (d >= 48 && d <= 57) || d === DASH)) return undefined
      }
    }
    const fields = Array.from({ length: count }, (_, f) => bytes.toString('latin1', starts[f]!, ends[f]!))
    return firstOfObject || fields.some((name) => KNOWN_FIELDS.has(name)) ? formatOf(fields) : undefined
  }

  /**
   * Reads a line with more blank-separated words than its format has fields when the format
   * has one tag field: the words past the count are the tag value's, joined with the blanks
   * between them. Fills the field arrays as `readFields` does and returns the format's count.
   */
  function joinTag(bytes: Buffer, start: number, end: number, current: Format): number {
    const tag = current.tags[0]!
    // Tokenizing may make the arrays larger (new ones): every number is read again below.
    const extra = tokenize(bytes, start, end) - current.fields.length
    ends[tag] = ends[tag + extra]!
    for (let f = tag + 1; f < current.fields.length; f++) {
      starts[f] = starts[f + extra]!
      ends[f] = ends[f + extra]!
    }
    for (let f = 0; f < current.fields.length; f++) {
      if (current.numeric[f] === 1) numbers[f] = wholeNumber(bytes, starts[f]!, ends[f]!)
    }
    return current.fields.length
  }

  /**
   * Splits a record line into the fields of `current` and reads its numeric fields in the
   * same pass: a whole number, -1 for `-`, BIG past 2^53, NaN for anything else. Returns
   * the number of fields found, which may be more than the format has.
   */
  function readFields(bytes: Buffer, start: number, end: number, current: Format): number {
    const numeric = current.numeric
    const size = numeric.length
    room(size)
    const from = starts
    const to = ends
    const values = numbers
    let count = 0
    let i = start
    while (i < end) {
      let c = bytes[i]!
      if (isBlank(c)) {
        i++
        continue
      }
      if (count >= size) {
        // more fields than the format: count them for the error, store nothing
        count++
        while (++i < end && !isBlank((c = bytes[i]!)));
        continue
      }
      from[count] = i
      if (numeric[count] === 1) {
        let value = 0
        let digits = 0
        let valid = true
        do {
          const digit = c - 48
          if (digit >>> 0 > 9) valid = false
          value = value * 10 + digit
          digits++
        } while (++i < end && !isBlank((c = bytes[i]!)))
        if (!valid) value = digits === 1 && bytes[i - 1] === DASH ? -1 : NaN
        else if (digits > 15 && value > Number.MAX_SAFE_INTEGER) value = BIG
        values[count] = value
      } else {
        while (++i < end && !isBlank((c = bytes[i]!)));
      }
      to[count++] = i
    }
    return count
  }

  function readLine(bytes: Buffer, start: number, end: number): void {
    line++
    // A byte order mark some editors write at the start of a file is not part of the header.
    if (line === 1 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf) start += 3
    let i = start
    while (i < end && isBlank(bytes[i]!)) i++
    if (i === end) return
    const first = bytes[i]!
    if (first >= 97 && first <= 122) {
      const header = headerOf(bytes, tokenize(bytes, start, end), line === 1 && source !== undefined)
      if (header) {
        format = header
        onHeader?.(header)
        return
      }
    }
    const current = format ?? headerless
    let count = readFields(bytes, start, end, current)
    if (count > current.fields.length && current.tags.length === 1) count = joinTag(bytes, start, end, current)
    if (count !== current.fields.length) {
      const tags = count > current.fields.length && current.tags.length > 1 ? ': a tag value with blanks? with several tag fields it cannot be told where' : ''
      return malformed(lineError({ source, line }, 'FIELD_COUNT', `expected ${current.fields.length} fields (${current.header}), found ${count}${tags}`))
    }
    for (let f = 0; f < count; f++) {
      if (current.numeric[f] === 0) continue
      const value = numbers[f]!
      if (Number.isNaN(value) || (value === BIG && !current.counts[f])) {
        const text = bytes.toString('utf8', starts[f]!, Math.min(ends[f]!, starts[f]! + 40))
        const what = Number.isNaN(value) ? 'is not a whole number' : 'is out of range'
        return malformed(lineError({ source, line }, 'NOT_A_NUMBER', `${current.fields[f]} ${what}: "${text}"`))
      }
    }
    record.format = current
    record.bytes = bytes
    record.source = source
    record.line = line
    try {
      onRecord(record)
    } catch (error) {
      if (!(error instanceof FlowLogError) || error.line === undefined) throw error
      malformed(error)
    }
  }

  function endOfSource(): void {
    if (carry) {
      const rest = carry
      carry = undefined
      readLine(rest, 0, rest.length)
    }
    discarding = false
  }

  return {
    push(chunk) {
      const bytes =
        typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      const from = typeof chunk === 'string' ? undefined : chunk.source
      if (from !== source) {
        endOfSource()
        source = from
        format = undefined
        line = 0
      }
      let pos = 0
      /** The end of the chunk's whole lines, which may go to onLines. */
      const whole = onLines ? bytes.lastIndexOf(NEWLINE) + 1 : 0
      while (pos < bytes.length) {
        if (pos < whole && line > 0 && !carry && !discarding) {
          const read = onLines!(bytes, pos, whole, format ?? headerless)
          line += read.lines
          pos = read.end
          if (pos === bytes.length) return
        }
        const newline = bytes.indexOf(NEWLINE, pos)
        const end = newline < 0 ? bytes.length : newline
        if (discarding) {
          if (newline < 0) return
          discarding = false
        } else if ((carry?.length ?? 0) + end - pos > maxLineLength) {
          carry = undefined
          line++
          malformed(lineError({ source, line }, 'LINE_TOO_LONG', `line is longer than ${maxLineLength} bytes`))
          if (newline < 0) {
            discarding = true
            return
          }
        } else if (newline < 0) {
          carry = carry ? Buffer.concat([carry, bytes.subarray(pos)]) : Buffer.from(bytes.subarray(pos))
          return
        } else if (carry) {
          const whole = Buffer.concat([carry, bytes.subarray(pos, end)])
          carry = undefined
          readLine(whole, 0, whole.length)
        } else {
          readLine(bytes, pos, end)
        }
        pos = newline + 1
      }
    },
    end: endOfSource,
  }
}
