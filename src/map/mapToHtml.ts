import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { abortable } from '../abortable.js'
import { lazyImport } from '../lazyImport.js'
import { abortSignal, positiveInteger } from '../options.js'
import { bigintText } from '../flowLogText.js'
import { CHANGE_MARKS, changeTitle, statusOption } from './changeStyle.js'
import type { MapStatus } from './diffMaps.js'
import { drawnLayout } from './mapLayout.js'
import { mapTitle } from './mapToDot.js'
import { PAGE_BODY, PAGE_SCRIPT, PAGE_STYLE } from './mapPage.js'
import type { MapEdge, NetworkMap } from './networkMap.js'
import { totalBytes } from './counts.js'

export interface MapToHtmlOptions {
  /** The page's title. Default: the SVG picture's, `vpcflow map of s3://bucket/AWSLogs/, 2024-05-01 00:04 – 2024-05-03 21:08 UTC`. */
  title?: string
  /**
   * What became of each node and edge between two periods (`diffMaps(...).status`): new ones
   * stand out, vanished ones are dashed and grey, the rest fade; the legend explains, names
   * both periods, and the details say what became of what is clicked. Default: a plain map.
   */
  status?: MapStatus
  /** Draw only this many edges, those with the most bytes, and the nodes they join, as `mapToDot` does. Default: all. */
  top?: number
  /** Stops rendering; the iteration (or the promise) then rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Renders network maps as interactive HTML pages, one page per map: cytoscape.js, the
 * page's script and style and the map's data are all inlined, so the file opens from disk
 * with no network. See {@link mapHtml} for what the page shows.
 *
 * @example
 * ```ts
 * const page = pipe([map], mapToHtml({ title: 'shop, last hour' }))
 * for await (const chunk of page) process.stdout.write(chunk)
 * ```
 */
export function mapToHtml(options: MapToHtmlOptions = {}): (maps: AsyncIterable<NetworkMap> | Iterable<NetworkMap>) => AsyncGenerator<Uint8Array> {
  const checked = pageOptions(options)
  return async function* (maps) {
    for await (const map of abortable(maps, checked.signal)) yield Buffer.from(await page(map, checked))
  }
}

/**
 * One network map as a self-contained interactive HTML page. It draws the map's nodes at
 * positions laid out by Graphviz, cluster by cluster (`neato` up to 300 nodes, `sfdp` past
 * that), its clusters as boxes around their nodes, its edges green (accepted), red
 * (rejected) or orange (both), wider the more bytes they carry. It pans
 * and zooms; a search box highlights the nodes whose name or address matches; a click on a
 * node or an edge shows its details (services and ports, bytes and packets each way,
 * accepted and rejected, the addresses inside a group and their names); a toggle shows
 * only rejected traffic; a legend gives the time window and the source. Every name and
 * address is data in the page, never markup, and the page's Content-Security-Policy runs
 * only its own scripts.
 *
 * @example
 * ```ts
 * await writeFile('map.html', await mapHtml(map))
 * ```
 */
export async function mapHtml(map: NetworkMap, options: MapToHtmlOptions = {}): Promise<string> {
  return page(map, pageOptions(options))
}

interface PageOptions {
  readonly title: string | undefined
  readonly status: MapStatus | undefined
  readonly top: number
  readonly signal: AbortSignal | undefined
}

function pageOptions(options: MapToHtmlOptions): PageOptions {
  const { title } = options
  if (title !== undefined && typeof title !== 'string') throw new TypeError(`title must be a string, got ${String(title)}`)
  return { title, status: statusOption(options.status), top: positiveInteger('top', options.top, Infinity), signal: abortSignal('signal', options.signal) }
}

/** How many services an edge's label names before `+N`. */
const LABEL_SERVICES = 3
/** An edge's line width in pixels, from its map's thinnest to its thickest. */
const WIDTHS = { least: 1, most: 9 } as const

async function page(whole: NetworkMap, { title, status, top, signal }: PageOptions): Promise<string> {
  checkMap(whole)
  const [{ map, sizes, positions }, cytoscape] = await Promise.all([drawnLayout(whole, top, signal), cytoscapeScript()])
  signal?.throwIfAborted()
  const bytes = map.edges.map((edge) => BigInt(totalBytes(edge)))
  const logs = bytes.map((b) => Math.log10(1 + Number(b)))
  const [least, most] = [logs.reduce((a, b) => Math.min(a, b), Infinity), logs.reduce((a, b) => Math.max(a, b), -Infinity)]
  const model = {
    title: title ?? (status ? changeTitle(map, status) : mapTitle(map)),
    periods: status && { before: status.before, after: status.after },
    source: map.source,
    window: map.window,
    groupBy: map.groupBy,
    widths: bytes.length === 0 ? undefined : { least: bytes.reduce(min), most: bytes.reduce(max) },
    clusters: map.clusters,
    nodes: map.nodes.map((node) => ({ ...node, position: positions.get(node.id), size: sizes.get(node.id), change: status && (status.nodes.get(node.id) ?? 'same') })),
    edges: map.edges.map((edge, i) => ({
      ...edge,
      change: status && (status.edges.get(edge.id) ?? 'same'),
      label: marked(edgeLabel(edge), status?.edges.get(edge.id)),
      bytes: bytes[i],
      width: most === least ? (WIDTHS.least + WIDTHS.most) / 3 : WIDTHS.least + ((WIDTHS.most - WIDTHS.least) * (logs[i]! - least)) / (most - least),
    })),
  }
  const scripts = [cytoscape, PAGE_SCRIPT].map(inlineScript)
  const policy = [
    "default-src 'none'",
    `script-src ${scripts.map((script) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`).join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data: blob:',
  ].join('; ')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="generator" content="vpcflow">
<title>${escapeHtml(model.title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>${PAGE_BODY}<script type="application/json" id="vpcflow-map">${inlineJson(model)}</script>
${scripts.map((script) => `<script>${script}</script>`).join('\n')}
</body>
</html>
`
}

/** A map the page can draw: arrays of nodes, edges and clusters, every edge between known nodes. */
function checkMap(map: NetworkMap): void {
  if (typeof map !== 'object' || map === null || !Array.isArray(map.nodes) || !Array.isArray(map.edges) || !Array.isArray(map.clusters)) {
    throw new TypeError('a network map needs nodes, edges and clusters arrays')
  }
  const ids = new Set(map.nodes.map((node) => node.id))
  if (ids.size !== map.nodes.length) throw new TypeError('the network map has two nodes with the same id')
  for (const edge of map.edges) {
    for (const end of [edge.from, edge.to]) {
      if (!ids.has(end)) throw new TypeError(`the network map's edge ${JSON.stringify(edge.id)} names no node ${JSON.stringify(end)}`)
    }
  }
}


const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b)

/** The first services (most bytes first), then how many more: `tcp/443, tcp/8080 +3`. */
function edgeLabel(edge: MapEdge): string {
  const shown = edge.services.slice(0, LABEL_SERVICES).map((service) => service.label)
  const more = edge.services.length - shown.length
  return shown.join(', ') + (more > 0 ? ` +${more}` : '')
}

/** A label with what became of its edge: `new: tcp/443`. */
function marked(label: string, change: keyof typeof CHANGE_MARKS | undefined): string {
  return change ? `${CHANGE_MARKS[change]}: ${label}` : label
}

/** cytoscape.js from the installed package, read once. */
const cytoscapeScript = lazyImport(() => readFile(createRequire(import.meta.url).resolve('cytoscape/dist/cytoscape.min.js'), 'utf8'))

/**
 * A script's text made safe inside `<script>`: the HTML parser ends a script at `</script`
 * and treats `<!--` specially, whatever the JavaScript means; `<\/` and `<\!--` mean the
 * same inside JavaScript strings and regular expressions, the only places they occur.
 */
function inlineScript(script: string): string {
  return script.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--')
}

/**
 * Data as JSON that can stand inside `<script type="application/json">`: `<`, `>` and `&`
 * as `\u` escapes, so no value can close the element or open a comment; bigints as
 * decimal strings (the page counts with BigInt).
 */
function inlineJson(value: unknown): string {
  return JSON.stringify(value, bigintText).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)
}
