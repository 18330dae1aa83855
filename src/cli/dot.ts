/** `vpcflow dot`: the digest drawn as a Graphviz DOT graph. */
import type { Command } from 'commander'
import { pipe } from 'it-pipe'
import { toDot } from '../index.js'
import { count } from './arguments.js'
import type { CommandSpec, Context } from './command.js'
import { digestOptions, fetchOptions, sourceOptions, type CommonOptions, type DigestOptions, type FetchOptions, type SourceOptions } from './options.js'
import { writeOutput } from './output.js'
import { withSource } from './source.js'

/** What `vpcflow dot` parses its options to. */
export interface DotOptions extends SourceOptions, FetchOptions, DigestOptions, CommonOptions {
  top?: number
}

/** The options of a command that draws the digest: those of `digest` and `--top`. */
export function graphOptions(command: Command, context: Context): Command {
  return digestOptions(fetchOptions(sourceOptions(command, context))).option('--top <n>', 'keep only the n edges with the most bytes, and their nodes', count('--top'))
}

/** `vpcflow dot <source>`: the DOT graph of the digest. */
export const dot: CommandSpec<DotOptions> = {
  name: 'dot',
  description: 'the digest drawn as a Graphviz DOT graph',
  examples: ['vpcflow dot examples/sample-bucket --top 100 -o graph.dot', 'vpcflow dot s3://my-flow-logs/ --start -2h --profile prod | dot -Tpng -o graph.png'],
  define: graphOptions,
  run([source], options, context) {
    return withSource(source!, options, context, async ({ digested, progress }) => {
      await writeOutput(context, pipe(digested(options), toDot({ top: options.top, signal: context.signal })), options.output, progress.stop)
    })
  },
}
