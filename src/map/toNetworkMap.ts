import { abortable } from '../abortable.js'
import type { FlowLogError } from '../errors.js'
import { BIG, compare, lineError, textReader, type LogText, type RecordLine } from '../flowLogText.js'
import type { Format } from '../format.js'
import { abortSignal, callback, fieldList } from '../options.js'
import { parseLogFileKey, type LogObject } from '../parseLogFileKey.js'
import { PROTOCOLS } from '../toDot.js'
import { addressBytes, blockOf, isPrivate } from './addresses.js'
import { nameNodes } from './names.js'
import type { GroupBy, MapCluster, MapEdge, MapNode, NetworkMap, NodeKind, Service, Volume } from './networkMap.js'

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
 * One conversation between two addresses on a service, as each interface that recorded it
 * saw it: for each observer, {@link STRIDE} counts: bytes and packets of the request accepted,
 * the request rejected, the reply accepted and the reply rejected, then the lines of each.
 */
interface Conversation {
  readonly client: number
  readonly server: number
  readonly protocol: number
  readonly port: number
  readonly observers: number[]
  readonly counts: Count[]
  records: number
}

/** Counts per observer of a conversation. */
const STRIDE = 12

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
  const byKey = new Map<string, Conversation>()
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
    const { bytes, starts, ends, numbers } = record
    const plan = planOf(record.format)
    const text = (p: number): string | undefined =>
      p < 0 || (ends[p]! - starts[p]! === 1 && bytes[starts[p]!] === 45) ? undefined : bytes.toString('utf8', starts[p], ends[p])
    if (plan.logStatus >= 0 && text(plan.logStatus) !== 'OK') return
    const srcText = text(plan.srcaddr)
    const dstText = text(plan.dstaddr)
    if (srcText === undefined || dstText === undefined) throw lineError(record, 'MISSING_FIELD', 'a record to map needs srcaddr and dstaddr')
    const src = addressOf(srcText)
    const dst = addressOf(dstText)
    const number = (p: number): number => (p < 0 ? -1 : numbers[p]!)
    const count = (p: number): Count =>
      p < 0 || numbers[p]! < 0 ? (p >= 0 && numbers[p] === BIG ? BigInt(bytes.toString('latin1', starts[p], ends[p])) : 0) : numbers[p]!

    // Who is the client: the side whose port is 0 once the ephemeral one is taken as 0.
    let srcport = Math.max(0, number(plan.srcport))
    let dstport = Math.max(0, number(plan.dstport))
    if (srcport > 0 && dstport > 0) {
      if (srcport >= dstport) srcport = 0
      else dstport = 0
    }
    const reply = srcport > 0 && dstport === 0
    const [client, server, port] = reply ? [dst, src, srcport] : [src, dst, dstport]
    const protocol = number(plan.protocol)

    // The interface that recorded it, and what the record says of the interface's own address.
    const interfaceKey = text(plan.interfaceId) ?? [plan.account, plan.vpc, plan.subnet].map(text).join(' ').trim()
    let observer = -1
    if (interfaceKey !== '') {
      let id = interfaceIds.get(interfaceKey)
      if (id === undefined) {
        interfaceIds.set(interfaceKey, (id = interfaces.length))
        interfaces.push({ id: interfaceKey, account: text(plan.account), vpc: text(plan.vpc), subnet: text(plan.subnet), a: src, b: dst })
        const region = text(plan.region)
        if (region) regions.add(region)
      }
      observer = id
      const own = interfaces[id]!
      // One interface can be in several flow logs, of formats with and without these fields.
      if (own.vpc === undefined && plan.vpc >= 0) own.vpc = text(plan.vpc)
      if (own.subnet === undefined && plan.subnet >= 0) own.subnet = text(plan.subnet)
      if (own.account === undefined && plan.account >= 0) own.account = text(plan.account)
      const direction = text(plan.flowDirection)
      if (direction === 'egress' || direction === 'ingress') {
        const address = direction === 'egress' ? src : dst
        if (ownInterface[address] === -1) ownInterface[address] = id
        own.a = own.b = NO_ADDRESS - 1 // known from flow-direction: no guessing needed
      } else if (own.a >= NO_ADDRESS) {
        if (own.a !== src && own.a !== dst) own.a = NO_ADDRESS
        if (own.b !== src && own.b !== dst) own.b = NO_ADDRESS
      }
    }
    for (const [p, pkt, address] of [
      [plan.pktSrcService, plan.pktSrcaddr, src],
      [plan.pktDstService, plan.pktDstaddr, dst],
    ] as const) {
      const service = text(p)
      // The service names pkt-*addr's range: it is the address's where the two agree.
      if (service !== undefined && (pkt < 0 || text(pkt) === addresses[address]) && (services[address] ?? 'AMAZON') === 'AMAZON') services[address] = service
    }
    if (record.source !== lastSource) {
      lastSource = record.source
      const region = record.source && parseLogFileKey(record.source.key)?.region
      if (region) regions.add(region)
    }
    const first = number(plan.start)
    const last = number(plan.end)
    if (first >= 0 && first < start) start = first
    if (last > end) end = last

    const key = `${client} ${server} ${protocol} ${port}`
    let conversation = byKey.get(key)
    if (!conversation) byKey.set(key, (conversation = { client, server, protocol, port, observers: [], counts: [], records: 0 }))
    let slot = conversation.observers.indexOf(observer)
    if (slot < 0) {
      slot = conversation.observers.push(observer) - 1
      for (let i = 0; i < STRIDE; i++) conversation.counts.push(0)
    }
    const rejected = text(plan.action) === 'REJECT'
    const kind = (reply ? 2 : 0) + (rejected ? 1 : 0)
    const at = slot * STRIDE + 2 * kind
    const { counts } = conversation
    counts[at] = add(counts[at]!, count(plan.bytes))
    counts[at + 1] = add(counts[at + 1]!, count(plan.packets))
    counts[slot * STRIDE + 8 + kind] = (counts[slot * STRIDE + 8 + kind] as number) + 1
    conversation.records++
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
        conversations: byKey.values(),
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
  readonly conversations: Iterable<Conversation>
  readonly regions: ReadonlySet<string>
  readonly present: ReadonlySet<string>
  readonly window: { start: number; end: number } | undefined
}

interface NodeBuilder {
  readonly id: string
  readonly kind: NodeKind
  readonly label: string
  readonly addresses: string[]
  /** The VPC and account all its addresses share: undefined while none is known, null once they differ. */
  vpc: string | null | undefined
  account: string | null | undefined
}

interface EdgeBuilder {
  readonly from: string
  readonly to: string
  readonly volumes: Volume[]
  records: number
  actions: number
  readonly services: Map<string, Service & { volumes: Volume[] }>
  readonly sources: Set<number>
  readonly targets: Set<number>
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
    if (!node) nodes.set(id, (node = { id, kind, label, addresses: [], vpc: undefined, account: undefined }))
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

  const edges = new Map<string, EdgeBuilder>()
  for (const conversation of gathered.conversations) {
    const from = nodeOf(conversation.client, 'client').id
    const to = nodeOf(conversation.server, 'server').id
    const key = `${from}\n${to}`
    let edge = edges.get(key)
    if (!edge) {
      edges.set(key, (edge = { from, to, volumes: emptyVolumes(), records: 0, actions: 0, services: new Map(), sources: new Set(), targets: new Set() }))
    }
    const label = serviceLabel(conversation.protocol, conversation.port)
    let service = edge.services.get(label)
    if (!service) {
      const volumes = emptyVolumes()
      edge.services.set(label, (service = { protocol: conversation.protocol, port: conversation.port, label, ...traffic(volumes, 0), volumes }))
    }
    const chosen = observed(conversation)
    for (let i = 0; i < 4; i++) {
      if ((chosen[8 + i] as number) > 0) edge.actions |= i % 2 === 0 ? 1 : 2
      for (const volumes of [edge.volumes, service.volumes]) {
        volumes[i]!.bytes = add(volumes[i]!.bytes, chosen[2 * i]!)
        volumes[i]!.packets = add(volumes[i]!.packets, chosen[2 * i + 1]!)
      }
    }
    edge.records += conversation.records
    service.records += conversation.records
    edge.sources.add(conversation.client)
    edge.targets.add(conversation.server)
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

  const mapNodes = [...nodes.values()]
    .sort((a, b) => compare(a.id, b.id))
    .map((node): MapNode => {
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
    .sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to))
    .map(
      (edge): MapEdge => ({
        id: `${edge.from} -> ${edge.to}`,
        from: edge.from,
        to: edge.to,
        action: edge.actions === 3 ? 'BOTH' : edge.actions === 2 ? 'REJECT' : 'ACCEPT',
        ...traffic(edge.volumes, edge.records),
        services: [...edge.services.values()]
          .map(({ volumes, ...service }) => ({ ...service, ...traffic(volumes, service.records) }))
          .sort((a, b) => compareCounts(totalBytes(b), totalBytes(a)) || compare(a.label, b.label)),
        sources: edge.sources.size,
        targets: edge.targets.size,
      }),
    )
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

/** Request accepted, request rejected, reply accepted, reply rejected. */
function emptyVolumes(): Volume[] {
  return Array.from({ length: 4 }, () => ({ bytes: 0, packets: 0 }))
}

function traffic(volumes: Volume[], records: number) {
  const [accepted, rejected, replyAccepted, replyRejected] = volumes as [Volume, Volume, Volume, Volume]
  return { forward: { accepted, rejected }, reverse: { accepted: replyAccepted, rejected: replyRejected }, records }
}

/**
 * A conversation's counts as one observer recorded them, each way: the one that rejected
 * most (the receiver has the last word: what a sender's interface let out, the receiver's
 * may reject), then the one with the most bytes, since two interfaces that both log see the
 * same packets.
 */
function observed({ observers, counts }: Conversation): Count[] {
  if (observers.length === 1) return counts
  const chosen: Count[] = new Array<Count>(STRIDE).fill(0)
  for (const kinds of [[0, 1], [2, 3]] as const) {
    const score = (k: number): Count[] => {
      const [accepted, rejected] = kinds.map((kind) => k * STRIDE + 2 * kind)
      return [counts[rejected! + 1]!, counts[rejected!]!, add(counts[accepted!]!, counts[rejected!]!), add(counts[accepted! + 1]!, counts[rejected! + 1]!)]
    }
    let best = 0
    let top = score(0)
    for (let k = 1; k < observers.length; k++) {
      const next = score(k)
      const order = next.findIndex((value, i) => value !== top[i])
      if (order >= 0 && next[order]! > top[order]!) [best, top] = [k, next]
    }
    for (const kind of kinds) {
      chosen[2 * kind] = counts[best * STRIDE + 2 * kind]!
      chosen[2 * kind + 1] = counts[best * STRIDE + 2 * kind + 1]!
      chosen[8 + kind] = counts[best * STRIDE + 8 + kind]!
    }
  }
  return chosen
}

/** `tcp/443`, `udp/53`, `icmp`; `protocol 132/9899` for one without a name. */
export function serviceLabel(protocol: number, port: number): string {
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
