/**
 * Where a command's output goes: standard output, or a file written complete or not at all.
 */
import { createWriteStream, rmSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Context } from './command.js'

/** What a command writes: text or bytes, as they come. */
export type Chunks = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>

/**
 * Writes the chunks to standard output, or to `file`: to a temporary file beside it,
 * renamed to `file` once complete, so that an error or Ctrl-C leaves no partial file.
 * `beforeTerminal` runs before the first chunk goes to standard output on a terminal.
 *
 * @example await writeOutput(context, ['text\n'], options.output, progress.stop)
 */
export async function writeOutput({ stdout, atExit }: Context, chunks: Chunks, file: string | undefined, beforeTerminal: () => void): Promise<void> {
  if (file === undefined || file === '-') {
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
  const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`)
  const remove = (): void => rmSync(partial, { force: true })
  atExit.add(remove)
  try {
    await pipeline(chunks, createWriteStream(partial))
    await rename(partial, file)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  } finally {
    atExit.delete(remove)
  }
}
