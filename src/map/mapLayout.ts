/**
 * Where the page draws each node of a network map, computed by Graphviz (WebAssembly) in
 * Node, so that the page opens with its picture ready.
 *
 * Graphviz's layered `dot` draws these maps as strips: clients in one rank, servers in the
 * next, so a map of 50 nodes and 80 edges came out 880 x 2,080 pt, and one of 300 nodes 1:10.
 * So each cluster is laid out by itself with a force-directed engine, and the clusters, as
 * boxes of their size, are laid out again with the nodes outside them: a picture near a
 * square, clusters apart. Up to `STRESS_LIMIT` nodes the engine is `neato` (stress
 * majorization, the tidier picture, with overlaps removed), past it `sfdp` (multilevel,
 * 0.3 s for 500 nodes and 1,200 edges where `neato` took 1.9 s; 1.7 s for 2,000 and 5,000).
 */
import { lazyImport } from '../lazyImport.js'
import { heaviest } from './mapToDot.js'
import type { MapCluster, MapEdge, MapNode, NetworkMap } from './networkMap.js'

/** A point in the page's pixels, y growing downwards. */
export interface Point {
  x: number
  y: number
}

/** A node's box as the page draws it, in pixels. */
export interface Size {
  width: number
  height: number
}

/** The most nodes laid out by `neato`; `sfdp` lays out larger maps. */
const STRESS_LIMIT = 300

/** Graphviz works in points, the page in pixels: one point is drawn as one pixel. */
const INCH = 72
/** Room around a cluster's nodes for its border and its label, in pixels. */
const CLUSTER_PADDING = 24

type Engine = 'neato' | 'sfdp'

interface Graphviz {
  layout(dot: string, format: 'json', engine: Engine): string
}

/** Graphviz, loaded once (some 130 ms); a failed load is tried again next time. */
const loadGraphviz: () => Promise<Graphviz> = lazyImport(() => import('@hpcc-js/wasm-graphviz').then(({ Graphviz }) => Graphviz.load()))

/**
 * What is drawn of a map (its `top` edges with the most bytes, the nodes they join and the
 * clusters that hold those), each node's box, and where it goes: as the page draws a map,
 * and as a picture too large for Graphviz's layered layout is drawn.
 */
export async function drawnLayout(
  whole: NetworkMap,
  top: number,
  signal?: AbortSignal,
): Promise<{ map: NetworkMap; sizes: Map<string, Size>; positions: Map<string, Point> }> {
  const { nodes, edges } = heaviest(whole, top)
  const map = { ...whole, nodes, edges, clusters: drawnClusters(whole.clusters, nodes) }
  const sizes = new Map(map.nodes.map((node) => [node.id, nodeSize(node.label)]))
  return { map, sizes, positions: await layoutMap(map, sizes, signal) }
}

/** The clusters that hold a node, directly or through a cluster inside them. */
function drawnClusters(clusters: readonly MapCluster[], nodes: readonly MapNode[]): MapCluster[] {
  const parents = new Map(clusters.map((cluster) => [cluster.id, cluster.parent]))
  const drawn = new Set<string>()
  for (const node of nodes) {
    for (let id = node.cluster; id !== undefined && !drawn.has(id); id = parents.get(id)) drawn.add(id)
  }
  return clusters.filter((cluster) => drawn.has(cluster.id))
}

/** A node's box: room for its label at 11 px (some 6.5 px a character), between 64 and 220 px wide. */
function nodeSize(label: string): Size {
  return { width: Math.round(Math.min(220, Math.max(64, 22 + 6.5 * [...label].length))), height: 30 }
}

/** Positions of a map's nodes (each node's centre, in pixels), by node id; `sizes` are the nodes' boxes. */
export async function layoutMap(
  map: { nodes: readonly MapNode[]; edges: readonly MapEdge[]; clusters: readonly MapCluster[] },
  sizes: ReadonlyMap<string, Size>,
  signal?: AbortSignal,
): Promise<Map<string, Point>> {
  const gv = await loadGraphviz()
  signal?.throwIfAborted()
  const names = new Map(map.nodes.map((node, i) => [node.id, `n${i}`]))
  const graph: Graph = {
    tree: clusterTree(map),
    sizes: new Map(map.nodes.map((node) => [names.get(node.id)!, sizes.get(node.id)!])),
    names,
    edges: map.edges.flatMap((edge) => {
      const [from, to] = [names.get(edge.from), names.get(edge.to)]
      return from === undefined || to === undefined ? [] : [[from, to] as const]
    }),
  }
  const points = forceDirected(gv, graph, map.nodes.length <= STRESS_LIMIT ? 'neato' : 'sfdp', signal)
  return new Map(map.nodes.map((node) => [node.id, points.get(names.get(node.id)!) ?? { x: 0, y: 0 }]))
}

/** The map as Graphviz sees it: nodes named `n0`, `n1`... in map order. */
interface Graph {
  readonly tree: ClusterTree
  /** By Graphviz name. */
  readonly sizes: ReadonlyMap<string, Size>
  /** Graphviz name by node id. */
  readonly names: ReadonlyMap<string, string>
  readonly edges: ReadonlyArray<readonly [string, string]>
}

/** A cluster with what is drawn directly inside it; the root holds what is in no cluster. */
interface ClusterTree {
  readonly id: string | undefined
  readonly nodes: MapNode[]
  readonly children: ClusterTree[]
}

/** The clusters as a tree (a cluster whose parent is unknown, or a cycle, hangs at the root). */
function clusterTree(map: { nodes: readonly MapNode[]; clusters: readonly MapCluster[] }): ClusterTree {
  const root: ClusterTree = { id: undefined, nodes: [], children: [] }
  const byId = new Map<string, ClusterTree>(map.clusters.map((c) => [c.id, { id: c.id, nodes: [], children: [] }]))
  const parents = new Map(map.clusters.map((c) => [c.id, c.parent]))
  for (const cluster of map.clusters) {
    let parent = cluster.parent
    for (let seen = new Set([cluster.id]); parent !== undefined && !seen.has(parent); parent = parents.get(parent)) seen.add(parent)
    const placed = cluster.parent !== undefined && parent === undefined ? byId.get(cluster.parent) : undefined
    ;(placed ?? root).children.push(byId.get(cluster.id)!)
  }
  for (const node of map.nodes) (byId.get(node.cluster ?? '') ?? root).nodes.push(node)
  return root
}

/** A node statement of the given size in pixels, drawn as a box of that size (names are ours: `n12`, `c3`). */
const box = (name: string, { width, height }: Size): string => `${name} [width=${(width / INCH).toFixed(3)}, height=${(height / INCH).toFixed(3)}];`

interface Laid {
  objects?: Array<{ name: string; pos?: string; bb?: string }>
  bb: string
}

/** Runs Graphviz and reads back each named node's centre and the drawing's size, y downwards. */
function run(gv: Graphviz, dot: string, engine: Engine): { points: Map<string, Point>; size: Size } {
  const laid = JSON.parse(gv.layout(dot, 'json', engine)) as Laid
  const [left = 0, bottom = 0, right = 0, top = 0] = laid.bb.split(',').map(Number)
  const points = new Map<string, Point>()
  for (const object of laid.objects ?? []) {
    if (object.pos === undefined) continue
    const [x = 0, y = 0] = object.pos.split(',').map(Number)
    points.set(object.name, { x: x - left, y: top - y })
  }
  const [width, height] = [right - left, top - bottom]
  return { points, size: { width, height } }
}

/**
 * Each cluster laid out by itself, innermost first, then its parent with the cluster as
 * one box of its drawing's size, so that clusters never overlap; edges between clusters
 * pull their boxes together. `neato` removes overlaps between boxes; `sfdp` leaves them,
 * as removing them costs more than the layout at 500 nodes.
 */
function forceDirected(gv: Graphviz, { tree, sizes, names, edges }: Graph, engine: 'neato' | 'sfdp', signal: AbortSignal | undefined): Map<string, Point> {
  /** Which member of the cluster being laid out holds each node: itself, or a child cluster's box. */
  const holder = new Map<string, string>()
  let clusters = 0
  const place = (cluster: ClusterTree): { points: Map<string, Point>; size: Size } => {
    const members = new Map<string, Size>()
    const inside: Array<{ points: Map<string, Point>; size: Size; name: string }> = []
    for (const child of cluster.children) {
      const laid = place(child)
      signal?.throwIfAborted()
      if (laid.points.size === 0) continue
      const name = `c${clusters++}`
      members.set(name, { width: laid.size.width + 2 * CLUSTER_PADDING, height: laid.size.height + 2 * CLUSTER_PADDING })
      inside.push({ ...laid, name })
      for (const node of laid.points.keys()) holder.set(node, name)
    }
    for (const node of cluster.nodes) {
      const name = names.get(node.id)!
      members.set(name, sizes.get(name)!)
      holder.set(name, name)
    }
    if (members.size === 0) return { points: new Map(), size: { width: 0, height: 0 } }
    const links = new Set<string>()
    for (const [from, to] of edges) {
      const [a, b] = [holder.get(from), holder.get(to)]
      if (a !== undefined && b !== undefined && a !== b && members.has(a) && members.has(b)) links.add(`${a} -> ${b};`)
    }
    const statements = [...members].map(([name, size]) => box(name, size))
    const graph = (overlap: string): string =>
      `digraph { ${overlap} node [shape=box, fixedsize=true, label=""];\n${statements.join('\n')}\n${[...links].join('\n')}\n}`
    let laid = run(gv, graph(members.size <= STRESS_LIMIT ? 'overlap=prism; sep="+10";' : 'overlap=scale; sep="+6";'), engine)
    // Overlap removal can leave a node at NaN (seen once in 500 nodes): then do without it.
    if ([...laid.points.values()].some(({ x, y }) => !Number.isFinite(x + y))) laid = run(gv, graph(''), engine)
    const points = new Map<string, Point>()
    for (const node of cluster.nodes) points.set(names.get(node.id)!, laid.points.get(names.get(node.id)!)!)
    for (const child of inside) {
      const centre = laid.points.get(child.name)!
      for (const [node, point] of child.points) {
        points.set(node, { x: centre.x - child.size.width / 2 + point.x, y: centre.y - child.size.height / 2 + point.y })
      }
    }
    return { points, size: laid.size }
  }
  return place(tree).points
}
