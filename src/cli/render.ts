/** `vpcflow render`: the digest drawn as an SVG picture, laid out by Graphviz in WebAssembly. */
import { pipe } from 'it-pipe'
import { toDot } from '../index.js'
import type { CommandSpec } from './command.js'
import { graphOptions, type DotOptions } from './dot.js'
import { layout } from './graphviz.js'
import { writeOutput } from './output.js'
import { withSource } from './source.js'

/** A rendered graph with more edges than this is slow to lay out and hard to read: a warning suggests --top. */
const LARGE_GRAPH_EDGES = 1000

/** What `vpcflow render` parses its options to. */
export interface RenderOptions extends DotOptions {
  dot?: string
}

/** `vpcflow render <source>`: the SVG picture of the digest's graph, and its DOT source with --dot. */
export const render: CommandSpec<RenderOptions> = {
  name: 'render',
  description: 'the digest drawn as an SVG picture (Graphviz in WebAssembly; nothing to install)',
  examples: [
    'vpcflow render s3://my-flow-logs/ --start -2h --top 200 -o graph.svg',
    'vpcflow render examples/sample-bucket --dot graph.dot -o graph.svg',
    'vpcflow render s3://flow-logs/ --endpoint http://localhost:9000 --path-style -o graph.svg',
  ],
  notes: `A graph of more than ${LARGE_GRAPH_EDGES} edges gets a warning: it is slow to lay out and hard to read; --top keeps the heaviest.`,
  define(command, context) {
    graphOptions(command, context).option('--dot <file>', 'also write the DOT source to this file')
  },
  run([source], options, context) {
    const { signal } = context
    return withSource(source!, options, context, async ({ digested, progress, verbose }) => {
      let graph = ''
      for await (const chunk of pipe(digested(options), toDot({ top: options.top, signal }))) graph += Buffer.from(chunk).toString('utf8')
      const edges = graph.split('\n').filter((statement) => statement.includes('" -> "')).length
      // Records that draw nothing (NODATA, SKIPDATA) are said; no records at all, withSource says.
      if (edges === 0 && progress.counts.records > 0) progress.log('vpcflow: nothing to draw: the records make no edges, the picture is empty')
      if (edges > LARGE_GRAPH_EDGES && options.top === undefined) {
        progress.log(`vpcflow: the graph has ${edges} edges, more than ${LARGE_GRAPH_EDGES}: it will be slow to lay out and hard to read; try --top 200`)
      }
      if (options.dot) await writeOutput(context, [graph], options.dot, progress.stop)
      const svg = await layout(graph, signal, () => {
        progress.counts.layout = { edges, since: Date.now() }
        verbose(`laying out the graph: ${edges} edges`)
      })
      progress.counts.layout = undefined
      await writeOutput(context, [svg], options.output, progress.stop)
      if (options.output && !options.quiet) progress.log(`wrote ${options.dot ? `${options.dot} and ` : ''}${options.output}`)
    })
  },
}
