import { abortable } from '../abortable.js'
import type { FlowLogError } from '../errors.js'
import { BIG, compare, lineError, textReader, type LogText, type RecordLine } from '../flowLogText.js'
import type { Format } from '../format.js'
import { abortSignal, callback, fieldList } from '../options.js'
import { parseLogFileKey, type LogObject } from '../parseLogFileKey.js'
import { PROTOCOLS } from '../toDot.js'
import { addressBytes, blockOf, isPrivate } from './addresses.js'
import { nameNodes } from './names.js'
import type { GroupBy, MapCluster, MapEdge, MapNode, NetworkMap, NodeKind, Service, Traffic, Volume } from './networkMap.js'

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

/** Addresses kept in a node's `addresses` (its `addressCount` counts them all). */
export const MAX_NODE_ADDRESSES = 2000

/** The node ids of the outside world folded: public clients (traffic coming in) and public servers (traffic going out). */
export const INTERNET_IN = 'internet:in'
export const INTERNET_OUT = 'internet:out'

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
    yield fold.map()
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

interface Settings {
  readonly groupBy: GroupBy
  /** For `cidr/N`: N. */
  readonly prefix: number | undefined
  readonly keepPublic: boolean
  readonly names: ReadonlyMap<string, string> | undefined
  readonly source: string | undefined
  readonly fields: readonly string[] | undefined
  readonly onError: ((error: FlowLogError) => void) | undefined
  readonly onWarning: ((message: string) => void) | undefined
}

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

type Count = number | bigint

/** A sum, exact: a number while it is safe, a bigint past 2^53. */
export function add(a: Count, b: Count): Count {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b
    if (sum <= Number.MAX_SAFE_INTEGER) return sum
  }
  const sum = BigInt(a) + BigInt(b)
  return sum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sum) : sum
}

/** The fields the map reads, by the name its code uses. */
const FIELDS = {
  srcaddr: 'srcaddr',
  dstaddr: 'dstaddr',
  srcport: 'srcport',
  dstport: 'dstport',
  protocol: 'protocol',
  packets: 'packets',
  bytes: 'bytes',
  start: 'start',
  end: 'end',
  action: 'action',
  logStatus: 'log-status',
  account: 'account-id',
  interfaceId: 'interface-id',
  vpc: 'vpc-id',
  subnet: 'subnet-id',
  region: 'region',
  pktSrcaddr: 'pkt-srcaddr',
  pktDstaddr: 'pkt-dstaddr',
  pktSrcService: 'pkt-src-aws-service',
  pktDstService: 'pkt-dst-aws-service',
  flowDirection: 'flow-direction',
} as const

/** The positions of the fields the map reads in one format, -1 where it lacks one. */
type Positions = Record<keyof typeof FIELDS, number>

/** A network interface (or, where the format has no interface-id, the account, VPC and subnet of the records). */
interface Interface {
  readonly id: string
  /** The interface's own account, VPC and subnet, from the first of its records that has them. */
  account: string | undefined
  vpc: string | undefined
  subnet: string | undefined
  /** Addresses in every record of the interface so far (-1: none), for formats without flow-direction. */
  a: number
  b: number
}

/**
 * Counts of a conversation as one interface recorded them: bytes and packets of the request
 * accepted, the request rejected, the reply accepted and the reply rejected, then the lines of each.
 */
const STRIDE = 12

/**
 * The conversations between addresses, as columns: client, server, service (protocol and
 * port) and the first observer's counts in typed arrays, so that memory stays a few dozen
 * bytes a conversation; the rare further observers (both ends of a conversation logging)
 * and counts past 2^53 aside.
 */
class Conversations {
  size = 0
  client = new Int32Array(1024)
  server = new Int32Array(1024)
  /** (protocol + 1) * 65536 + port. */
  service = new Int32Array(1024)
  observer = new Int32Array(1024)
  records = new Float64Array(1024)
  counts = new Float64Array(1024 * STRIDE)
  /** Counts past 2^53, by their place in `counts`. */
  readonly big = new Map<number, bigint>()
  /** The counts of observers after the first, by conversation. */
  readonly others = new Map<number, Array<{ observer: number; counts: Count[] }>>()
  readonly byKey = new Map<number | string, number>()
  readonly pairs = new Map<number | string, number>()

  /** The conversation of a client and server on a service, made if new. */
  of(client: number, server: number, service: number, observer: number): number {
    const pairKey = client < 2 ** 22 && server < 2 ** 22 ? client * 2 ** 22 + server : `${client} ${server}`
    let pair = this.pairs.get(pairKey)
    if (pair === undefined) this.pairs.set(pairKey, (pair = this.pairs.size))
    const key = pair < 2 ** 27 ? pair * 2 ** 25 + service : `${pair} ${service}`
    let at = this.byKey.get(key)
    if (at === undefined) {
      this.byKey.set(key, (at = this.size++))
      if (at === this.client.length) this.grow()
      this.client[at] = client
      this.server[at] = server
      this.service[at] = service
      this.observer[at] = observer
    }
    return at
  }

  /** Adds to a count of a conversation as an observer recorded it. */
  add(at: number, observer: number, index: number, value: Count): void {
    if (this.observer[at] !== observer) {
      const others = this.others.get(at) ?? []
      if (others.length === 0) this.others.set(at, others)
      let other = others.find((o) => o.observer === observer)
      if (!other) others.push((other = { observer, counts: new Array<Count>(STRIDE).fill(0) }))
      other.counts[index] = add(other.counts[index]!, value)
      return
    }
    const place = at * STRIDE + index
    const big = this.big.get(place)
    const sum = this.counts[place]! + Number(value)
    if (big !== undefined || typeof value === 'bigint' || sum > Number.MAX_SAFE_INTEGER) this.big.set(place, BigInt(big ?? this.counts[place]!) + BigInt(value))
    else this.counts[place] = sum
  }

  /**
   * A conversation's counts, each way, as one observer recorded them: the one that rejected
   * most (the receiver has the last word: what a sender's interface let out, the receiver's
   * may reject), then the one with the most bytes, since two interfaces that both log see the
   * same packets.
   */
  observed(at: number, into: Count[]): void {
    for (let i = 0; i < STRIDE; i++) into[i] = this.counts[at * STRIDE + i]!
    if (this.big.size > 0) for (let i = 0; i < STRIDE; i++) into[i] = this.big.get(at * STRIDE + i) ?? into[i]!
    const others = this.others.get(at)
    if (!others) return
    const first = into.slice()
    const all = [first, ...others.map((other) => other.counts)]
    const chosen: Count[] = new Array<Count>(STRIDE).fill(0)
    for (const kinds of [[0, 1], [2, 3]] as const) {
      const [accepted, rejected] = kinds.map((kind) => 2 * kind) as [number, number]
      const score = (counts: Count[]): Count[] => [counts[rejected + 1]!, counts[rejected]!, add(counts[accepted]!, counts[rejected]!), add(counts[accepted + 1]!, counts[rejected + 1]!)]
      let best = first
      let top = score(first)
      for (const counts of all.slice(1)) {
        const next = score(counts)
        const order = next.findIndex((value, i) => value !== top[i])
        if (order >= 0 && next[order]! > top[order]!) [best, top] = [counts, next]
      }
      for (const kind of kinds) {
        chosen[2 * kind] = best[2 * kind]!
        chosen[2 * kind + 1] = best[2 * kind + 1]!
        chosen[8 + kind] = best[8 + kind]!
      }
    }
    for (let i = 0; i < STRIDE; i++) into[i] = chosen[i]!
  }

  private grow(): void {
    const larger = <T extends Int32Array | Float64Array>(array: T, size: number): T => {
      const copy = new (array.constructor as new (size: number) => T)(size)
      copy.set(array)
      return copy
    }
    const size = this.client.length * 2
    this.client = larger(this.client, size)
    this.server = larger(this.server, size)
    this.service = larger(this.service, size)
    this.observer = larger(this.observer, size)
    this.records = larger(this.records, size)
    this.counts = larger(this.counts, size * STRIDE)
  }
}

/** A field's text, or undefined for `-` or a field the format lacks. */
function fieldText({ bytes, starts, ends }: RecordLine, p: number): string | undefined {
  return p < 0 || (ends[p]! - starts[p]! === 1 && bytes[starts[p]!] === 45) ? undefined : bytes.toString('utf8', starts[p], ends[p])
}

/** A count as the record has it: 0 when absent, a bigint past 2^53. */
function countOf({ bytes, starts, ends, numbers }: RecordLine, p: number): Count {
  if (p < 0) return 0
  const value = numbers[p]!
  if (value >= 0) return value
  return value === BIG ? BigInt(bytes.toString('latin1', starts[p], ends[p])) : 0
}

const NO_ADDRESS = -1

/** The fold from records to conversations, and from conversations to the map. */
function conversations(settings: Settings) {
  const plans = new Map<Format, Positions>()
  const addressIds = new Map<string, number>()
  const addresses: string[] = []
  /** For each address: the interface it is the own address of, -1 when none is known. */
  const ownInterface: number[] = []
  /** For each address: the AWS service its range belongs to (pkt-*-aws-service), if any. */
  const services: Array<string | undefined> = []
  const interfaceIds = new Map<string, number>()
  const interfaces: Interface[] = []
  const table = new Conversations()
  const regions = new Set<string>()
  /** The fields some format had: what grouping can rely on. */
  const present = new Set<string>()
  let start = Infinity
  let end = -Infinity
  let lastSource: LogObject | undefined

  const planOf = (format: Format): Positions => {
    let plan = plans.get(format)
    if (!plan) {
      plan = Object.fromEntries(Object.entries(FIELDS).map(([name, field]) => [name, format.positions.get(field) ?? -1])) as Positions
      for (const field of format.fields) present.add(field)
      plans.set(format, plan)
    }
    return plan
  }

  const addressOf = (text: string): number => {
    let id = addressIds.get(text)
    if (id === undefined) {
      addressIds.set(text, (id = addresses.length))
      addresses.push(text)
      ownInterface.push(-1)
      services.push(undefined)
    }
    return id
  }

  function onRecord(record: RecordLine): void {
    const { numbers } = record
    const plan = planOf(record.format)
    if (plan.logStatus >= 0 && fieldText(record, plan.logStatus) !== 'OK') return
    const srcText = fieldText(record, plan.srcaddr)
    const dstText = fieldText(record, plan.dstaddr)
    if (srcText === undefined || dstText === undefined) throw lineError(record, 'MISSING_FIELD', 'a record to map needs srcaddr and dstaddr')
    const src = addressOf(srcText)
    const dst = addressOf(dstText)

    // Who is the client: the side whose port is 0 once the ephemeral one is taken as 0.
    let srcport = plan.srcport < 0 ? 0 : Math.max(0, numbers[plan.srcport]!)
    let dstport = plan.dstport < 0 ? 0 : Math.max(0, numbers[plan.dstport]!)
    if (srcport > 0 && dstport > 0) {
      if (srcport >= dstport) srcport = 0
      else dstport = 0
    }
    const reply = srcport > 0 && dstport === 0
    const client = reply ? dst : src
    const server = reply ? src : dst
    const protocol = plan.protocol < 0 ? -1 : numbers[plan.protocol]!
    // A conversation's service packs the protocol and the server's port into one number.
    if (protocol < -1 || protocol > 255 || !isPort(record, plan.srcport) || !isPort(record, plan.dstport)) {
      throw lineError(record, 'NOT_A_NUMBER', 'a record to map needs a protocol of 0 to 255 and ports of 0 to 65535')
    }

    // The interface that recorded it, and what the record says of the interface's own address.
    const interfaceKey =
      fieldText(record, plan.interfaceId) ?? [plan.account, plan.vpc, plan.subnet].map((p) => fieldText(record, p)).join(' ').trim()
    let observer = -1
    if (interfaceKey !== '') {
      let id = interfaceIds.get(interfaceKey)
      if (id === undefined) {
        interfaceIds.set(interfaceKey, (id = interfaces.length))
        interfaces.push({ id: interfaceKey, account: undefined, vpc: undefined, subnet: undefined, a: src, b: dst })
        const region = fieldText(record, plan.region)
        if (region) regions.add(region)
      }
      observer = id
      const own = interfaces[id]!
      // One interface can be in several flow logs, of formats with and without these fields.
      if (own.vpc === undefined && plan.vpc >= 0) own.vpc = fieldText(record, plan.vpc)
      if (own.subnet === undefined && plan.subnet >= 0) own.subnet = fieldText(record, plan.subnet)
      if (own.account === undefined && plan.account >= 0) own.account = fieldText(record, plan.account)
      const direction = plan.flowDirection < 0 ? undefined : fieldText(record, plan.flowDirection)
      if (direction === 'egress' || direction === 'ingress') {
        const address = direction === 'egress' ? src : dst
        if (ownInterface[address] === -1) ownInterface[address] = id
        own.a = own.b = NO_ADDRESS - 1 // known from flow-direction: no guessing needed
      } else if (own.a >= NO_ADDRESS) {
        if (own.a !== src && own.a !== dst) own.a = NO_ADDRESS
        if (own.b !== src && own.b !== dst) own.b = NO_ADDRESS
      }
    }
    if (plan.pktSrcService >= 0) learnService(record, plan.pktSrcService, plan.pktSrcaddr, src)
    if (plan.pktDstService >= 0) learnService(record, plan.pktDstService, plan.pktDstaddr, dst)
    if (record.source !== lastSource) {
      lastSource = record.source
      const region = record.source && parseLogFileKey(record.source.key)?.region
      if (region) regions.add(region)
    }
    const first = plan.start < 0 ? -1 : numbers[plan.start]!
    const last = plan.end < 0 ? -1 : numbers[plan.end]!
    if (first >= 0 && first < start) start = first
    if (last > end) end = last

    const at = table.of(client, server, (protocol + 1) * 65536 + (reply ? srcport : dstport), observer)
    const rejected = plan.action >= 0 && fieldText(record, plan.action) === 'REJECT'
    const kind = (reply ? 2 : 0) + (rejected ? 1 : 0)
    table.add(at, observer, 2 * kind, countOf(record, plan.bytes))
    table.add(at, observer, 2 * kind + 1, countOf(record, plan.packets))
    table.add(at, observer, 8 + kind, 1)
    table.records[at]!++
  }

  /** The service pkt-*-aws-service names is its pkt-*addr's: the address's where the two agree. */
  function learnService(record: RecordLine, p: number, pkt: number, address: number): void {
    const service = fieldText(record, p)
    if (service !== undefined && (pkt < 0 || fieldText(record, pkt) === addresses[address]) && (services[address] ?? 'AMAZON') === 'AMAZON') services[address] = service
  }

  const reader = textReader({ fields: settings.fields, onError: settings.onError, onRecord })
  return {
    push: reader.push,
    end: reader.end,
    map: (): NetworkMap => {
      // Interfaces without flow-direction: the one address in all their records is their own.
      interfaces.forEach((own, id) => {
        const candidates = [own.a, own.b].filter((address, i, all) => address >= 0 && all.indexOf(address) === i)
        const privates = candidates.filter((address) => isPrivate(addressBytes(addresses[address]!)))
        const address = candidates.length === 1 ? candidates[0] : privates.length === 1 ? privates[0] : undefined
        if (address !== undefined && ownInterface[address] === -1) ownInterface[address] = id
      })
      return mapOf(settings, {
        addresses,
        ownInterface,
        services,
        interfaces,
        conversations: table,
        regions,
        present,
        window: start <= end ? { start, end } : undefined,
      })
    },
  }
}

interface Gathered {
  readonly addresses: readonly string[]
  readonly ownInterface: readonly number[]
  readonly services: ReadonlyArray<string | undefined>
  readonly interfaces: readonly Interface[]
  readonly conversations: Conversations
  readonly regions: ReadonlySet<string>
  readonly present: ReadonlySet<string>
  readonly window: { start: number; end: number } | undefined
}

interface NodeBuilder {
  readonly id: string
  readonly kind: NodeKind
  readonly label: string
  readonly addresses: string[]
  /** Its place in the order nodes were made: what edges are keyed by. */
  readonly index: number
  /** The VPC and account all its addresses share: undefined while none is known, null once they differ. */
  vpc: string | null | undefined
  account: string | null | undefined
}

/** Counts of an edge or a service (bytes and packets of request accepted, rejected, reply accepted, rejected) and its lines. */
interface Tally {
  readonly counts: Count[]
  records: number
}

interface EdgeBuilder extends Tally {
  readonly from: string
  readonly to: string
  readonly fromIndex: number
  readonly toIndex: number
  actions: number
  readonly services: Map<number, Tally>
  /** The distinct clients and servers behind it: the first, then a set once there is a second. */
  readonly sources: Distinct
  readonly targets: Distinct
}

/** Distinct numbers, counted without a set while there is only one. */
class Distinct {
  private first = -1
  private all: Set<number> | undefined
  add(value: number): void {
    if (this.first === -1) this.first = value
    else if (value !== this.first || this.all) (this.all ??= new Set([this.first])).add(value)
  }
  get size(): number {
    return this.all?.size ?? (this.first === -1 ? 0 : 1)
  }
}

const GROUP_FIELD = { subnet: 'subnet-id', vpc: 'vpc-id', account: 'account-id' } as const

/** From what the fold gathered to the map: nodes by the grouping, edges between them, clusters. */
function mapOf(settings: Settings, gathered: Gathered): NetworkMap {
  const { groupBy, prefix, keepPublic } = settings
  const { addresses, ownInterface, services, interfaces } = gathered
  const nodes = new Map<string, NodeBuilder>()
  const accounts = new Set(interfaces.flatMap((own) => (own.account ? [own.account] : [])))
  let fellBack = 0

  const nodeFor = (id: string, kind: NodeKind, label = id): NodeBuilder => {
    let node = nodes.get(id)
    if (!node) nodes.set(id, (node = { id, kind, label, addresses: [], index: nodes.size, vpc: undefined, account: undefined }))
    return node
  }
  /** The node of an address in each role (they differ only for the folded internet). */
  const asClient: Array<NodeBuilder | undefined> = []
  const asServer: Array<NodeBuilder | undefined> = []
  const nodeOf = (address: number, role: 'client' | 'server'): NodeBuilder => {
    const cache = role === 'client' ? asClient : asServer
    const known = cache[address]
    if (known) return known
    const text = addresses[address]!
    const bytes = addressBytes(text)
    const own = interfaces[ownInterface[address]!]
    const service = services[address]
    let node: NodeBuilder
    let shared = true
    if (own === undefined && !isPrivate(bytes)) {
      if (keepPublic) node = nodeFor(prefix === undefined ? text : blockOf(bytes!, prefix), 'public', prefix === undefined && service ? `${service} ${text}` : undefined)
      else if (service) node = nodeFor(`aws:${service}`, 'aws-service', service)
      else {
        node = nodeFor(role === 'client' ? INTERNET_IN : INTERNET_OUT, 'internet', 'internet')
        shared = false
      }
    } else if (groupBy === 'address') {
      node = nodeFor(text, 'address')
    } else if (prefix !== undefined) {
      node = nodeFor(bytes ? blockOf(bytes, prefix) : text, 'group')
    } else {
      const group = own?.[groupBy as keyof typeof GROUP_FIELD]
      if (group === undefined) fellBack++
      node = nodeFor(group ?? (bytes ? blockOf(bytes, bytes.length === 4 ? 24 : 64) : text), 'group')
    }
    node.addresses.push(text)
    if (own) {
      node.vpc = node.vpc === undefined || node.vpc === own.vpc ? own.vpc : null
      node.account = node.account === undefined || node.account === own.account ? own.account : null
    } else {
      node.vpc = node.account = null
    }
    if (shared) asClient[address] = asServer[address] = node
    else cache[address] = node
    return node
  }

  const edges = new Map<number, EdgeBuilder>()
  const table = gathered.conversations
  const chosen: Count[] = new Array<Count>(STRIDE).fill(0)
  for (let at = 0; at < table.size; at++) {
    const client = table.client[at]!
    const server = table.server[at]!
    const service = table.service[at]!
    const from = nodeOf(client, 'client')
    const to = nodeOf(server, 'server')
    const key = from.index * 2 ** 26 + to.index
    let edge = edges.get(key)
    if (!edge) {
      edge = { from: from.id, to: to.id, fromIndex: from.index, toIndex: to.index, counts: zeros(), records: 0, actions: 0, services: new Map(), sources: new Distinct(), targets: new Distinct() }
      edges.set(key, edge)
    }
    let tally = edge.services.get(service)
    if (!tally) edge.services.set(service, (tally = { counts: zeros(), records: 0 }))
    table.observed(at, chosen)
    for (let i = 0; i < 8; i++) {
      edge.counts[i] = add(edge.counts[i]!, chosen[i]!)
      tally.counts[i] = add(tally.counts[i]!, chosen[i]!)
    }
    for (let kind = 0; kind < 4; kind++) if ((chosen[8 + kind] as number) > 0) edge.actions |= kind % 2 === 0 ? 1 : 2
    edge.records += table.records[at]!
    tally.records += table.records[at]!
    edge.sources.add(client)
    edge.targets.add(server)
  }

  if (fellBack > 0) {
    const field = GROUP_FIELD[groupBy as keyof typeof GROUP_FIELD]
    settings.onWarning?.(
      gathered.present.has(field)
        ? `${fellBack} of the private addresses were never an interface's own address in the records: grouped by cidr/24 (cidr/64 for IPv6) instead of ${groupBy}`
        : `the records have no ${field} field: addresses grouped by cidr/24 (cidr/64 for IPv6) instead of ${groupBy}`,
    )
  }

  // Clusters: VPCs, in accounts where there are several.
  const clusters = new Map<string, MapCluster>()
  const accountOfVpc = new Map(interfaces.flatMap((own) => (own.vpc && own.account ? [[own.vpc, own.account] as const] : [])))
  const accountCluster = (account: string | null | undefined): string | undefined => {
    if (!account || accounts.size < 2) return undefined
    if (!clusters.has(account)) clusters.set(account, { id: account, label: `account ${account}`, kind: 'account' })
    return account
  }
  const clusterOf = (node: NodeBuilder): string | undefined => {
    if (groupBy === 'account') return undefined
    if (groupBy === 'vpc' || !node.vpc) return accountCluster(node.account)
    if (!clusters.has(node.vpc)) {
      const parent = accountCluster(accountOfVpc.get(node.vpc))
      clusters.set(node.vpc, { id: node.vpc, label: node.vpc, kind: 'vpc', ...(parent && { parent }) })
    }
    return node.vpc
  }

  const sortedNodes = [...nodes.values()].sort((a, b) => compare(a.id, b.id))
  /** Each node's place in id order, by its index: edges sort by it, as by their ends' ids. */
  const rank = new Int32Array(nodes.size)
  sortedNodes.forEach((node, i) => (rank[node.index] = i))
  const mapNodes = sortedNodes.map((node): MapNode => {
    const cluster = clusterOf(node)
    const sorted = node.addresses.sort(compare)
    return {
      id: node.id,
      label: node.label,
      kind: node.kind,
      ...(cluster && { cluster }),
      addressCount: sorted.length,
      addresses: sorted.slice(0, MAX_NODE_ADDRESSES),
    }
  })
  const mapEdges = [...edges.values()]
    .sort((a, b) => rank[a.fromIndex]! - rank[b.fromIndex]! || rank[a.toIndex]! - rank[b.toIndex]!)
    .map((edge): MapEdge => {
      const services: Service[] = []
      for (const [key, tally] of edge.services) {
        const protocol = Math.floor(key / 65536) - 1
        const port = key % 65536
        const { forward, reverse, records } = traffic(tally)
        services.push({ protocol, port, label: serviceLabel(protocol, port), forward, reverse, records })
      }
      services.sort((a, b) => compareCounts(totalBytes(b), totalBytes(a)) || compare(a.label, b.label))
      const { forward, reverse, records } = traffic(edge)
      const action = edge.actions === 3 ? 'BOTH' : edge.actions === 2 ? 'REJECT' : 'ACCEPT'
      return { id: `${edge.from} -> ${edge.to}`, from: edge.from, to: edge.to, action, forward, reverse, records, services, sources: edge.sources.size, targets: edge.targets.size }
    })
  const map: NetworkMap = {
    ...(settings.source !== undefined && { source: settings.source }),
    ...(gathered.window && { window: gathered.window }),
    groupBy,
    regions: [...gathered.regions].sort(compare),
    clusters: [...clusters.values()].sort((a, b) => compare(a.id, b.id)),
    nodes: mapNodes,
    edges: mapEdges,
  }
  return settings.names ? nameNodes(map, settings.names) : map
}

const zeros = (): Count[] => [0, 0, 0, 0, 0, 0, 0, 0]

/** A tally's counts as the model has them: request and reply, accepted and rejected. */
function traffic({ counts, records }: Tally): Traffic {
  const volume = (i: number): Volume => ({ bytes: counts[i]!, packets: counts[i + 1]! })
  return { forward: { accepted: volume(0), rejected: volume(2) }, reverse: { accepted: volume(4), rejected: volume(6) }, records }
}

/** Whether the field at `p` is absent or a port (0 to 65535). */
function isPort(record: RecordLine, p: number): boolean {
  const value = p < 0 ? -1 : record.numbers[p]!
  return value >= -1 && value <= 65535
}

/** `tcp/443`, `udp/53`, `icmp`; `protocol 132/9899` for one without a name. */
function serviceLabel(protocol: number, port: number): string {
  const name = protocol < 0 ? 'ip' : (PROTOCOLS[String(protocol)] ?? `protocol ${protocol}`)
  return port > 0 ? `${name}/${port}` : name
}

export function totalBytes(traffic: { forward: { accepted: Volume; rejected: Volume }; reverse: { accepted: Volume; rejected: Volume } }): Count {
  const { forward, reverse } = traffic
  return [forward.accepted, forward.rejected, reverse.accepted, reverse.rejected].reduce<Count>((sum, volume) => add(sum, volume.bytes), 0)
}

export function compareCounts(a: Count, b: Count): number {
  return a < b ? -1 : a > b ? 1 : 0
}
