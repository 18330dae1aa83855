/**
 * The network map as a stage: its options checked, the records folded into conversations
 * (conversations.ts), and those made into the map (grouping.ts).
 */
import { abortable } from '../abortable.js'
import type { FlowLogError } from '../errors.js'
import type { LogText } from '../flowLogText.js'
import { abortSignal, callback, fieldList } from '../options.js'
import type { GroupBy, NetworkMap } from './networkMap.js'
import { conversations } from './conversations.js'
import { mapOf, type MapSettings } from './grouping.js'

export interface NetworkMapOptions {
  /**
   * What a node is: `address` (default), `subnet`, `vpc` or `account` (from the `subnet-id`,
   * `vpc-id` and `account-id` of the interface an address belongs to), or `cidr/N`, the block
   * of N leading bits (`cidr/24`).
   */
  groupBy?: GroupBy
  /** Keep each public address as a node of its own rather than folding them into `internet`. Default `false`. */
  keepPublic?: boolean
  /** Names of addresses (from `readNames` or `ec2Names`): an address node is labelled with its name. */
  names?: ReadonlyMap<string, string>
  /** What was read, as the title should name it: `s3://bucket/prefix`, a folder. */
  source?: string
  /** The fields of text without a header line. Default: the default format (version 2). */
  fields?: readonly string[]
  /** Lenient reading: malformed lines are skipped and reported here. Default: they throw. */
  onError?: (error: FlowLogError) => void
  /** Told what the map could not do as asked, e.g. addresses grouped by `cidr/24` for want of a `subnet-id`. */
  onWarning?: (message: string) => void
  /** Stops reading; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Builds the network map from flow log text (a digest, or raw records; both give the same
 * map): conversations between groups of addresses, with the outside world folded. Yields one
 * {@link NetworkMap} when the text ends.
 *
 * A line is a conversation once the ephemeral port (the larger, srcport when equal) is taken
 * as 0, as `digest` does: with srcport 0 it is a request, client srcaddr to server dstaddr on
 * port dstport; with dstport 0 it is the reply, server srcaddr on port srcport back to client
 * dstaddr; with both 0 (ICMP, or no ports) it is srcaddr to dstaddr by protocol alone. Request
 * and reply fold into one conversation, counted each way, accepted and rejected apart. Traffic
 * between two interfaces that both log is recorded at each of them: each way, a conversation
 * counts one of them, not their sum (the one that rejected, else the larger). Records whose
 * log-status is not OK are left out.
 *
 * @example
 * ```ts
 * for await (const map of pipe(createReadStream('digest.log'), toNetworkMap({ groupBy: 'subnet' }))) {
 *   console.log(map.nodes.length, 'nodes', map.edges.length, 'edges')
 * }
 * ```
 */
export function toNetworkMap(
  options: NetworkMapOptions = {},
): (text: AsyncIterable<LogText | string> | Iterable<LogText | string>) => AsyncGenerator<NetworkMap> {
  const settings = mapSettings(options)
  const signal = abortSignal('signal', options.signal)
  return async function* (text) {
    const fold = conversations(settings)
    for await (const chunk of abortable(text, signal)) fold.push(chunk)
    fold.end()
    yield mapOf(settings, fold.gathered())
  }
}

/**
 * The network map of flow log text, as a promise: {@link toNetworkMap} for programs that
 * want the map rather than a stage.
 *
 * @example
 * ```ts
 * const map = await buildNetworkMap(pipe(listLocalLogFiles({ dir: 'logs' }), prefetch(), digest()), { source: 'logs' })
 * process.stdout.write(mapToDot(map))
 * ```
 */
export async function buildNetworkMap(
  text: AsyncIterable<LogText | string> | Iterable<LogText | string>,
  options: NetworkMapOptions = {},
): Promise<NetworkMap> {
  for await (const map of toNetworkMap(options)(text)) return map
  throw new Error('toNetworkMap yielded no map') // it always yields one
}

/** The options, checked. */
type Settings = MapSettings & Parameters<typeof conversations>[0]

/** Checks the options: a bad one throws a TypeError naming it. */
function mapSettings(options: NetworkMapOptions): Settings {
  const { groupBy = 'address', keepPublic = false, names, source } = options
  const prefix = /^cidr\/(\d{1,3})$/.exec(String(groupBy))
  if (!['address', 'subnet', 'vpc', 'account'].includes(groupBy) && !(prefix && Number(prefix[1]) <= 128)) {
    throw new TypeError(`groupBy must be address, subnet, vpc, account or cidr/N (N from 0 to 128), got ${String(groupBy)}`)
  }
  if (typeof keepPublic !== 'boolean') throw new TypeError(`keepPublic must be a boolean, got ${String(keepPublic)}`)
  if (names !== undefined && !(names instanceof Map)) throw new TypeError('names must be a Map of address to name')
  if (source !== undefined && typeof source !== 'string') throw new TypeError(`source must be a string, got ${String(source)}`)
  return {
    groupBy,
    prefix: prefix ? Number(prefix[1]) : undefined,
    keepPublic,
    names,
    source,
    fields: fieldList('fields', options.fields),
    onError: callback('onError', options.onError),
    onWarning: callback('onWarning', options.onWarning),
  }
}
