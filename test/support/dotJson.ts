/** A DOT graph read back by Graphviz itself (its JSON output), for tests of what the DOT says. */
import type { Graphviz } from '@hpcc-js/wasm-graphviz'

export interface Drawn {
  readonly label: string
  readonly graph: Record<string, string>
  readonly nodes: Map<string, Record<string, string>>
  readonly edges: Map<string, Record<string, string>>
  readonly clusters: Array<{ name: string; label: string; nodes: string[] }>
}

/** The DOT as Graphviz reads it (its JSON output): attributes by node and by edge `from -> to`. */
export function readDotJson(graphviz: Graphviz, dot: string): Drawn {
  type Object = { name: string; label?: string; nodes?: number[]; _gvid: number; [key: string]: unknown }
  const json = JSON.parse(graphviz.dot(dot, 'dot_json')) as { label: string; objects: Object[]; edges?: Array<{ tail: number; head: number; [key: string]: unknown }> }
  const nodes = json.objects.filter((o) => !o.name.startsWith('cluster_'))
  const byId = new Map(json.objects.map((o) => [o._gvid, o.name]))
  return {
    label: json.label,
    graph: json as unknown as Record<string, string>,
    nodes: new Map(nodes.map((o) => [o.name, o as unknown as Record<string, string>])),
    edges: new Map((json.edges ?? []).map((e) => [`${byId.get(e.tail)} -> ${byId.get(e.head)}`, e as unknown as Record<string, string>])),
    clusters: json.objects.filter((o) => o.name.startsWith('cluster_')).map((o) => ({ name: o.name, label: o.label ?? '', nodes: (o.nodes ?? []).map((id) => byId.get(id)!) })),
  }
}
