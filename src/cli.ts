#!/usr/bin/env node
/**
 * The `vpcflow` command: a thin edge over the library. This entry wires Ctrl-C and SIGTERM
 * to an AbortController, quiets a closed pipe, and sets the exit code; ./cli/program.ts
 * runs the commands. Importing it runs nothing: `main` runs when this is the executed file.
 *
 * The command line lives in ./cli/, a module per concern:
 * - `program.ts` registers the commands and maps errors to exit codes;
 * - `<command>.ts` is one command (`list.ts`, `digest.ts`...), a `CommandSpec`;
 * - `options.ts` holds the option groups commands share: `sourceOptions` (the `<source>`
 *   argument and --start, --end, --account, --region, --flow-log-id), `fetchOptions`
 *   (--concurrency, --max-bytes), `digestOptions` (--workers, --lenient, --window,
 *   --key-fields, --fields) and `commonOptions` (-o, --profile, --endpoint, --quiet...),
 *   each with the type its options parse to;
 * - `arguments.ts` the parsers of values (times, sizes, counts, lists, URLs), attached to
 *   options so that a bad value is a usage error before any work starts;
 * - `source.ts` opens the source and runs the pipeline up to the digest (`withSource`),
 *   and `matched.ts` says what the filters kept when nothing matched;
 * - `output.ts` writes standard output or `-o`; `progress.ts` the progress bar;
 *   `errors.ts` usage errors, redaction and one-line messages.
 *
 * A new command is a module exporting a `CommandSpec` (its `define` calls the groups it
 * needs, then adds its own options; its `run` usually calls `withSource`) and one entry in
 * `COMMANDS` in program.ts. A new shared option goes into its group in options.ts and its
 * interface, and every command with that group has it.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Interrupted } from './cli/errors.js'
import { run } from './cli/program.js'

/**
 * Runs `vpcflow` in this process with `argv` (without node and the script) and returns
 * the exit code: 0 done, 1 error, 2 usage error, 130 Ctrl-C, 143 SIGTERM.
 *
 * @example process.exitCode = await main(process.argv.slice(2))
 */
export async function main(argv: readonly string[]): Promise<number> {
  // On Node 20 the SDK warns that it will drop it: that speaks to developers, not to the
  // users of a command. It is read when a client is made; a value the user set is kept.
  if (Number(process.versions.node.split('.')[0]) < 22) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const controller = new AbortController()
  let stopping: number | undefined
  for (const [name, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(name, () => {
      if (stopping !== undefined) process.exit(stopping) // asked twice: go now
      stopping = code
      controller.abort(new Interrupted(code))
    })
  }
  // The reader went away (`| head`): stop quietly, as other tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
  })
  const atExit = new Set<() => void>()
  process.on('exit', () => {
    for (const cleanUp of atExit) cleanUp()
  })
  return run(argv, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signal: controller.signal, now: new Date(), atExit })
}

/** Whether this module is the script node runs (through the bin's symlink too). */
function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

if (isEntry()) process.exitCode = await main(process.argv.slice(2))
