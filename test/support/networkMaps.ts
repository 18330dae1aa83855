/** Network maps written by hand for tests: nodes and edges from a few words each. */
import type { GroupBy, MapEdge, MapNode, NetworkMap, Service, Volume } from '../../src/map/networkMap.js'

/** One service of an edge: `tcp/443` with accepted and rejected bytes (packets: a tenth, at least 1 where there are bytes). */
export interface ServiceSpec {
  protocol?: number
  port: number
  accepted?: number | bigint
  rejected?: number | bigint
}

const PROTOCOLS: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp' }

/** A number while it is safe, a bigint past 2^53, as the model keeps counts. */
const exact = (count: bigint): number | bigint => (count <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(count) : count)

const volume = (bytes: number | bigint) => ({
  bytes,
  packets: exact(BigInt(bytes) === 0n ? 0n : BigInt(bytes) / 10n + 1n),
})

export function service({ protocol = 6, port, accepted = 0, rejected = 0 }: ServiceSpec): Service {
  const name = PROTOCOLS[protocol] ?? String(protocol)
  return {
    protocol,
    port,
    label: port === 0 ? name : `${name}/${port}`,
    // the request side carries the bytes; the reply side a fixed little
    forward: { accepted: volume(accepted), rejected: volume(rejected) },
    reverse: { accepted: volume(0), rejected: volume(0) },
    records: 1,
  }
}

/** An edge `from -> to` with its services; its id is `from->to`. */
export function edge(from: string, to: string, ...specs: ServiceSpec[]): MapEdge {
  const services = specs.map(service)
  const add = (side: 'forward' | 'reverse', action: 'accepted' | 'rejected'): Volume => {
    const sum = (count: keyof Volume) => exact(services.reduce((total, s) => total + BigInt(s[side][action][count]), 0n))
    return { bytes: sum('bytes'), packets: sum('packets') }
  }
  const accepted = specs.some((s) => (s.accepted ?? 0) !== 0)
  const rejected = specs.some((s) => (s.rejected ?? 0) !== 0)
  return {
    id: `${from}->${to}`,
    from,
    to,
    action: accepted && rejected ? 'BOTH' : rejected ? 'REJECT' : 'ACCEPT',
    services,
    forward: { accepted: add('forward', 'accepted'), rejected: add('forward', 'rejected') },
    reverse: { accepted: add('reverse', 'accepted'), rejected: add('reverse', 'rejected') },
    records: services.length,
    sources: 1,
    targets: 1,
  }
}

export function node(id: string, label = id): MapNode {
  return { id, label, kind: id === 'internet' ? 'internet' : 'address', addressCount: 1, addresses: id === 'internet' ? [] : [id] }
}

/** A map of these edges and the nodes they join (plus `extra` nodes), grouped by `groupBy`. */
export function networkMap(edges: MapEdge[], options: { groupBy?: GroupBy; extra?: MapNode[]; window?: NetworkMap['window'] } = {}): NetworkMap {
  const ids = [...new Set(edges.flatMap((e) => [e.from, e.to]))]
  return {
    groupBy: options.groupBy ?? 'address',
    window: options.window,
    clusters: [],
    nodes: [...ids.map((id) => node(id)), ...(options.extra ?? [])],
    edges,
  }
}
