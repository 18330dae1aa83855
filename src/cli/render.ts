/** `vpcflow render`: the network map drawn as an SVG picture (or, with --records, every digest line), laid out by Graphviz in WebAssembly, or as an interactive HTML page. */
import { Option } from 'commander'
import { pipe } from 'it-pipe'
import { mapHtml, mapToDot, toDot } from '../index.js'
import type { CommandSpec } from './command.js'
import { UsageError } from './errors.js'
import { LARGE_MAP_EDGES, layout, mapSvg } from './graphviz.js'
import { mapCommandOptions, networkMapOf, type MapCommandOptions } from './map.js'
import { writeOutput } from './output.js'
import { withSource } from './source.js'

/** What `vpcflow render` parses its options to. */
export interface RenderOptions extends MapCommandOptions {
  dot?: string
  records?: boolean
  format?: 'svg' | 'html'
}

/** What to write: --format, else by the output's extension (`.html`, `.htm`), else SVG. */
function formatOf(options: RenderOptions): 'svg' | 'html' {
  return options.format ?? (/\.html?$/i.test(options.output ?? '') ? 'html' : 'svg')
}

/** `vpcflow render <source>`: the SVG picture of the network map, or of the digest's lines with --records, and its DOT source with --dot. */
export const render: CommandSpec<RenderOptions> = {
  name: 'render',
  description: 'the network map drawn as an SVG picture (Graphviz in WebAssembly; nothing to install), or as an interactive HTML page',
  examples: [
    'vpcflow render examples/sample-bucket -o map.svg',
    'vpcflow render examples/sample-bucket -o map.html',
    'vpcflow render s3://my-flow-logs/ --start -2h --group-by subnet --names network-interfaces.json -o map.svg',
    'vpcflow render s3://my-flow-logs/ --start -1d --group-by vpc --names ec2 -o vpcs.svg',
    'vpcflow render examples/sample-bucket --records --top 100 --dot graph.dot -o graph.svg',
    'vpcflow render s3://flow-logs/ --endpoint http://localhost:9000 --path-style -o map.svg',
  ],
  notes: `A graph of more than ${LARGE_MAP_EDGES} edges gets a warning: it is hard to read; --group-by draws fewer, larger groups, and --top keeps the heaviest edges. A map that large is laid out force-directed, as the page is, without its clusters (the layered layout would take minutes); --records that large is slow to lay out.`,
  define(command, context) {
    mapCommandOptions(command, context)
      .option('--records', 'draw every digest line as an edge between addresses, as vpcflow dot does, instead of the map')
      .option('--dot <file>', 'also write the DOT source to this file')
      .addOption(new Option('--format <format>', 'svg: a picture; html: an interactive page, one file that opens offline (default: by the -o extension, .html or .htm; else svg)').choices(['svg', 'html']))
  },
  run([source], options, context) {
    const { signal } = context
    const format = formatOf(options)
    if (format === 'html' && options.records) throw new UsageError('--records draws only SVG: the page draws the network map')
    return withSource(source!, options, context, async (open) => {
      const { progress, verbose } = open
      /** Writes the picture or page, and the DOT source with --dot, and says where. */
      const write = async (picture: string, graph: () => string): Promise<void> => {
        if (options.dot) await writeOutput(context, [graph()], options.dot, progress.stop)
        await writeOutput(context, [picture], options.output, progress.stop)
        if (options.output && !options.quiet) progress.log(`wrote ${options.dot ? `${options.dot} and ` : ''}${options.output}`)
      }
      if (format === 'html') {
        const map = await networkMapOf(open, source!, options, context)
        return write(await mapHtml(map, { top: options.top, signal }), () => mapToDot(map, { top: options.top }))
      }
      /** Says what is drawn before it is laid out: nothing (records of NODATA, say), or a graph too large to read. */
      const say = (edges: number): void => {
        if (edges === 0 && progress.counts.records > 0) progress.log('vpcflow: nothing to draw: the records make no edges, the picture is empty')
        if (edges > LARGE_MAP_EDGES && options.top === undefined) {
          const what = options.records ? 'it will be slow to lay out and hard to read; try --top 200' : 'it is laid out force-directed, without its clusters, and hard to read; try --group-by subnet, --top 200, or the page (-o map.html)'
          progress.log(`vpcflow: the graph has ${edges} edges, more than ${LARGE_MAP_EDGES}: ${what}`)
        }
      }
      const starting = (edges: number) => (): void => {
        progress.counts.layout = { edges, since: Date.now() }
        verbose(`laying out the graph: ${edges} edges`)
      }
      let graph: string
      let svg: string
      if (options.records) {
        graph = ''
        for await (const chunk of pipe(open.digested(options), toDot({ top: options.top, signal }))) graph += Buffer.from(chunk).toString('utf8')
        const edges = graph.split('\n').filter((statement) => statement.includes('" -> "')).length
        say(edges)
        svg = await layout(graph, signal, starting(edges))
      } else {
        const map = await networkMapOf(open, source!, options, context)
        const edges = Math.min(map.edges.length, options.top ?? Infinity)
        say(edges)
        ;({ dot: graph, svg } = await mapSvg(map, { top: options.top }, signal, starting(edges)))
      }
      progress.counts.layout = undefined
      await write(svg, () => graph)
    })
  },
}
