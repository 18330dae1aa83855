/**
 * `vpcflow diff` on a generated bucket of two days with known changes: exactly those, by
 * address and by VPC; a day against itself is empty with exit code 0; a saved digest gives
 * what the live period gives; the threshold; usage errors; the union map as SVG.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { MapChange } from 'vpcflow'
import { runInProcess, type CliResult } from './support/cli.js'
import { svgShape, svgTexts } from './support/svg.js'
import { stated, twoPeriods, type KnownChanges } from './support/twoPeriods.js'

const periods = twoPeriods()
let dir: string
let bucket: string
const DAY_1 = '2024-06-01..2024-06-02'
const DAY_2 = '2024-06-02..2024-06-03'

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vpcflow-cli-diff-'))
  bucket = join(dir, 'bucket')
  periods.writeTo(bucket)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const diff = (...args: string[]): Promise<CliResult> => runInProcess(['diff', ...args])

/** The NDJSON changes, stated as the generator states them. */
function found(stdout: string): KnownChanges {
  return stated(stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as MapChange))
}

/** A failed run: the exit code, and exactly one line on standard error starting `vpcflow: `. */
function oneLineError(result: CliResult, code: number): string {
  expect(result.code, result.stderr).toBe(code)
  expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1)
  expect(result.stderr).toMatch(/^vpcflow: \S/)
  return result.stderr.trim()
}

describe('vpcflow diff', () => {
  test('the first day against the second: the known changes, exit code 1 for what is new', async () => {
    const result = await diff(bucket, '--before', DAY_1, '--after', DAY_2, '--json')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(1)
    expect(found(result.stdout)).toEqual(periods.expected.address)
  })

  test('as text: a line each, marked as diff marks them', async () => {
    const result = await diff(bucket, '--before', DAY_1, '--after', DAY_2)
    expect(result.code).toBe(1)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines.map((line) => line[0])).toEqual(['+', '+', '+', '-', '~'])
    expect(lines[1]).toMatch(/^\+ 10\.1\.2\.\d+ -> 10\.2\.1\.\d+ {2}tcp\/5433 ACCEPT {2}\d+\.\d kB {2}new on a known edge$/)
    expect(lines[4]).toMatch(/^~ 10\.1\.2\.\d+ -> 10\.1\.2\.\d+ {2}tcp\/9100 ACCEPT {2}\d+\.\d kB -> \d\.\d MB {2}x50\.0$/)
  })

  test('a period open at one end runs from the first file, or up to now', async () => {
    const open = await diff(bucket, '--before', '..2024-06-02', '--after', '2024-06-02..', '--json')
    expect(open.code).toBe(1)
    expect(open.stdout).toBe((await diff(bucket, '--before', DAY_1, '--after', DAY_2, '--json')).stdout)
  })

  test('a day against itself: nothing, exit code 0', async () => {
    const result = await diff(bucket, '--before', DAY_2, '--after', DAY_2)
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' })
  })

  test('by VPC, the new host in a known VPC is no news; what vanished alone exits 0', async () => {
    const result = await diff(bucket, '--before', DAY_1, '--after', DAY_2, '--group-by', 'vpc', '--json')
    expect(result.code).toBe(1)
    expect(found(result.stdout)).toEqual(periods.expected.vpc)
    // the resolver's address is on no interface: the map says so once, not once a side
    expect(result.stderr).toMatch(/^vpcflow: 1 of the private addresses were never an interface's own address[^\n]*\n$/)
    const backwards = await diff(bucket, '--before', DAY_2, '--after', DAY_1, '--group-by', 'vpc', '--json')
    expect(backwards.code).toBe(0)
    expect(found(backwards.stdout)).toEqual({ new: [], vanished: periods.expected.vpc.new.map((line) => line.replace(/^new/, 'vanished')), changed: [] })
  })

  test('a digest kept from the first day gives what the day gives; two digests need no source', async () => {
    const kept = join(dir, 'day-1.log')
    const digested = await runInProcess(['digest', bucket, '--start', '2024-06-01T00:00Z', '--end', '2024-06-01T23:59Z', '-o', kept])
    expect(digested.code, digested.stderr).toBe(0)
    const live = await diff(bucket, '--before', DAY_1, '--after', DAY_2, '--json')
    const saved = await diff(bucket, '--before-digest', kept, '--after', DAY_2, '--json')
    expect(saved.stderr).toBe('')
    expect(saved.code).toBe(1)
    expect(saved.stdout).toBe(live.stdout)

    const day2 = join(dir, 'day-2.log')
    expect((await runInProcess(['digest', bucket, '--start', '2024-06-02T00:00Z', '--end', '2024-06-02T23:59Z', '-o', day2])).code).toBe(0)
    const both = await diff('--before-digest', kept, '--after-digest', day2, '--json')
    expect(both.code).toBe(1)
    expect(found(both.stdout)).toEqual(periods.expected.address)
  })

  test('--threshold: a conversation fifty times larger has changed at 10, not at 100', async () => {
    const at = async (threshold: string) => found((await diff(bucket, '--before', DAY_1, '--after', DAY_2, '--json', '--threshold', threshold)).stdout).changed
    expect(await at('10')).toEqual(periods.expected.address.changed)
    expect(await at('100')).toEqual([])
  })

  test('-o diff.svg: the union map drawn, with its legend', async () => {
    const file = join(dir, 'diff.svg')
    const result = await diff(bucket, '--before', DAY_1, '--after', DAY_2, '-o', file, '--quiet')
    expect(result).toMatchObject({ code: 1, stdout: '' })
    const texts = svgTexts(await readFile(file, 'utf8'))
    expect(texts.join(' ')).toContain('only after (bold)')
    expect(texts.filter((text) => /^(new|gone|changed): /.test(text))).toHaveLength(5)
    expect(texts.some((text) => text.startsWith('vpcflow diff of'))).toBe(true)
  })

  test('-o diff.svg of a union map of more than 1,000 edges: drawn where the page lays it out, every edge', async () => {
    // two saved digests of 1,500 conversations each, a third of them different
    const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'
    const digestOf = async (name: string, shift: number): Promise<string> => {
      const lines = Array.from({ length: 1500 }, (_, i) => `2 123456789012 eni-0a 10.0.1.${i % 60} 10.0.2.${(i * 7 + Math.floor(i / 60) + (i % 3 === 0 ? shift : 0)) % 60} 0 443 6 1 100 1000 1060 ACCEPT OK`)
      const file = join(dir, name)
      await writeFile(file, [header, ...lines].join('\n') + '\n')
      return file
    }
    const [before, after, file] = [await digestOf('large-before.log', 0), await digestOf('large-after.log', 1), join(dir, 'large-diff.svg')]
    const result = await diff('--before-digest', before, '--after-digest', after, '-o', file, '--quiet')
    expect(result.code, result.stderr).toBe(1)
    const shape = svgShape(await readFile(file, 'utf8'))
    const union = new Set((await Promise.all([before, after].map(async (f) => (await readFile(f, 'utf8')).split('\n').slice(1).filter(Boolean)))).flat().map((line) => line.split(' ').slice(3, 5).join('->')))
    expect(union.size).toBeGreaterThan(1000)
    expect(new Set(shape.edges.map((edge) => edge.title))).toEqual(union)
  })

  test('-o diff.html: the union map as the interactive page, and how many changes on standard error', async () => {
    const file = join(dir, 'diff.html')
    const result = await diff(bucket, '--before', DAY_1, '--after', DAY_2, '-o', file)
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `wrote ${file}: 3 new, 1 vanished, 1 changed\n` })
    const html = await readFile(file, 'utf8')
    expect(html).toMatch(/<title>vpcflow diff of [^<]*bucket: before 2024-06-01/)
    expect(html.match(/"change":"new"/g)?.length).toBeGreaterThanOrEqual(3) // nodes and edges, in the page's data
  })

  test('usage errors: one line, exit code 2', async () => {
    expect(oneLineError(await diff(bucket, '--after', DAY_2), 2)).toMatch(/diff needs --before <period> or --before-digest <file>/)
    expect(oneLineError(await diff(bucket, '--before', DAY_1, '--before-digest', 'x.log', '--after', DAY_2), 2)).toMatch(/--before and --before-digest/)
    expect(oneLineError(await diff(bucket, '--before', '2024-06-01', '--after', DAY_2), 2)).toMatch(/--before must be a period/)
    expect(oneLineError(await diff(bucket, '--before', '2024-06-02..2024-06-01', '--after', DAY_2), 2)).toMatch(/--before must end after it starts/)
    expect(oneLineError(await diff(bucket, '--before', '-3x..', '--after', DAY_2), 2)).toMatch(/--before must be an ISO-8601 time/)
    expect(oneLineError(await diff(bucket, '--before', DAY_1, '--after', DAY_2, '--threshold', '0.5'), 2)).toMatch(/--threshold must be a factor >= 1/)
    expect(oneLineError(await diff('--before', DAY_1, '--after', DAY_2), 2)).toMatch(/needs a source/)
    expect(oneLineError(await diff(bucket, '--before', DAY_1, '--after', DAY_2, '--group-by', 'street'), 2)).toMatch(/--group-by/)
  })

  test('a digest file that is not there: one line, exit code 1', async () => {
    expect(oneLineError(await diff(bucket, '--before-digest', join(dir, 'nothing.log'), '--after', DAY_2), 1)).toMatch(/no such file or folder: .*nothing\.log/)
  })
})
