/**
 * A digest beyond its memory budget: its tables spill sorted runs to a temporary folder,
 * merged at the end into the same bytes as a digest held in memory; the folder goes away
 * however the digest ends, and a folder it cannot write is one clear error.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { pipe } from 'it-pipe'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { digest, type FetchedLogFile } from 'vpcflow'
import { network, records, seeded, V2_HEADER } from '../bench/generator.js'
import { groupTable } from '../src/digest/groupTable.js'
import { deferred } from './support/async.js'
import { collectText, fakeLogFile, fetched } from './support/text.js'

let parent: string
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'vpcflow-spill-test-'))
})
afterEach(() => rmSync(parent, { recursive: true, force: true }))

/** Gzip log files of generated records, many groups each. */
function logFiles(count: number, perFile = 3000): FetchedLogFile[] {
  const random = seeded(11)
  const net = network(random, '123456789012', 50, 2000, 40)
  return Array.from({ length: count }, (_, i) =>
    fetched(fakeLogFile({ hash: `s${i}` }), gzipSync([V2_HEADER, ...records(random, net, 1714521600 + i * 300, perFile)].join('\n'))),
  )
}

describe('digest beyond its memory', () => {
  test('the same bytes at any budget and number of workers, runs reported, and their folder removed', async () => {
    const files = logFiles(6)
    const held = await collectText(pipe(files, digest({ maxMemory: Infinity })))
    expect(held.split('\n').length).toBeGreaterThan(4000)
    for (const workers of [1, 2, 3]) {
      for (const maxMemory of [100_000, 600_000]) {
        const runs: Array<{ bytes: number; groups: number }> = []
        const text = await collectText(pipe(files, digest({ maxMemory, workers, tempDir: parent, onSpill: (run) => runs.push(run) })))
        expect(text, `${workers} workers, ${maxMemory} bytes`).toBe(held)
        expect(runs.length).toBeGreaterThan(1)
        expect(runs.every((run) => run.bytes > 0 && run.groups > 0)).toBe(true)
        expect(readdirSync(parent)).toEqual([])
      }
    }
  })

  test('sums past 2^53, windows and tcp-flags fold exactly across runs', async () => {
    const header = 'version interface-id srcaddr dstaddr packets bytes start end tcp-flags log-status'
    const line = (i: number, packets: string, flags: number) => `3 eni-1 10.0.0.${i % 7} 10.0.1.1 ${packets} 5 ${1700000000 + i} ${1700000060 + i} ${flags} OK`
    // 7 keys, each met many times in different runs: sums past 2^53 and back, flags at 2^31 and past 2^32
    const text = [header, ...Array.from({ length: 140 }, (_, i) => line(i, i % 5 === 0 ? '9007199254740000' : String(i), 2 ** (i % 34)))].join('\n')
    const files = [0, 1, 2].map((f) => fetched(fakeLogFile({ hash: `b${f}` }), text))
    const held = await collectText(pipe(files, digest({ maxMemory: Infinity })))
    // key 3's records: its sums over the three files, the overall window, its flags OR-ed
    const mine = Array.from({ length: 140 }, (_, i) => i).filter((i) => i % 7 === 3)
    const packets = 3n * mine.reduce((sum, i) => sum + BigInt(i % 5 === 0 ? '9007199254740000' : i), 0n)
    const flags = mine.reduce((bits, i) => bits | (1n << BigInt(i % 34)), 0n)
    expect(packets).toBeGreaterThan(2n ** 53n)
    expect(held).toContain(`3 eni-1 10.0.0.3 10.0.1.1 ${packets} ${3 * 5 * mine.length} 1700000000 ${1700000060 + 139} ${flags} OK\n`)
    for (const workers of [1, 2]) {
      for (const window of ['overall', 'group'] as const) {
        const expected = await collectText(pipe(files, digest({ maxMemory: Infinity, window })))
        expect(await collectText(pipe(files, digest({ maxMemory: 1, workers, window, tempDir: parent }))), `${workers} ${window}`).toBe(expected)
      }
    }
    expect(held.split('\n')).toHaveLength(1 + 7 + 1)
  })

  test('the folder goes on an error, an abort and a break', async () => {
    const files = logFiles(4)
    const bad = fetched(fakeLogFile({ hash: 'bad' }), `${V2_HEADER}\nnot a record\n`)
    await expect(collectText(pipe([...files, bad], digest({ maxMemory: 100_000, tempDir: parent })))).rejects.toThrow(/bad.*line 2/)
    expect(readdirSync(parent)).toEqual([])

    const controller = new AbortController()
    const spilled = deferred<void>()
    async function* slowly() {
      yield* files
      await spilled.promise
      controller.abort(new Error('stopped'))
      await new Promise(() => {})
    }
    const stage = digest({ maxMemory: 400_000, workers: 2, tempDir: parent, signal: controller.signal, onSpill: () => spilled.resolve() })
    await expect(collectText(pipe(slowly(), stage))).rejects.toThrow('stopped')
    expect(readdirSync(parent)).toEqual([])

    for await (const chunk of pipe(files, digest({ maxMemory: 100_000, tempDir: parent }))) {
      expect(chunk.byteLength).toBeGreaterThan(0)
      break
    }
    expect(readdirSync(parent)).toEqual([])
  })

  test('a folder it cannot write in: one error naming the folder', async () => {
    const files = logFiles(2)
    const missing = join(parent, 'missing')
    await expect(collectText(pipe(files, digest({ maxMemory: 100_000, tempDir: missing })))).rejects.toThrow(`cannot write the digest's runs in ${missing}: no such folder`)
    const file = join(parent, 'a-file')
    writeFileSync(file, '')
    await expect(collectText(pipe(files, digest({ maxMemory: 100_000, workers: 2, tempDir: file })))).rejects.toThrow(`cannot write the digest's runs in ${file}: no such folder`)
    // no spill, no folder: a digest that fits never touches it
    expect(await collectText(pipe(files, digest({ tempDir: missing })))).toBe(await collectText(pipe(files, digest())))
  })

  // Where the system lets no user make a mount namespace (some CI runners), this test is said to be skipped.
  test.skipIf(spawnSync('unshare', ['-rm', 'true']).status !== 0)('a full disk: one error naming the folder, for this thread and a worker alike, and nothing left in it', () => {
    // A file system of 128 KiB of its own (tmpfs, in a mount namespace of the test's), which the runs overfill.
    const disk = join(parent, 'disk')
    mkdirSync(disk)
    const script = `
      import { readdirSync } from 'node:fs'
      import { digest } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}
      const text = (from) => ['srcaddr dstaddr packets', ...Array.from({ length: 100000 }, (_, i) => '10.' + from + '.' + (i >> 8) + '.' + (i & 255) + ' 10.0.0.1 1')].join('\\n') + '\\n'
      const results = []
      for (const workers of [1, 2]) {
        const files = [0, 1].map((n) => ({ file: { bucket: 'flow-logs', key: 'f' + n + '.log' }, body: Buffer.from(text(n)) }))
        try {
          for await (const _ of digest({ maxMemory: 2 ** 21, workers, tempDir: process.env.DISK })(workers === 1 ? files.map((f) => f.body.toString()) : files)) {}
          results.push({ workers, message: 'no error' })
        } catch (error) {
          results.push({ workers, message: error.message, left: readdirSync(process.env.DISK) })
        }
      }
      console.log(JSON.stringify(results))
    `
    writeFileSync(join(parent, 'fill.mjs'), script)
    const child = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=128k tmpfs "$DISK" && exec "$NODE" "$SCRIPT"'], {
      encoding: 'utf8',
      env: { ...process.env, DISK: disk, NODE: process.execPath, SCRIPT: join(parent, 'fill.mjs') },
    })
    expect(child.stderr).toBe('')
    const results = JSON.parse(child.stdout) as Array<{ workers: number; message: string; left: string[] }>
    const folder = new RegExp(`^cannot write the digest's runs in ${disk.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/vpcflow-digest-\\w+: no space left on the device$`)
    expect(results).toHaveLength(2)
    for (const { workers, message, left } of results) {
      expect(message, `${workers} workers`).toMatch(folder)
      expect(left, `${workers} workers`).toEqual([])
    }
  })

  test('maxMemory and tempDir are checked when the stage is made', () => {
    for (const maxMemory of [0, -1, 1.5, Number.NaN]) expect(() => digest({ maxMemory }), String(maxMemory)).toThrow(/maxMemory/)
    expect(() => digest({ tempDir: '' })).toThrow(/tempDir/)
    expect(() => digest({ onSpill: 1 as never })).toThrow(/onSpill/)
  })

  test('a failure of the core says what happened and at how many groups', () => {
    const table = groupTable({ limit: 2 ** 20, write: () => {} })
    expect(() => table.keyBytes(2 ** 30 + 1)).toThrow(/^the digest's group table: allocation too large at 0 groups \(\d+ MiB of memory\)$/)
  })
})
