/** `vpcflow digest`: the digest of the matching records, as flow log text or NDJSON. */
import { pipe } from 'it-pipe'
import { records } from '../index.js'
import { bigintText } from '../flowLogText.js'
import type { CommandSpec } from './command.js'
import { digestOptions, fetchOptions, sourceOptions, type CommonOptions, type DigestOptions, type FetchOptions, type SourceOptions } from './options.js'
import { writeOutput } from './output.js'
import { withSource } from './source.js'

/** What `vpcflow digest` parses its options to. */
export interface DigestCommandOptions extends SourceOptions, FetchOptions, DigestOptions, CommonOptions {
  json?: boolean
}

/** NDJSON: one JSON object per record, with numbers past 2^53 as strings. */
async function* json(all: AsyncIterable<Record<string, unknown>>): AsyncGenerator<string> {
  for await (const record of all) yield `${JSON.stringify(record, bigintText)}\n`
}

/** `vpcflow digest <source>`: the digest as flow log text, or its records as NDJSON with --json. */
export const digest: CommandSpec<DigestCommandOptions> = {
  name: 'digest',
  description: 'the digest of the matching records, as flow log text',
  examples: [
    'vpcflow digest s3://my-flow-logs/AWSLogs/ --start 2024-05-01T00:00Z --end 2024-05-01T06:00Z -o digest.log',
    'vpcflow digest examples/sample-bucket --key-fields srcaddr,dstaddr,dstport,protocol,action --json',
    'zcat flows.log.gz | vpcflow digest -',
  ],
  define(command, context) {
    digestOptions(fetchOptions(sourceOptions(command, context))).option('--json', 'NDJSON: one JSON object per line')
  },
  run([source], options, context) {
    return withSource(source!, options, context, async ({ digested, progress }) => {
      const text = digested(options)
      await writeOutput(context, options.json ? pipe(text, records({ signal: context.signal }), json) : text, options.output, progress.stop)
    })
  },
}
