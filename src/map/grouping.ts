/**
 * From conversations to the map: nodes by the grouping (addresses, subnets, VPCs, accounts
 * or blocks), the outside world folded into `internet` or AWS services, edges between nodes
 * with their services, and the VPC and account clusters; names given last.
 */
import { compare } from '../flowLogText.js'
import { PROTOCOLS } from '../toDot.js'
import { addressBytes, blockOf, isPrivate } from './addresses.js'
import { STRIDE, type Gathered } from './conversations.js'
import { add, compareCounts, totalBytes, type Count } from './counts.js'
import { nameNodes } from './names.js'
import type { GroupBy, MapCluster, MapEdge, MapNode, NetworkMap, NodeKind, Service, Traffic, Volume } from './networkMap.js'

/** Addresses kept in a node's `addresses` (its `addressCount` counts them all). */
export const MAX_NODE_ADDRESSES = 2000

/** The node ids of the outside world folded: public clients (traffic coming in) and public servers (traffic going out). */
export const INTERNET_IN = 'internet:in'
export const INTERNET_OUT = 'internet:out'

/** What makes the map of the conversations: the grouping, and how nodes are named and said. */
export interface MapSettings {
  readonly groupBy: GroupBy
  /** For `cidr/N`: N. */
  readonly prefix: number | undefined
  readonly keepPublic: boolean
  readonly names: ReadonlyMap<string, string> | undefined
  readonly source: string | undefined
  readonly onWarning: ((message: string) => void) | undefined
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
export function mapOf(settings: MapSettings, gathered: Gathered): NetworkMap {
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

/** `tcp/443`, `udp/53`, `icmp`; `protocol 132/9899` for one without a name. */
function serviceLabel(protocol: number, port: number): string {
  const name = protocol < 0 ? 'ip' : (PROTOCOLS[String(protocol)] ?? `protocol ${protocol}`)
  return port > 0 ? `${name}/${port}` : name
}
