/**
 * What a command is: its name, help, options and the function that runs it, and the
 * context it runs in (standard streams, the abort signal, the time "now" means).
 */
import type { Readable, Writable } from 'node:stream'
import type { Command } from 'commander'

/** The world a command runs in: the process's own streams, or a test's. */
export interface Context {
  readonly stdin: Readable
  readonly stdout: Writable & { isTTY?: boolean }
  readonly stderr: Writable & { isTTY?: boolean }
  /** Aborted by Ctrl-C (with an `Interrupted` reason). */
  readonly signal: AbortSignal
  /** What relative times (`-2h`) and a missing `--end` count from. */
  readonly now: Date
  /** Clean-ups that must also run when the process exits early (a second Ctrl-C, a closed pipe). */
  readonly atExit: Set<() => void>
}

/** A command of `vpcflow`: registered by adding it to the list in ./program.ts. */
export interface CommandSpec<Options> {
  readonly name: string
  /** One line for `vpcflow --help`. */
  readonly description: string
  /** Command lines shown under `Examples:` in the command's help. */
  readonly examples: readonly string[]
  /** A paragraph of help above the examples. */
  readonly notes?: string
  /**
   * Adds the command's arguments and options: the shared groups of ./options.ts and its own.
   * The program adds the options every command has (`-o`, `--profile`, `--quiet`...) after them.
   */
  define(command: Command, context: Context): void
  /** Runs the command with commander's parsed arguments and options; resolves to its exit code when that is not 0 (`diff`: 1 when something is new). */
  run(args: readonly string[], options: Options, context: Context): Promise<number | void>
}
