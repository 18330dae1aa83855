/**
 * Graphviz's layout of a DOT graph as SVG, in a worker thread so that Ctrl-C can stop it,
 * and a network map's picture.
 */
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { mapToDot, type MapToDotOptions, type NetworkMap } from '../index.js'
import { drawnLayout } from '../map/mapLayout.js'

const require = createRequire(import.meta.url)

/**
 * The worker: it says when the layout starts, then sends the SVG. `graphviz` is the URL of
 * the module; `placed`: the nodes have their positions, for neato to keep (its -n2).
 */
const LAYOUT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
import(workerData.graphviz).then(async ({ Graphviz }) => {
  const graphviz = await Graphviz.load()
  parentPort.postMessage({ started: true })
  const { dot, placed } = workerData
  parentPort.postMessage({ svg: placed ? graphviz.layout(dot, 'svg', 'neato', { nop: 2 }) : graphviz.dot(dot, 'svg') })
})`

/**
 * Graphviz copies control characters of labels into the SVG as they are, and XML forbids
 * them: they become U+FFFD, so that a hostile value cannot make the picture unreadable.
 */
function validXml(svg: string): string {
  return svg.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
}

/**
 * Lays out a DOT graph as SVG with Graphviz's layered `dot`, or with `placed` draws it where
 * its nodes' positions say; calls `onStart` as the layout begins; the signal stops it at once.
 *
 * @example const svg = await layout('digraph { a -> b }', signal, () => {})
 */
export async function layout(dot: string, signal: AbortSignal, onStart: () => void, placed = false): Promise<string> {
  signal.throwIfAborted()
  const graphviz = pathToFileURL(require.resolve('@hpcc-js/wasm-graphviz')).href
  const worker = new Worker(LAYOUT_WORKER, { eval: true, workerData: { dot, graphviz, placed } })
  let onAbort = (): void => {}
  try {
    return await new Promise<string>((resolve, reject) => {
      worker.on('message', (message: { started?: true; svg?: string }) => {
        if (message.svg !== undefined) resolve(validXml(message.svg))
        else onStart()
      })
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`Graphviz stopped with exit code ${code}`)))
      onAbort = () => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  } finally {
    signal.removeEventListener('abort', onAbort)
    await worker.terminate()
  }
}

/**
 * The height to width ratio to stretch a layout to, so that it stays near a screen's shape:
 * 0.4 for an SVG wider than 2.5:1, 2.5 for one taller than 1:2.5, undefined for one between.
 *
 * @example stretchOf('<svg width="900pt" height="100pt"') // 0.4
 */
function stretchOf(svg: string): number | undefined {
  const size = /<svg width="([\d.]+)pt" height="([\d.]+)pt"/.exec(svg)
  if (!size) return undefined
  const ratio = Number(size[2]) / Number(size[1])
  return ratio < 0.4 ? 0.4 : ratio > 2.5 ? 2.5 : undefined
}

/**
 * A drawn map with more edges than this is laid out force-directed, as the page lays it
 * out, in seconds: Graphviz's layered layout of it would take minutes.
 */
export const LARGE_MAP_EDGES = 1000

/**
 * A map's picture as SVG, and the DOT that was laid out: by Graphviz's layered `dot`, done
 * again stretched nearer a screen's shape when it comes out far from one; or, past
 * LARGE_MAP_EDGES edges drawn, with its nodes where the page's layout puts them.
 *
 * @example const { svg } = await mapSvg(map, { top: 200 }, signal, () => {})
 */
export async function mapSvg(map: NetworkMap, options: MapToDotOptions, signal: AbortSignal, onStart: () => void): Promise<{ dot: string; svg: string }> {
  if (Math.min(map.edges.length, options.top ?? Infinity) > LARGE_MAP_EDGES) {
    const { map: drawn, positions } = await drawnLayout(map, options.top ?? Infinity, signal)
    const dot = mapToDot(drawn, { ...options, top: undefined, positions })
    return { dot, svg: await layout(dot, signal, onStart, true) }
  }
  const dot = mapToDot(map, options)
  const svg = await layout(dot, signal, onStart)
  const stretch = stretchOf(svg)
  if (!stretch) return { dot, svg }
  const stretched = mapToDot(map, { ...options, ratio: stretch })
  return { dot: stretched, svg: await layout(stretched, signal, onStart) }
}
