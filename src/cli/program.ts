/**
 * The `vpcflow` program: its commands registered with commander, and a run from argv to an
 * exit code, with errors mapped to one line on standard error.
 */
import { createRequire } from 'node:module'
import { Command, CommanderError } from 'commander'
import type { CommandSpec, Context } from './command.js'
import { digest } from './digest.js'
import { diff } from './diff.js'
import { dot } from './dot.js'
import { commanderError, details, EmptyResult, inCommandWords, Interrupted, line, redact, seeHelp, UsageError } from './errors.js'
import { list } from './list.js'
import { map } from './map.js'
import { commonOptions, type CommonOptions } from './options.js'
import { render } from './render.js'

const require = createRequire(import.meta.url)
const { version } = require('../../package.json') as { version: string }

/** The commands, in the order `vpcflow --help` lists them. */
const COMMANDS: ReadonlyArray<CommandSpec<never>> = [list, digest, dot, map, render, diff]

/** The commander program; `ran` is told which command runs and with what options. */
function program(context: Context, ran: (name: string, options: CommonOptions) => void, exit: (code: number) => void): Command {
  const root = new Command('vpcflow')
    .description('Read AWS VPC Flow Logs from S3 or a local copy, digest them, and draw who talks to whom.')
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      outputError: commanderError(''),
    })
    .addHelpText(
      'after',
      `
Sources:
  s3://bucket/prefix  the bucket flow logs are delivered to (standard AWS credential chain)
  folder              a local copy laid out like the bucket, as 'aws s3 sync' leaves it
  file                a single log file (.log.gz, plain text or .log.parquet)
  -                   flow log text on standard input

Exit codes: 0 done, 1 error (diff: also when something is new), 2 usage error, 3 nothing matched (--fail-empty), 130 interrupted (Ctrl-C).
Run 'vpcflow <command> --help' for a command's options and examples.`,
    )
  root.hook('preSubcommand', (_, command) => ran(command.name(), {}))
  for (const spec of COMMANDS) {
    // A command's own output settings: copied from the root's, not shared with it.
    const command = root.command(spec.name).description(spec.description).configureOutput({ outputError: commanderError(spec.name) })
    spec.define(command, context)
    commonOptions(command)
      .addHelpText('after', `${spec.notes ? `\n${spec.notes}\n` : ''}\nExamples:\n${spec.examples.map((example) => `  $ ${example}`).join('\n')}\n`)
      .action(async () => {
        const options = command.opts<CommonOptions>()
        ran(spec.name, options)
        exit((await spec.run(command.processedArgs as string[], options as never, context)) ?? 0)
      })
  }
  return root
}

/**
 * Runs `vpcflow` with `argv` (without node and the script) in `context`, and returns the
 * exit code: 0 done, 1 error, 2 usage error, 3 nothing matched with --fail-empty, the
 * signal's code when interrupted. Errors
 * are one line on standard error (with stack traces under --debug).
 *
 * @example process.exitCode = await run(['list', 'examples/sample-bucket'], context)
 */
export async function run(argv: readonly string[], context: Context): Promise<number> {
  let debug = argv.includes('--debug')
  let commandName = ''
  let exitCode = 0
  const say = (text: string): void => void context.stderr.write(`${redact(text)}\n`)
  try {
    await program(context, (name, options) => {
      commandName = name
      if (options.debug !== undefined) debug = options.debug
    }, (code) => (exitCode = code)).parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (thrown) {
    const error = inCommandWords(thrown)
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2 // commander has said why
    if (context.signal.reason instanceof Interrupted) {
      say('vpcflow: interrupted')
      return context.signal.reason.exitCode
    }
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return 0
    if (error instanceof EmptyResult) {
      say(`vpcflow: ${error.message}`)
      return 3
    }
    if (error instanceof UsageError) {
      say(`vpcflow: ${line(error.message)} ${seeHelp(commandName)}`)
      return 2
    }
    say(`vpcflow: ${line(error instanceof Error ? error.message : String(error))}`)
    if (debug) say(details(error))
    return 1
  }
}
