/** Network maps for the diff's tests, in a few words each, on the shapes of ./maps.ts. */
import type { GroupBy, MapEdge, MapNode, NetworkMap } from 'vpcflow'
import { edge as mapEdge, node as mapNode, service, volume } from './maps.js'

/** One service of an edge: `tcp/443` with accepted and rejected bytes of requests (packets: a tenth, and one more). */
export interface ServiceSpec {
  protocol?: number
  port: number
  accepted?: number | bigint
  rejected?: number | bigint
}

/** Bytes, and packets a tenth of them and one more (none for no bytes). */
const traffic = (bytes: number | bigint) => {
  const packets = BigInt(bytes) === 0n ? 0n : BigInt(bytes) / 10n + 1n
  return volume(bytes, typeof bytes === 'bigint' ? packets : Number(packets))
}

/** An edge `from -> to` (id `from->to`) of these services, the requests carrying the bytes. */
export function edge(from: string, to: string, ...specs: ServiceSpec[]): MapEdge {
  return mapEdge(from, to, specs.map(({ protocol = 6, port, accepted = 0, rejected = 0 }) => service(protocol, port, [traffic(accepted), traffic(rejected)])))
}

export function node(id: string, label = id): MapNode {
  return id === 'internet' ? mapNode(id, { label, kind: 'internet', addresses: [] }) : mapNode(id, { label })
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
