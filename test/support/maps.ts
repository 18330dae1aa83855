/** Network maps made from plain objects, for the renderers' tests and measurements. */
import type { MapCluster, MapEdge, MapNode, NetworkMap, Service, Volume } from 'vpcflow'
import { seededRandom } from './text.js'

const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp' }
const SERVICES: ReadonlyArray<readonly [number, number]> = [
  [6, 443],
  [6, 80],
  [6, 22],
  [6, 5432],
  [6, 8080],
  [17, 53],
  [17, 123],
  [1, 0],
]

/** A volume of bytes and packets; nothing when `bytes` is 0. */
export const volume = (bytes: number | bigint, packets: number | bigint = bytes === 0 ? 0 : 1): Volume => ({ bytes, packets })

/** A service with the given volumes (`[accepted, rejected]` each way). */
export function service(
  protocol: number,
  port: number,
  forward: readonly [Volume, Volume],
  reverse: readonly [Volume, Volume] = [volume(0), volume(0)],
): Service {
  const name = PROTOCOL_NAMES[protocol] ?? String(protocol)
  return {
    protocol,
    port,
    label: port === 0 ? name : `${name}/${port}`,
    forward: { accepted: forward[0], rejected: forward[1] },
    reverse: { accepted: reverse[0], rejected: reverse[1] },
    records: 1,
  }
}

const add = (a: number | bigint, b: number | bigint): number | bigint =>
  typeof a === 'bigint' || typeof b === 'bigint' ? BigInt(a) + BigInt(b) : a + b
const sum = (volumes: Volume[]): Volume => volumes.reduce((total, v) => volume(add(total.bytes, v.bytes), add(total.packets, v.packets)), volume(0))
const some = (v: Volume): boolean => BigInt(v.bytes) > 0n || BigInt(v.packets) > 0n

/** An edge of the given services, its traffic and action summed from them as a builder would. */
export function edge(from: string, to: string, services: Service[], extra: Partial<MapEdge> = {}): MapEdge {
  const forward = { accepted: sum(services.map((s) => s.forward.accepted)), rejected: sum(services.map((s) => s.forward.rejected)) }
  const reverse = { accepted: sum(services.map((s) => s.reverse.accepted)), rejected: sum(services.map((s) => s.reverse.rejected)) }
  const accepted = some(forward.accepted) || some(reverse.accepted)
  const rejected = some(forward.rejected) || some(reverse.rejected)
  return {
    id: `${from}->${to}`,
    from,
    to,
    action: accepted && rejected ? 'BOTH' : rejected ? 'REJECT' : 'ACCEPT',
    services,
    sources: 1,
    targets: 1,
    forward,
    reverse,
    records: services.reduce((n, s) => n + s.records, 0),
    ...extra,
  }
}

/** A node of one address (or of the given kind), in a cluster if given. */
export function node(id: string, extra: Partial<MapNode> = {}): MapNode {
  return { id, label: id, kind: 'address', addressCount: 1, addresses: [id], ...extra }
}

/**
 * A map shaped like a real one, of about `nodes` nodes and `edges` edges: VPCs in two
 * accounts, hosts in them (a few named), the internet and two AWS services, popular
 * servers that many clients talk to, scans from the internet, a mix of actions.
 */
export function syntheticMap({ nodes: nodeCount, edges: edgeCount, seed = 1 }: { nodes: number; edges: number; seed?: number }): NetworkMap {
  const random = seededRandom(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const clusters: MapCluster[] = [
    { id: '111111111111', label: 'account 111111111111', kind: 'account' },
    { id: '222222222222', label: 'account 222222222222', kind: 'account' },
    { id: 'vpc-0a1', label: 'vpc-0a1 (shop)', kind: 'vpc', parent: '111111111111' },
    { id: 'vpc-0a2', label: 'vpc-0a2', kind: 'vpc', parent: '111111111111' },
    { id: 'vpc-0b1', label: 'vpc-0b1 (data)', kind: 'vpc', parent: '222222222222' },
  ]
  const vpcs = clusters.filter((c) => c.kind === 'vpc')
  const nodes: MapNode[] = [
    node('internet', { kind: 'internet', label: 'internet', addressCount: 4321, addresses: ['198.51.100.7', '203.0.113.9'] }),
    node('aws:S3', { kind: 'aws-service', label: 'S3', addressCount: 12, addresses: ['52.216.0.1'] }),
    node('aws:DYNAMODB', { kind: 'aws-service', label: 'DYNAMODB', addressCount: 3, addresses: ['52.94.0.1'] }),
  ]
  for (let i = 0; nodes.length < nodeCount; i++) {
    const vpc = vpcs[i % vpcs.length]!
    const address = `10.${vpcs.indexOf(vpc)}.${Math.floor(i / 250) % 256}.${(i % 250) + 1}`
    const named = i % 7 === 0
    nodes.push(node(address, { cluster: vpc.id, ...(named ? { label: `web-${i} (i-0${i.toString(16)}abc)`, names: { [address]: `web-${i}` } } : {}) }))
  }
  const hosts = nodes.filter((n) => n.kind === 'address')
  const servers = hosts.slice(0, Math.max(1, Math.ceil(hosts.length / 20)))
  const edges = new Map<string, MapEdge>()
  const traffic = (): number => Math.floor(40 * 10 ** (random() * 6))
  while (edges.size < edgeCount) {
    const roll = random()
    const [from, to] =
      roll < 0.1
        ? ['internet', pick(hosts).id]
        : roll < 0.15
          ? [pick(hosts).id, pick(['aws:S3', 'aws:DYNAMODB', 'internet'])]
          : [pick(hosts).id, (random() < 0.7 ? pick(servers) : pick(hosts)).id]
    if (from === to || edges.has(`${from}->${to}`)) continue
    const rejected = roll < 0.1 ? random() < 0.8 : random() < 0.05
    const services = Array.from({ length: 1 + Math.floor(random() * random() * 5) }, () => pick(SERVICES)).filter(
      (s, i, all) => all.findIndex((t) => t[0] === s[0] && t[1] === s[1]) === i,
    )
    edges.set(
      `${from}->${to}`,
      edge(
        from,
        to,
        services.map(([protocol, port]) => {
          const bytes = traffic()
          const both = random() < 0.1
          return rejected && !both
            ? service(protocol, port, [volume(0), volume(bytes, Math.ceil(bytes / 60))])
            : service(protocol, port, [volume(bytes, Math.ceil(bytes / 800)), both ? volume(120, 2) : volume(0)], [volume(bytes * 3, Math.ceil(bytes / 400)), volume(0)])
        }),
        from === 'internet' ? { sources: 1 + Math.floor(random() * 3000) } : {},
      ),
    )
  }
  return { source: 's3://flow-logs/AWSLogs/', window: { start: 1_733_011_200, end: 1_733_270_400 }, groupBy: 'address', clusters, nodes, edges: [...edges.values()] }
}
