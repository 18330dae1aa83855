import { positiveInteger } from '../options.js'
import { escape, quote } from '../toDot.js'
import { CHANGE_COLORS, CHANGE_MARKS, changeTitle, statusOption, windowText } from './changeStyle.js'
import type { ChangeStatus, MapStatus } from './diffMaps.js'
import type { MapCluster, MapEdge, MapNode, NetworkMap } from './networkMap.js'
import { totalBytes } from './counts.js'

export interface MapToDotOptions {
  /** The graph's name. Default `vpcflow`. */
  name?: string
  /** Services named on an edge's label before `+N`. Default 3. */
  services?: number
  /**
   * What became of each node and edge between two periods (`diffMaps(...).status`): new ones
   * are drawn bold, vanished ones dashed and grey, changed ones as they are, the rest faded;
   * labels say `new`, `gone` or `changed`, a legend says what the styles mean, and the title
   * names both periods. Default: a plain map.
   */
  status?: MapStatus
  /** Draw only this many edges, those with the most bytes, and the nodes they join. Default: all. */
  top?: number
  /**
   * The height to width ratio to stretch the drawing to (Graphviz's `ratio`: the shorter side
   * grows, text keeps its size), e.g. 0.4 for a layout that came out wider than 2.5:1. Default: none.
   */
  ratio?: number
  /**
   * Where each node goes, its centre in points with y downwards, from any layout (`render`
   * gives a large map the page's):
   * the DOT is then for Graphviz's `neato` with no layout of its own (`-n2`): the nodes stay
   * where they are, edges are straight and drawn under the nodes, and clusters are not drawn.
   * Default: none, for Graphviz's layered `dot`.
   */
  positions?: ReadonlyMap<string, { readonly x: number; readonly y: number }>
}

/** Edge colours by action: green, red, orange for both. */
export const COLORS = { ACCEPT: '#2e7d32', REJECT: '#c62828', BOTH: '#ef6c00' } as const

/** How a node of a diff's union map looks, on top of its kind's style. */
const NODE_CHANGES = {
  new: `penwidth=3, color="${CHANGE_COLORS.new}", fontcolor="${CHANGE_COLORS.new}"`,
  vanished: `style="dashed,filled", fillcolor="#fafafa", color="${CHANGE_COLORS.vanished}", fontcolor="${CHANGE_COLORS.vanished}"`,
  changed: 'penwidth=2',
  unchanged: `color="#cfd8dc", fontcolor="${CHANGE_COLORS.unchanged}", fillcolor="#f7f9fa"`,
} as const

/** How an edge of a diff's union map looks, from its action's colour and its width by bytes. */
const EDGE_CHANGES: Record<ChangeStatus | 'unchanged', (color: string, width: number) => { color: string; fontcolor: string; width: number; style?: string }> = {
  new: (color, width) => ({ color, fontcolor: CHANGE_COLORS.new, width: width + 2, style: 'bold' }),
  vanished: (_, width) => ({ color: CHANGE_COLORS.vanished, fontcolor: CHANGE_COLORS.vanished, width, style: 'dashed' }),
  changed: (color, width) => ({ color, fontcolor: color, width }),
  unchanged: (color, width) => ({ color: `${color}38`, fontcolor: CHANGE_COLORS.unchanged, width: width / 2 }),
}

/** The legend of a diff's union map, as a Graphviz HTML-like label. */
const LEGEND = [
  '<table border="0" cellborder="0" cellspacing="1" cellpadding="2">',
  `<tr><td align="left"><font color="${CHANGE_COLORS.new}"><b>new</b></font>: only after (bold)</td></tr>`,
  `<tr><td align="left"><font color="${CHANGE_COLORS.vanished}">gone</font>: only before (dashed, grey)</td></tr>`,
  '<tr><td align="left"><b>changed</b>: new or vanished services, or bytes past the threshold</td></tr>',
  `<tr><td align="left"><font color="${CHANGE_COLORS.unchanged}">faded: the same</font></td></tr>`,
  '</table>',
].join('')

/** How each kind of node looks. */
const NODE_STYLES: Record<MapNode['kind'], string> = {
  address: 'shape=box, style="rounded,filled", fillcolor="#eef3f8"',
  group: 'shape=folder, style=filled, fillcolor="#e8eef5"',
  internet: 'shape=ellipse, style=filled, fillcolor="#e3f2fd", color="#1565c0"',
  'aws-service': 'shape=cylinder, style=filled, fillcolor="#fff3e0", color="#e65100"',
  public: 'shape=box, style="rounded,dashed,filled", fillcolor="#f3f8fd"',
}

/**
 * Draws the network map as a Graphviz DOT graph: left to right, clients before servers,
 * VPCs (and accounts, where there are several) as clusters; one edge per pair of groups,
 * green where all its traffic was accepted, red where all was rejected, orange for both,
 * wider with more bytes (1 to 4 points, by log10 of bytes), labelled with its services by bytes (`tcp/443,
 * tcp/8080 +3`) and its totals (`12.3 MB, 4,567 packets`; a scan: `REJECT, 2,314 sources`).
 * The source and time window are said once, in the title. Every value is escaped.
 *
 * @example
 * ```ts
 * const map = await buildNetworkMap(pipe(createReadStream('digest.log')))
 * await writeFile('map.dot', mapToDot(map))
 * ```
 */
export function mapToDot(map: NetworkMap, options: MapToDotOptions = {}): string {
  const { name = 'vpcflow' } = options
  if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${String(name)}`)
  const services = positiveInteger('services', options.services, 3)
  const status = statusOption(options.status)
  const top = positiveInteger('top', options.top, Infinity)
  const { ratio } = options
  if (ratio !== undefined && !(typeof ratio === 'number' && ratio > 0 && Number.isFinite(ratio))) throw new TypeError(`ratio must be a number above 0, got ${String(ratio)}`)
  const { positions } = options
  const { edges, nodes } = heaviest(map, top)
  const placed = positions ? ' splines=line, outputorder=edgesfirst,' : ' rankdir=LR, newrank=true, ranksep=0.45, nodesep=0.08,'
  /** A node's position as `neato -n2` reads it (points, y upwards), where one is given. */
  const at = (id: string): string => {
    const point = positions?.get(id)
    return point ? `pos="${point.x.toFixed(1)},${(-point.y).toFixed(1)}", ` : ''
  }
  const out: string[] = [
    `digraph ${quote(name)} {`,
    `  graph [${placed}${ratio === undefined ? '' : ` ratio=${ratio},`} fontname="Helvetica", fontsize=16, labelloc=t, labeljust=l, label=${quote(status ? changeTitle(map, status) : mapTitle(map))}];`,
    '  node [fontname="Helvetica", fontsize=11, color="#546e7a", margin="0.12,0.06"];',
    '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
  ]

  // Clusters, nested as the model says; nodes inside their cluster.
  const children = new Map<string | undefined, MapCluster[]>()
  for (const cluster of map.clusters) children.set(cluster.parent, [...(children.get(cluster.parent) ?? []), cluster])
  const members = new Map<string | undefined, MapNode[]>()
  for (const node of nodes) members.set(node.cluster, [...(members.get(node.cluster) ?? []), node])
  const drawn = (cluster: string): boolean => members.has(cluster) || (children.get(cluster) ?? []).some((child) => drawn(child.id))
  const draw = (cluster: string | undefined, indent: string): void => {
    for (const node of members.get(cluster) ?? []) {
      const change = status && (status.nodes.get(node.id) ?? 'unchanged')
      const label = `${nodeLabel(node)}${change === 'new' || change === 'vanished' ? `\\n${CHANGE_MARKS[change]}` : ''}`
      out.push(`${indent}${quote(node.id)} [${at(node.id)}${NODE_STYLES[node.kind]}${change ? `, ${NODE_CHANGES[change]}` : ''}, label="${label}"];`)
    }
    for (const child of (children.get(cluster) ?? []).filter((child) => drawn(child.id))) {
      out.push(
        `${indent}subgraph ${quote(`cluster_${child.id}`)} {`,
        `${indent}  graph [label=${quote(child.label)}, style="rounded,filled", fillcolor="${child.kind === 'vpc' ? '#fafcff' : '#fdfdf6'}", color="#90a4ae", fontsize=12];`,
      )
      draw(child.id, `${indent}  `)
      out.push(`${indent}}`)
    }
  }
  draw(undefined, '  ')

  const weights = edges.map((edge) => Math.log10(1 + Number(totalBytes(edge))))
  const [low, high] = [Math.min(...weights), Math.max(...weights)]
  const kinds = new Map(nodes.map((node) => [node.id, node.kind]))
  edges.forEach((edge, i) => {
    const width = high > low ? 1 + (3 * (weights[i]! - low)) / (high - low) : 1.5
    const change = status && (status.edges.get(edge.id) ?? 'unchanged')
    const label = `${change && change !== 'unchanged' ? `${CHANGE_MARKS[change]}: ` : ''}${edgeLabel(edge, kinds, services)}`
    const look = change ? EDGE_CHANGES[change](COLORS[edge.action], width) : { color: COLORS[edge.action], fontcolor: COLORS[edge.action], width }
    out.push(
      `  ${quote(edge.from)} -> ${quote(edge.to)} [color="${look.color}", fontcolor="${look.fontcolor}", penwidth=${look.width.toFixed(2)}${look.style ? `, style=${look.style}` : ''}, label="${label}"];`,
    )
  })
  if (status) out.push(`  ${quote('vpcflow:legend')} [shape=plaintext, label=<${LEGEND}>];`)
  out.push('}', '')
  return out.join('\n')
}

/** The `top` edges with the most bytes (most first; all, in map order, when `top` is Infinity or more) and the nodes they join. */
export function heaviest(map: NetworkMap, top: number): { edges: MapEdge[]; nodes: MapNode[] } {
  if (top >= map.edges.length) return { edges: map.edges, nodes: map.nodes }
  const edges = map.edges
    .map((edge) => ({ edge, bytes: totalBytes(edge) }))
    .sort((a, b) => (a.bytes < b.bytes ? 1 : a.bytes > b.bytes ? -1 : 0))
    .slice(0, top)
    .map(({ edge }) => edge)
  const joined = new Set(edges.flatMap((edge) => [edge.from, edge.to]))
  return { edges, nodes: map.nodes.filter((node) => joined.has(node.id)) }
}

/** `vpcflow map of s3://bucket/AWSLogs/, 2024-05-01 00:04 – 2024-05-03 21:08 UTC`. */
export function mapTitle(map: NetworkMap): string {
  const window = windowText(map.window)
  const grouping = map.groupBy === 'address' ? '' : ` by ${map.groupBy}`
  return [`vpcflow map${grouping}${map.source === undefined ? '' : ` of ${map.source}`}`, window].filter(Boolean).join(', ')
}

function nodeLabel(node: MapNode): string {
  const lines = [node.label]
  if (node.kind === 'address' || node.kind === 'public') {
    if (node.label !== node.id) lines.push(node.id)
  } else {
    if (node.kind === 'group' && node.label !== node.id) lines.push(node.id)
    lines.push(`${count(node.addressCount)} address${node.addressCount === 1 ? '' : 'es'}`)
  }
  return lines.map(escape).join('\\n')
}

function edgeLabel(edge: MapEdge, kinds: ReadonlyMap<string, MapNode['kind']>, shown: number): string {
  const names = edge.services.slice(0, shown).map((service) => service.label)
  const more = edge.services.length - names.length
  const volumes = [edge.forward.accepted, edge.forward.rejected, edge.reverse.accepted, edge.reverse.rejected]
  const packets = volumes.reduce((sum, volume) => sum + Number(volume.packets), 0)
  const rejected = Number(edge.forward.rejected.packets) + Number(edge.reverse.rejected.packets)
  const fromInternet = kinds.get(edge.from) === 'internet'
  const totals =
    edge.action === 'REJECT'
      ? ['REJECT', `${count(packets)} packets`]
      : [bytes(totalBytes(edge)), `${count(packets)} packets${edge.action === 'BOTH' ? ` (${count(rejected)} rejected)` : ''}`]
  if (fromInternet && edge.sources > 1) totals.push(`${count(edge.sources)} sources`)
  return [`${names.join(', ')}${more > 0 ? ` +${more}` : ''}`, totals.join(', ')].map(escape).join('\\n')
}

/** `2,314`. */
export function count(value: number | bigint): string {
  return value.toLocaleString('en-US')
}

/** Bytes for people: `980 B`, `12.3 kB`, `4.5 GB` (powers of 1000). */
export function bytes(value: number | bigint): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']
  let amount = Number(value)
  let unit = 0
  while (amount >= 999.95 && unit < units.length - 1) {
    amount /= 1000
    unit++
  }
  return `${unit === 0 ? amount.toFixed(0) : amount.toFixed(1)} ${units[unit]}`
}
