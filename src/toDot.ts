import { abortable } from './abortable.js'
import type { FlowLogError } from './errors.js'
import { compare, lineError, textReader, type LogText, type RecordLine } from './flowLogText.js'
import type { Format } from './format.js'
import { abortSignal, callback, fieldList, positiveInteger } from './options.js'

export interface ToDotOptions {
  /** The graph's name. Default `vpcflow`. */
  name?: string
  /** The fields of text without a header line. Default: the default format (version 2). */
  fields?: readonly string[]
  /** Lenient reading: malformed lines are skipped and reported here. Default: they throw. */
  onError?: (error: FlowLogError) => void
  /**
   * Keep only the this many edges with the most bytes (ties in text order), and their
   * nodes, so that big graphs stay readable. Edges are then held until the end. Default: all.
   */
  top?: number
  /** Stops drawing; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/** The prefix of the edge attributes that carry each record's fields: `vpcflow_account_id`... */
export const DOT_ATTRIBUTE_PREFIX = 'vpcflow_'

/** Protocol numbers shown by name in labels. */
export const PROTOCOLS: Readonly<Record<string, string>> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '47': 'gre', '50': 'esp', '58': 'icmpv6' }

const COLORS: Readonly<Record<string, string>> = { ACCEPT: 'green', REJECT: 'red' }

/**
 * Draws flow log text (raw records or a digest) as a Graphviz DOT `digraph`: a node per
 * address, labelled with it, and an edge per record from srcaddr to dstaddr, green for
 * ACCEPT and red for REJECT, labelled with account, interface, ports, protocol, packets,
 * bytes, start and end. Every field of the record is also an edge attribute named
 * `vpcflow_` + the field name with `_` for `-`, so programs can read the values back.
 * Node ids are the quoted addresses, so they never collide; every value is escaped.
 * Records whose log-status is not OK are left out. Edges come in input order, nodes sorted.
 *
 * @example
 * ```ts
 * const dot = pipe(listLogFiles({ client, bucket }), prefetch({ client }), concatBodies(), digest(), toDot())
 * for await (const chunk of dot) process.stdout.write(chunk)
 * ```
 */
export function toDot(
  options: ToDotOptions = {},
): (text: AsyncIterable<LogText | string> | Iterable<LogText | string>) => AsyncGenerator<Uint8Array> {
  const { name = 'vpcflow' } = options
  const fields = fieldList('fields', options.fields)
  const onError = callback('onError', options.onError)
  if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${String(name)}`)
  const top = positiveInteger('top', options.top, Infinity)
  const signal = abortSignal('signal', options.signal)
  return async function* (text) {
    let edges: Edge[] = []
    const nodes = new Set<string>()
    /** Edge statements written as they come (with no `top`): in buffers of some 64 KiB, ready to yield. */
    let ready: Buffer[] = []
    let statements: string[] = []
    let size = 0
    const flush = (): void => {
      if (statements.length > 0) ready.push(Buffer.from(statements.join('')))
      statements = []
      size = 0
    }
    const reader = textReader({
      fields,
      onError,
      onRecord(record: RecordLine) {
        const edge = edgeOf(record)
        if (edge === undefined) return
        if (top !== Infinity) {
          edges.push(edge)
          return
        }
        nodes.add(edge.from).add(edge.to)
        statements.push(edge.statement)
        size += edge.statement.length
        if (size >= 64 * 1024) flush()
      },
    })
    yield Buffer.from(`digraph ${quote(name)} {\n  node [shape=box, fontname="Helvetica", fontsize=10];\n  edge [fontname="Helvetica", fontsize=8];\n`)
    for await (const chunk of abortable(text, signal)) {
      reader.push(chunk)
      flush()
      yield* ready
      ready = []
    }
    reader.end()
    flush()
    yield* ready
    if (top !== Infinity) {
      edges = edges.sort((a, b) => b.bytes - a.bytes || compare(a.statement, b.statement)).slice(0, top)
      for (const edge of edges) nodes.add(edge.from).add(edge.to)
    }
    const nodeLines = [...nodes].sort().map((node) => `  ${quote(node)} [label=${quote(node)}];\n`)
    yield Buffer.from(edges.map((edge) => edge.statement).join('') + nodeLines.join('') + '}\n')
  }
}

interface Edge {
  readonly from: string
  readonly to: string
  /** For ranking: the record's bytes, 0 when absent. */
  readonly bytes: number
  readonly statement: string
}

/** Each format's edge attribute names, made once. */
const attributeNames = new WeakMap<Format, readonly string[]>()

function edgeOf(record: RecordLine): Edge | undefined {
  const { format, bytes, starts, ends } = record
  const values: Array<string | undefined> = []
  for (let i = 0; i < format.fields.length; i++) {
    const value = bytes.toString('utf8', starts[i], ends[i])
    values.push(value === '-' ? undefined : value)
  }
  const get = (field: string): string | undefined => {
    const at = format.positions.get(field)
    return at === undefined ? undefined : values[at]
  }
  if (format.positions.has('log-status') && get('log-status') !== 'OK') return undefined
  const from = get('srcaddr')
  const to = get('dstaddr')
  if (from === undefined || to === undefined) {
    throw lineError(record, 'MISSING_FIELD', 'a record to draw needs srcaddr and dstaddr')
  }
  let names = attributeNames.get(format)
  if (!names) attributeNames.set(format, (names = format.fields.map((field) => `, ${DOT_ATTRIBUTE_PREFIX}${field.replaceAll('-', '_')}=`)))
  let statement = `  ${quote(from)} -> ${quote(to)} [color=${COLORS[get('action') ?? ''] ?? 'gray'}, label="${labelOf(get)}"`
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (value !== undefined) statement += names[i]! + quote(value)
  }
  return { from, to, bytes: Number(get('bytes') ?? 0), statement: statement + '];\n' }
}

/**
 * A short label of what is present, escaped for a DOT string: account and interface;
 * protocol and ports; packets and bytes; the time window in UTC, a line each. For example:
 * `123456789010 eni-1235b8ca\ntcp 0 → 443\n20 packets, 4249 bytes\n2014-12-14 04:06 – 04:07Z`
 */
function labelOf(get: (field: string) => string | undefined): string {
  const protocol = get('protocol')
  const ports = get('srcport') ?? get('dstport') ? `${get('srcport') ?? '-'} → ${get('dstport') ?? '-'}` : undefined
  const counts = [get('packets') && `${get('packets')} packets`, get('bytes') && `${get('bytes')} bytes`]
  const [start, end] = [utc(get('start')), utc(get('end'))]
  const sameDay = start !== undefined && end !== undefined && start.slice(0, 10) === end.slice(0, 10)
  const window = start ?? end ? `${start ?? '?'} – ${(sameDay ? end.slice(11) : end) ?? '?'}Z` : undefined
  return [
    [get('account-id'), get('interface-id')],
    [protocol && (PROTOCOLS[protocol] ?? `protocol ${protocol}`), ports],
    counts,
    [window],
  ]
    .map((parts) => parts.filter(Boolean).join(parts === counts ? ', ' : ' '))
    .filter(Boolean)
    .map(escape)
    .join('\\n')
}

/** Unix seconds as `yyyy-mm-dd hh:mm` (UTC), or the value as it is when it is not a time. */
function utc(seconds: string | undefined): string | undefined {
  if (seconds === undefined) return undefined
  const minute = Math.floor(Number(seconds) / 60)
  let text = minutes.get(minute)
  if (text === undefined) {
    const time = new Date(minute * 60_000)
    if (Number.isNaN(time.getTime())) return seconds
    text = time.toISOString().slice(0, 16).replace('T', ' ')
    // Lines of a digest all carry the same window, and records of a file close ones: few minutes.
    if (minutes.size >= 4096) minutes.clear()
    minutes.set(minute, text)
  }
  return text
}

/** The minutes `utc` wrote lately. */
const minutes = new Map<number, string>()

/**
 * A DOT quoted string: backslashes and quotes escaped, line breaks as `\n`, and NUL,
 * which no DOT string can hold (Graphviz stops reading there), as U+FFFD. Any other
 * character stands for itself; in Graphviz's SVG, text is XML-escaped, so no value
 * can turn into markup.
 */
export function quote(value: string): string {
  return `"${escape(value)}"`
}

/** The inside of `quote`'s string. */
export function escape(value: string): string {
  if (!SPECIAL.test(value)) return value
  return value.replace(/[\\"]/g, '\\$&').replace(/\r?\n|\r/g, '\\n').replaceAll('\0', '\uFFFD')
}

/** What `quote` changes: most values have none of it. */
const SPECIAL = /[\\"\r\n\0]/
