/** `vpcflow map`: the network map of the digest, as DOT or as the model's JSON; and the map's making, which `render` shares. */
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { buildNetworkMap, ec2Names, mapToDot, nameNodes, readNames, type NetworkMap } from '../index.js'
import { bigintText } from '../flowLogText.js'
import type { CommandSpec, Context } from './command.js'
import { graphOptions, type DotOptions } from './dot.js'
import { UsageError, usage } from './errors.js'
import { mapOptions, type MapOptions } from './options.js'
import { writeOutput } from './output.js'
import { withSource, type OpenSource } from './source.js'

/** What `vpcflow map` parses its options to. */
export interface MapCommandOptions extends DotOptions, MapOptions {
  json?: boolean
}

/** The options of a command that draws the map: those of `dot` and the map's own. */
export function mapCommandOptions(command: Command, context: Context): Command {
  return mapOptions(graphOptions(command, context))
}

/**
 * The network map of an open source's digest, its nodes named as --names says, with the
 * map's warnings (a grouping it fell back from) on standard error. A names file is read
 * first, so that a mistake in it stops the command before any work.
 *
 * @example const map = await networkMapOf(open, sourceText, options, context)
 */
export async function networkMapOf(open: OpenSource, sourceText: string, options: DotOptions & MapOptions, context: Context): Promise<NetworkMap> {
  const { signal } = context
  const fromFile = options.names === undefined || options.names === 'ec2' ? undefined : await namesFile(options.names, signal)
  const map = await buildNetworkMap(open.digested(options), {
    groupBy: options.groupBy,
    keepPublic: options.keepPublic,
    names: fromFile,
    source: sourceText,
    onWarning: (message) => open.progress.log(`vpcflow: ${message}`),
    signal,
  })
  if (options.names !== 'ec2') return map
  const regions = [...new Set([...(map.regions ?? []), ...open.regions])].sort()
  const { EC2Client } = await import('@aws-sdk/client-ec2')
  const client = (region?: string) => new EC2Client({ region, profile: options.profile })
  if (regions.length === 0) {
    // Text with neither a region field nor log file names: the region the SDK is set to.
    const probe = client()
    const region = await probe.config.region().catch(() => undefined)
    probe.destroy()
    if (!region) throw new UsageError('--names ec2 needs a region: the records name none; set AWS_REGION')
    regions.push(region)
  }
  open.verbose(`naming nodes from EC2 in ${regions.join(', ')}`)
  return nameNodes(map, await ec2Names({ regions, client, signal }))
}

async function namesFile(path: string, signal: AbortSignal): Promise<Map<string, string>> {
  const text = await readFile(path, { encoding: 'utf8', signal }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  })
  return readNames(text, path)
}

/** The model as JSON, with counts past 2^53 as strings. */
function mapJson(map: NetworkMap): string {
  return `${JSON.stringify(map, bigintText)}\n`
}

/** `vpcflow map <source>`: the network map as DOT, or its model as JSON with --json. */
export const map: CommandSpec<MapCommandOptions> = {
  name: 'map',
  description: 'the network map of the digest (conversations between groups) as Graphviz DOT, or its model as JSON',
  examples: [
    'vpcflow map examples/sample-bucket --json -o map.json',
    'vpcflow map s3://my-flow-logs/AWSLogs/ --start -1d --group-by subnet --names network-interfaces.json | dot -Tsvg -o map.svg',
  ],
  define(command, context) {
    mapCommandOptions(command, context).option('--json', 'the model as JSON: nodes, edges, clusters, traffic each way')
  },
  run([source], options, context) {
    return withSource(source!, options, context, async (open) => {
      const built = await networkMapOf(open, source!, options, context)
      const text = options.json ? mapJson(built) : usage(() => mapToDot(built, { top: options.top }))
      await writeOutput(context, [text], options.output, open.progress.stop)
    })
  },
}
