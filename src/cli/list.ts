/** `vpcflow list`: the log files that match, one per line. */
import { pipe } from 'it-pipe'
import { objectUrl } from '../errors.js'
import type { CommandSpec } from './command.js'
import { sourceOptions, type CommonOptions, type SourceOptions } from './options.js'
import { writeOutput } from './output.js'
import { withSource } from './source.js'

/** What `vpcflow list` parses its options to. */
export interface ListOptions extends SourceOptions, CommonOptions {
  json?: boolean
}

/** `vpcflow list <source>`: each log file as its URL, or as a JSON object with --json. */
export const list: CommandSpec<ListOptions> = {
  name: 'list',
  description: 'the log files that match, one per line',
  examples: ['vpcflow list s3://my-flow-logs/AWSLogs/ --start -1d --region us-east-1', 'vpcflow list examples/sample-bucket --account 111122223333 --json'],
  define(command, context) {
    sourceOptions(command, context).option('--json', 'NDJSON: one JSON object per line')
  },
  run([source], options, context) {
    return withSource(
      source!,
      options,
      context,
      async ({ logFiles, progress }) => {
        const lines = pipe(logFiles(), async function* (files) {
          for await (const file of files) yield options.json ? `${JSON.stringify(file)}\n` : `${objectUrl(file)}\n`
        })
        await writeOutput(context, lines, options.output, progress.stop)
      },
      'listing',
    )
  },
}
