/**
 * `-o FILE`: a regular file (or a new path, or a symlink to a file) is replaced whole or not
 * at all; a named pipe or a device is written straight; a folder is a clear error; every
 * error names the path the user gave.
 */
import { execFileSync } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { chmod, lstat, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ROOT, runCli, runInProcess } from './support/cli.js'

const SAMPLE = join(ROOT, 'examples', 'sample-bucket')
let work: string
let listing: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vpcflow-output-'))
  const result = await runInProcess(['list', SAMPLE])
  expect(result.code).toBe(0)
  listing = result.stdout
  expect(listing.split('\n').length).toBeGreaterThan(10)
})
afterAll(() => rm(work, { recursive: true, force: true }))

describe('-o FILE', () => {
  test('a regular file is replaced whole, keeps its mode, and nothing is left beside it', async () => {
    const dir = join(work, 'regular')
    execFileSync('mkdir', [dir])
    const file = join(dir, 'files.txt')
    await writeFile(file, 'old\n')
    await chmod(file, 0o640)
    const result = await runInProcess(['list', SAMPLE, '-o', file])
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' })
    expect(await readFile(file, 'utf8')).toBe(listing)
    expect((await stat(file)).mode & 0o777).toBe(0o640)
    expect(await readdir(dir)).toEqual(['files.txt'])
  })

  test('a symlink is written through: its target gets the output and the link stays a link', async () => {
    const target = join(work, 'target.txt')
    const link = join(work, 'link.txt')
    await writeFile(target, 'old\n')
    await symlink(target, link)
    const result = await runInProcess(['list', SAMPLE, '-o', link])
    expect(result.code, result.stderr).toBe(0)
    expect((await lstat(link)).isSymbolicLink()).toBe(true)
    expect(await readlink(link)).toBe(target)
    expect(await readFile(target, 'utf8')).toBe(listing)
  })

  test('a named pipe is written straight: its reader gets the output, and the pipe stays', async () => {
    const fifo = join(work, 'fifo')
    execFileSync('mkfifo', [fifo])
    const chunks: Buffer[] = []
    const reading = new Promise<void>((resolve, reject) => {
      createReadStream(fifo).on('data', (chunk) => chunks.push(Buffer.from(chunk))).once('end', resolve).once('error', reject)
    })
    const result = await runInProcess(['list', SAMPLE, '-o', fifo])
    await reading
    expect(result.code, result.stderr).toBe(0)
    expect(Buffer.concat(chunks).toString('utf8')).toBe(listing)
    expect((await stat(fifo)).isFIFO()).toBe(true)
  })

  test('/dev/null takes the output and stays a device; /dev/stdout is standard output', async () => {
    const result = await runInProcess(['list', SAMPLE, '-o', '/dev/null'])
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' })
    expect((await stat('/dev/null')).isCharacterDevice()).toBe(true)
    const child = await runCli(['list', SAMPLE, '-o', '/dev/stdout'])
    expect(child.code, child.stderr).toBe(0)
    expect(child.stdout).toBe(listing)
  })

  test('a folder is a clear error naming it: exit code 1', async () => {
    const result = await runInProcess(['list', SAMPLE, '-o', work])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`vpcflow: cannot write ${work}: it is a folder\n`)
  })

  test('an error names the path given, not the temporary file', async () => {
    const file = join(work, 'no-such-folder', 'files.txt')
    const result = await runInProcess(['list', SAMPLE, '-o', file])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`vpcflow: cannot write ${file}: no such folder\n`)
  })

  test.runIf(process.getuid?.() === 0)('as root, /dev/full is written straight and its error named: the device stays', async () => {
    const result = await runInProcess(['list', SAMPLE, '-o', '/dev/full'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^vpcflow: cannot write \/dev\/full: no space left on device\n$/)
    expect((await stat('/dev/full')).isCharacterDevice()).toBe(true)
  })
})
