/**
 * What changed between two network maps of the same grouping: the conversations that
 * appear only after, those that vanished, and those whose bytes moved by more than a
 * factor; and the union of both maps, with what became of each node and edge, to draw.
 */
import { compare } from '../flowLogText.js'
import type { GroupBy, MapCluster, MapEdge, MapNode, NetworkMap, Traffic, Volume } from './networkMap.js'
import { add, compareCounts } from './counts.js'

/** A change's default factor: bytes ten times more, or ten times fewer. */
export const DEFAULT_THRESHOLD = 10

export interface DiffMapsOptions {
  /**
   * An edge whose bytes (both ways, accepted and rejected) grew or shrank by more than this
   * factor has changed. A number >= 1 (1: any change of bytes at all). Default 10.
   */
  threshold?: number
}

/** What became of a node or an edge of the union; unchanged ones have none. */
export type ChangeStatus = 'new' | 'vanished' | 'changed'

/**
 * Traffic of one service in one action on an edge, in each period (zero where the
 * period had none): `tcp/22 REJECT`.
 */
export interface ServiceChange {
  /** IANA protocol number (6 tcp, 17 udp, 1 icmp...). */
  readonly protocol: number
  /** The server's port (0 for port-less protocols). */
  readonly port: number
  /** `tcp/443`, `udp/53`, `icmp`. */
  readonly label: string
  readonly action: 'ACCEPT' | 'REJECT'
  /** Bytes and packets both ways, before and after. */
  readonly before: Volume
  readonly after: Volume
}

/**
 * One line of the diff: an edge (the conversations between two groups) that is new,
 * vanished, or whose bytes changed, or the services that are new or vanished on an edge
 * both periods have.
 */
export interface MapChange {
  /** `new`: only after; `vanished`: only before; `changed`: bytes moved by more than the threshold. */
  readonly change: 'new' | 'vanished' | 'changed'
  /**
   * `edge`: the edge itself is new or vanished, or its bytes changed; `services`: the edge is in
   * both periods, and these services (in this action) are new on it, or vanished from it.
   */
  readonly scope: 'edge' | 'services'
  /** The edge's id, and its client and server side's node ids. */
  readonly edge: string
  readonly from: string
  readonly to: string
  /**
   * The services concerned, most bytes first: those new or vanished; for `changed`, all
   * the edge's services in either period.
   */
  readonly services: ServiceChange[]
  /** The whole edge's bytes and packets (both ways, accepted and rejected) before and after. */
  readonly before: Volume
  readonly after: Volume
}

export interface MapDiff {
  /** `before` and `after`'s grouping. */
  readonly groupBy: GroupBy
  /** The factor that made an edge `changed`. */
  readonly threshold: number
  /** The changes: new, then vanished, then changed; each by client, then server node id (byte order). */
  readonly changes: MapChange[]
  /**
   * Both maps in one: every node and edge of either (after's where both have it), every
   * cluster, the window spanning both. It shares their nodes and edges.
   */
  readonly map: NetworkMap
  /** What became of the union's nodes and edges: `mapToDot(diff.map, { status: diff.status })` draws it. */
  readonly status: MapStatus
}

/** What became of a map's nodes and edges between two periods, for the renderers to draw. */
export interface MapStatus {
  /** By node id; an unchanged node is not there. */
  readonly nodes: ReadonlyMap<string, ChangeStatus>
  /** By edge id; an unchanged edge is not there. */
  readonly edges: ReadonlyMap<string, ChangeStatus>
  /** The windows of the maps compared (Unix seconds), where they had any. */
  readonly before?: NetworkMap['window']
  readonly after?: NetworkMap['window']
}

/**
 * Compares two network maps of the same grouping (`before` and `after`, e.g. last week's and
 * today's): nodes and edges match by id, services by protocol, port and action, so that a new
 * port on a known edge, or accepted traffic where there was only rejected, is new too. An edge
 * in both whose bytes moved by more than `threshold` times (either way) has changed. Counts are
 * exact past 2^53; the changes depend only on the maps' contents, not on their order.
 *
 * @example
 * ```ts
 * const diff = diffMaps(lastWeek, today, { threshold: 5 })
 * for (const change of diff.changes) if (change.change === 'new') console.log(change.from, '->', change.to)
 * const picture = mapToDot(diff.map, { status: diff.status })
 * ```
 */
export function diffMaps(before: NetworkMap, after: NetworkMap, options: DiffMapsOptions = {}): MapDiff {
  const threshold = factor('threshold', options.threshold ?? DEFAULT_THRESHOLD)
  for (const [name, map] of [['before', before], ['after', after]] as const) {
    if (typeof map !== 'object' || map === null || !Array.isArray(map.nodes) || !Array.isArray(map.edges)) {
      throw new TypeError(`${name} must be a NetworkMap, got ${String(map)}`)
    }
  }
  if (before.groupBy !== after.groupBy) {
    throw new TypeError(`before and after must have the same grouping, got ${before.groupBy} and ${after.groupBy}`)
  }
  const beforeEdges = byId(before.edges)
  const afterEdges = byId(after.edges)
  const changes: MapChange[] = []
  const edgeStatus = new Map<string, ChangeStatus>()

  for (const [id, edge] of afterEdges) {
    const old = beforeEdges.get(id)
    const was = old ? services(old) : new Map<string, Service>()
    const is = services(edge)
    const change = (change: MapChange['change'], scope: MapChange['scope'], concerned: ServiceChange[]): void => {
      changes.push({ change, scope, edge: id, from: edge.from, to: edge.to, services: concerned, before: volumeOf(old), after: volumeOf(edge) })
    }
    if (!old) {
      change('new', 'edge', [...is.values()].map((service) => serviceChange(undefined, service)))
      edgeStatus.set(id, 'new')
      continue
    }
    const added = [...is].filter(([key]) => !was.has(key)).map(([, service]) => serviceChange(undefined, service))
    const gone = [...was].filter(([key]) => !is.has(key)).map(([, service]) => serviceChange(service, undefined))
    if (added.length > 0) change('new', 'services', added)
    if (gone.length > 0) change('vanished', 'services', gone)
    const bytesMoved = moved(total(old, 'bytes'), total(edge, 'bytes'), threshold)
    if (bytesMoved) {
      const keys = new Set([...was.keys(), ...is.keys()])
      change('changed', 'edge', [...keys].map((key) => serviceChange(was.get(key), is.get(key))))
    }
    if (added.length > 0 || gone.length > 0 || bytesMoved) edgeStatus.set(id, 'changed')
  }
  for (const [id, edge] of beforeEdges) {
    if (afterEdges.has(id)) continue
    const was = services(edge)
    changes.push({
      change: 'vanished',
      scope: 'edge',
      edge: id,
      from: edge.from,
      to: edge.to,
      services: [...was.values()].map((service) => serviceChange(service, undefined)),
      before: volumeOf(edge),
      after: volumeOf(undefined),
    })
    edgeStatus.set(id, 'vanished')
  }
  for (const change of changes) change.services.sort(byBytes)
  changes.sort(inOrder)

  const beforeNodes = byId(before.nodes)
  const afterNodes = byId(after.nodes)
  const nodeStatus = new Map<string, ChangeStatus>()
  for (const id of afterNodes.keys()) if (!beforeNodes.has(id)) nodeStatus.set(id, 'new')
  for (const id of beforeNodes.keys()) if (!afterNodes.has(id)) nodeStatus.set(id, 'vanished')

  return {
    groupBy: after.groupBy,
    threshold: threshold.value,
    changes,
    map: {
      source: after.source ?? before.source,
      window: span(before.window, after.window),
      groupBy: after.groupBy,
      clusters: union<MapCluster>(before.clusters, after.clusters),
      nodes: union<MapNode>(before.nodes, after.nodes),
      edges: union<MapEdge>(before.edges, after.edges),
    },
    status: { nodes: nodeStatus, edges: edgeStatus, before: before.window, after: after.window },
  }
}

/** One service of an edge in one action: its protocol, port, label and traffic both ways. */
interface Service {
  readonly protocol: number
  readonly port: number
  readonly label: string
  readonly action: 'ACCEPT' | 'REJECT'
  readonly volume: Volume
}

/** An edge's services, each split by action (only the actions it has traffic in), by `protocol/port/action`. */
function services(edge: MapEdge): Map<string, Service> {
  const found = new Map<string, Service>()
  for (const { protocol, port, label, forward, reverse } of edge.services) {
    for (const [action, one, other] of [
      ['ACCEPT', forward.accepted, reverse.accepted],
      ['REJECT', forward.rejected, reverse.rejected],
    ] as const) {
      const volume = { bytes: add(one.bytes, other.bytes), packets: add(one.packets, other.packets) }
      if (volume.bytes === 0 && volume.packets === 0) continue
      found.set(`${protocol}/${port}/${action}`, { protocol, port, label, action, volume })
    }
  }
  return found
}

const NONE: Volume = { bytes: 0, packets: 0 }

function serviceChange(before: Service | undefined, after: Service | undefined): ServiceChange {
  const { protocol, port, label, action } = (after ?? before)!
  return { protocol, port, label, action, before: before?.volume ?? NONE, after: after?.volume ?? NONE }
}

/** An edge's bytes and packets, both ways, accepted and rejected (none for no edge). */
function volumeOf(edge: Traffic | undefined): Volume {
  return edge ? { bytes: total(edge, 'bytes'), packets: total(edge, 'packets') } : NONE
}

function total(traffic: Traffic, count: keyof Volume): number | bigint {
  const { forward, reverse } = traffic
  return add(add(forward.accepted[count], forward.rejected[count]), add(reverse.accepted[count], reverse.rejected[count]))
}

/** A factor >= 1 as an exact fraction: every finite double is one, with a power of two below. */
interface Fraction {
  readonly value: number
  readonly numerator: bigint
  readonly denominator: bigint
}

function factor(name: string, value: number): Fraction {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new TypeError(`${name} must be a finite number >= 1, got ${String(value)}`)
  }
  let numerator = value
  let denominator = 1n
  while (!Number.isInteger(numerator)) {
    numerator *= 2 // exact: doubling changes only the exponent
    denominator *= 2n
  }
  return { value, numerator: BigInt(numerator), denominator }
}

/** Whether `after` is more than `threshold` times `before`, or `before` more than `threshold` times `after`. */
function moved(before: number | bigint, after: number | bigint, threshold: Fraction): boolean {
  const [b, a] = [BigInt(before), BigInt(after)]
  const { numerator, denominator } = threshold
  return a * denominator > b * numerator || b * denominator > a * numerator
}

function byId<T extends { readonly id: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.id, item]))
}

/** `after`'s items, then those only `before` has, each in its map's order. */
function union<T extends { readonly id: string }>(before: readonly T[], after: readonly T[]): T[] {
  const ids = new Set(after.map((item) => item.id))
  return [...after, ...before.filter((item) => !ids.has(item.id))]
}

function span(a: NetworkMap['window'], b: NetworkMap['window']): NetworkMap['window'] {
  if (!a || !b) return a ?? b
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) }
}

const ORDER: Readonly<Record<MapChange['change'], number>> = { new: 0, vanished: 1, changed: 2 }

function inOrder(a: MapChange, b: MapChange): number {
  return ORDER[a.change] - ORDER[b.change] || compare(a.from, b.from) || compare(a.to, b.to) || compare(a.edge, b.edge) || compare(a.scope, b.scope)
}

/** Most bytes (in the later period that has any) first, then protocol, port and action. */
function byBytes(a: ServiceChange, b: ServiceChange): number {
  const bytes = (s: ServiceChange): number | bigint => (s.after.bytes !== 0 ? s.after.bytes : s.before.bytes)
  return compareCounts(bytes(b), bytes(a)) || a.protocol - b.protocol || a.port - b.port || compare(a.action, b.action)
}
