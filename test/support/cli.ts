/**
 * Runs the `vpcflow` command of the built package (test/support/build.ts builds it before
 * the tests), as users run it, worker threads and all: in a child process, or in this
 * process with its streams captured. The child gets a clean AWS environment: no
 * credentials, profiles or instance metadata unless a test passes them.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { run } from '../../dist/cli/program.js'

/** The repository root, where the child runs. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

export interface CliResult {
  /** The exit code, or null when a signal ended the process. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** Added to (or, as undefined, removed from) the child's clean environment. */
  env?: Record<string, string | undefined>
  /** Written to the child's standard input, which is then closed. */
  input?: string | Uint8Array
}

/** The environment of the child: the parent's without anything AWS, so nothing on this machine is used. */
function environment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_') && name !== 'NODE_OPTIONS') env[name] = value
  }
  Object.assign(env, {
    AWS_CONFIG_FILE: join(ROOT, 'test', 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(ROOT, 'test', 'no-such-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  })
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return env
}

/** What a child needs in its environment to reach s3rver: its key pair and a region. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' }

const running = new Set<ChildProcessWithoutNullStreams>()

/** Kills the children still running, e.g. after a failed test; give it to afterEach. */
export function killRunning(): void {
  for (const child of running) child.kill('SIGKILL')
}

/** Starts `vpcflow args...`; the caller reads and ends it. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: environment(options.env) })
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (options.input !== undefined) child.stdin.end(options.input)
  else child.stdin.end()
  return child
}

/** Collects a child's output until it exits. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  // A test may close standard output early (`| head`): reading errors are not the child's.
  child.stdout.on('error', () => {})
  child.stdin.on('error', () => {})
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    )
  })
}

/** Runs `vpcflow args...` to the end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return finished(spawnCli(args, options))
}

/** Resolves once `text` holds what `predicate` looks for, as `stream` delivers it. */
export function untilOutput(stream: NodeJS.ReadableStream, predicate: (text: string) => boolean): Promise<string> {
  let text = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8')
      if (predicate(text)) {
        stream.off('data', onData)
        resolve(text)
      }
    }
    stream.on('data', onData)
    stream.once('end', () => reject(new Error(`the stream ended without the expected output; it had: ${text}`)))
  })
}

export interface InProcessOptions {
  /** Standard input's content. */
  input?: string | Uint8Array
  /** What relative times and a missing --end count from (default: the real now). */
  now?: Date
  /** Aborts the run, as Ctrl-C does. */
  signal?: AbortSignal
}

/** A stream that keeps what is written to it. */
class Collected extends Writable {
  readonly chunks: Buffer[] = []
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk)
    done()
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/**
 * Runs `vpcflow args...` in this process, with its standard streams captured: a fast way
 * to try options, messages and exit codes (signals and real pipes need `runCli`).
 */
export async function runInProcess(args: readonly string[], options: InProcessOptions = {}): Promise<CliResult> {
  const stdout = new Collected()
  const stderr = new Collected()
  const atExit = new Set<() => void>()
  const stdin = Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)])
  try {
    const code = await run(args, { stdin, stdout, stderr, signal: options.signal ?? new AbortController().signal, now: options.now ?? new Date(), atExit })
    return { code, signal: null, stdout: stdout.text, stderr: stderr.text }
  } finally {
    for (const cleanUp of atExit) cleanUp()
  }
}
