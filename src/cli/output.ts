/**
 * Where a command's output goes: standard output, or `-o FILE`. A regular file (or a new
 * path) is written complete or not at all; anything else (a device, a named pipe) is
 * written straight, as a shell's `>` would.
 */
import { createWriteStream, rmSync } from 'node:fs'
import { chmod, lstat, realpath, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Context } from './command.js'

/** The bytes queued for a file at most before the command waits for them to be written. */
const WRITE_AHEAD = 4 * 2 ** 20

/** What a command writes: text or bytes, as they come. */
export type Chunks = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>

/**
 * Writes the chunks to standard output, or to `file`. A regular file, a new path, or a
 * symlink to either is written through a temporary file beside the target, renamed over
 * it once complete (keeping its mode), so that an error or Ctrl-C leaves no partial file;
 * a device or a named pipe is written straight; a folder is an error. Errors name `file`.
 * `-`, `/dev/stdout` and `/dev/stderr` (or `/dev/fd/1` and `/dev/fd/2`) are the command's own streams.
 * `beforeTerminal` runs before the first chunk goes to standard output on a terminal.
 *
 * @example await writeOutput(context, ['text\n'], options.output, progress.stop)
 */
export async function writeOutput(context: Context, chunks: Chunks, file: string | undefined, beforeTerminal: () => void): Promise<void> {
  // The process's own streams by name, as awk knows them: opening them fails when they are sockets.
  const stdout = file === '/dev/stderr' || file === '/dev/fd/2' ? context.stderr : context.stdout
  if (file === undefined || file === '-' || file === '/dev/stdout' || file === '/dev/fd/1' || stdout === context.stderr) {
    const first = async function* (source: Chunks) {
      let started = false
      for await (const chunk of source) {
        if (!started && stdout.isTTY) beforeTerminal()
        started = true
        yield chunk
      }
    }
    await pipeline(first(chunks), stdout, { end: false })
    return
  }
  // The output's errors: of the file system about these paths, or of the stream written to.
  // Others (the input's) go on as they are.
  const paths = new Set([file])
  const streamErrors = new WeakSet<object>()
  // Up to WRITE_AHEAD bytes queued, so that the output is made while the file system writes what came before.
  const writeTo = (path: string): Writable => createWriteStream(path, { highWaterMark: WRITE_AHEAD }).once('error', (error) => streamErrors.add(error))
  try {
    const target = await targetOf(file)
    paths.add(target.path)
    if (target.atomic) await writeAtomically(context, chunks, target, paths, writeTo)
    else await pipeline(chunks, writeTo(target.path))
  } catch (error) {
    const { path, dest } = error as { path?: string; dest?: string }
    if (streamErrors.has(error as object) || (path !== undefined && paths.has(path)) || (dest !== undefined && paths.has(dest))) {
      throw new Error(`cannot write ${file}: ${reason(error)}`, { cause: error })
    }
    throw error
  }
}

/** Where `file` leads, and whether it is written through a temporary file. */
async function targetOf(file: string): Promise<{ path: string; atomic: boolean; mode?: number }> {
  const link = await lstat(file).catch(missing)
  if (!link) return { path: file, atomic: true }
  // A symlink is written through to its target; one that leads nowhere is left to open().
  const found = link.isSymbolicLink() ? await stat(file).catch(missing) : link
  if (!found) return { path: file, atomic: false }
  if (found.isDirectory()) throw Object.assign(new Error('it is a folder'), { code: 'EISDIR', path: file })
  if (!found.isFile()) return { path: file, atomic: false }
  return { path: link.isSymbolicLink() ? await realpath(file) : file, atomic: true, mode: found.mode & 0o7777 }
}

/** Undefined for a path that does not exist; other errors go on. */
function missing(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT') return undefined
  throw error
}

async function writeAtomically(
  { atExit }: Context,
  chunks: Chunks,
  { path, mode }: { path: string; mode?: number },
  paths: Set<string>,
  writeTo: (path: string) => Writable,
): Promise<void> {
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.partial`)
  paths.add(partial)
  const remove = (): void => rmSync(partial, { force: true })
  atExit.add(remove)
  try {
    await pipeline(chunks, writeTo(partial))
    if (mode !== undefined) await chmod(partial, mode)
    await rename(partial, path)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  } finally {
    atExit.delete(remove)
  }
}

/** A file system error's reason without its code and paths: `EACCES: permission denied, open '/x'` is `permission denied`. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const { code } = error as NodeJS.ErrnoException
  if (code === 'ENOENT') return 'no such folder'
  return message.replace(/^[A-Z]+: /, '').replace(/, \w+(?: '[^']*')?(?: -> '[^']*')?$/, '')
}
