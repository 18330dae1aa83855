/**
 * Runs: the groups of a full table, sorted, in a file of a temporary folder, so that a
 * digest holds a bounded number of groups in memory whatever their number. A run is blocks
 * of whole records as the table's arena has them (see core/arena.ts), each block after
 * its length (4 bytes); the runs are merged at the end (see `mergeRuns`).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { BLOCK, widen, type GroupTable, type Span } from './groupTable.js'

/** A run written: its file, its size and the groups and span of the table it holds. */
export interface Run {
  readonly path: string
  readonly bytes: number
  readonly groups: number
  readonly span: Span
}

/** Where runs go: a folder of its own, made in `parent` when the first run is written. */
export interface RunFolder {
  /** The folder, made now if it is not yet. */
  path(): string
  /** Writes blocks of whole records (sorted) as a new run. */
  write(blocks: Iterable<Uint8Array>, groups: number, span: Span): Run
  /** Removes the folder and every run in it (of this thread and workers alike). */
  remove(): void
}

/**
 * A folder for runs, made in `parent` (the system's temporary folder, or `tempDir`) when
 * first needed and removed by `remove()`, or when the process exits before that (Ctrl-C).
 * With `existing`, the folder another thread made: its runs are written there, and it is
 * that thread's to remove.
 */
export function runFolder(parent: string, existing?: { readonly path: string; readonly prefix: string }): RunFolder {
  let folder = existing?.path
  let runs = 0
  const removeNow = (): void => {
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true })
  }
  const path = (): string => {
    if (folder === undefined) {
      try {
        folder = mkdtempSync(join(parent, 'vpcflow-digest-'))
      } catch (error) {
        throw folderError(parent, error)
      }
      process.once('exit', removeNow)
    }
    return folder
  }
  return {
    path,
    write(blocks, groups, span) {
      const file = join(path(), `${existing?.prefix ?? ''}${++runs}.run`)
      /** A file system call, whose failure is the folder's (the blocks' own errors go on as they are). */
      const io = <T>(call: () => T): T => {
        try {
          return call()
        } catch (error) {
          throw folderError(folder ?? parent, error)
        }
      }
      let bytes = 0
      const fd = io(() => openSync(file, 'w'))
      try {
        const length = Buffer.alloc(4)
        for (const block of blocks) {
          length.writeUInt32LE(block.byteLength)
          io(() => {
            writeAll(fd, length)
            writeAll(fd, block)
          })
          bytes += 4 + block.byteLength
        }
      } finally {
        closeSync(fd)
      }
      return { path: file, bytes, groups, span }
    },
    remove() {
      if (existing) return
      removeNow()
      process.off('exit', removeNow)
      folder = undefined
    },
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at)
}

/** The one error a digest gives when its runs cannot be written: naming the folder and why. */
function folderError(folder: string, error: unknown): Error {
  const { code, message } = error as NodeJS.ErrnoException
  const why =
    code === 'ENOSPC' ? 'no space left on the device'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'ENOENT' || code === 'ENOTDIR' ? 'no such folder'
    : code === 'EROFS' ? 'a read-only file system'
    : code === 'EDQUOT' ? 'the disk quota is used up'
    : message
  return new Error(`cannot write the digest's runs in ${folder}: ${why}`, { cause: error })
}

/** A run's blocks, read one at a time into a buffer of the reader's (valid until the next). */
function runReader(run: Run): { next(): Uint8Array | undefined; close(): void } {
  const fd = openSync(run.path, 'r')
  const length = Buffer.alloc(4)
  let buffer = Buffer.alloc(0)
  let position = 0
  const read = (into: Uint8Array, size: number): void => {
    for (let at = 0; at < size; ) {
      const got = readSync(fd, into, at, size - at, position)
      if (got === 0) throw new Error(`${run.path}: a run ended early`)
      at += got
      position += got
    }
  }
  return {
    next() {
      if (position >= run.bytes) return undefined
      read(length, 4)
      const size = length.readUInt32LE()
      if (size > buffer.byteLength) buffer = Buffer.alloc(Math.max(size, buffer.byteLength * 2))
      read(buffer, size)
      return buffer.subarray(0, size)
    },
    close: () => closeSync(fd),
  }
}

/** Removes a run's file once merged. */
export function removeRun(run: Run): void {
  unlinkSync(run.path)
}

/**
 * The lines of the groups of `runs`, merged in `table`'s core (empty by now), as its
 * `lines` would write them had it held them all. A merge reads a block of each run at a
 * time: past `limit / (2 * BLOCK)` runs (a block in the core and one read, for each), the
 * first runs are merged into a run of their own first, as many times as it takes.
 */
export function* mergeRuns(
  table: GroupTable,
  runs: readonly Run[],
  folder: RunFolder,
  limit: number,
  fields: readonly string[],
  window: Span | undefined,
): Generator<Uint8Array> {
  const fanIn = Math.max(2, Math.floor(limit / (2 * BLOCK)))
  const pending = [...runs]
  while (pending.length > fanIn) {
    const some = pending.splice(0, fanIn)
    const span = { start: -1, end: -1 }
    for (const run of some) widen(span, run.span)
    const groups = some.reduce((sum, run) => sum + run.groups, 0)
    pending.push(withReaders(some, (readers) => folder.write(table.merged(readers), groups, span)))
    for (const run of some) removeRun(run)
  }
  const readers = pending.map(runReader)
  try {
    yield* table.mergedLines(readers, fields, window)
  } finally {
    for (const reader of readers) reader.close()
  }
}

function withReaders<T>(runs: readonly Run[], use: (readers: ReturnType<typeof runReader>[]) => T): T {
  const readers = runs.map(runReader)
  try {
    return use(readers)
  } finally {
    for (const reader of readers) reader.close()
  }
}
