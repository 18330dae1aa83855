/**
 * diffMaps on maps built from flow log files: two generated days with known additions,
 * removals and changes give exactly those, by address and by VPC, through the library's
 * own pipeline (listing, time filter, fetch, digest, map).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipe } from 'it-pipe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildNetworkMap, byTime, diffMaps, digest, filterLogFiles, listLocalLogFiles, prefetch, type GroupBy, type NetworkMap } from 'vpcflow'
import { AFTER, BEFORE, stated, twoPeriods } from './support/twoPeriods.js'

const periods = twoPeriods()
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vpcflow-diff-'))
  periods.writeTo(dir)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** The map of a day: its log files (the end excluded), digested, grouped. */
function mapOf(day: { start: string; end: string }, groupBy: GroupBy): Promise<NetworkMap> {
  const text = pipe(
    listLocalLogFiles({ dir }),
    filterLogFiles(byTime(new Date(day.start), new Date(Date.parse(day.end) - 1))),
    prefetch(),
    digest(),
  )
  return buildNetworkMap(text, { groupBy })
}

describe('two generated days', () => {
  test('by address: the new host, the new port on a known edge, the first talk to the internet, the host gone, the conversation grown fifty times', async () => {
    const diff = diffMaps(await mapOf(BEFORE, 'address'), await mapOf(AFTER, 'address'))
    expect(stated(diff.changes)).toEqual(periods.expected.address)
    // the new port is new on an edge both days have; the rest are whole edges
    expect(diff.changes.filter((c) => c.scope === 'services').map((c) => c.services.map((s) => s.label))).toEqual([['tcp/5433']])
  })

  test('by VPC: the new host in a known VPC is no news, nor the host gone; the new port and the first talk to the internet are', async () => {
    const diff = diffMaps(await mapOf(BEFORE, 'vpc'), await mapOf(AFTER, 'vpc'))
    expect(stated(diff.changes)).toEqual(periods.expected.vpc)
  })

  test('a day against itself: nothing', async () => {
    const day = await mapOf(AFTER, 'address')
    expect(diffMaps(day, await mapOf(AFTER, 'address')).changes).toEqual([])
  })

  test('other seeds: other addresses and bytes, the same changes', async () => {
    for (const seed of [1, 2, 3]) {
      const other = twoPeriods(seed)
      const folder = await mkdtemp(join(tmpdir(), 'vpcflow-diff-'))
      try {
        other.writeTo(folder)
        const build = (day: typeof BEFORE) =>
          buildNetworkMap(pipe(listLocalLogFiles({ dir: folder }), filterLogFiles(byTime(new Date(day.start), new Date(Date.parse(day.end) - 1))), prefetch(), digest()))
        expect(stated(diffMaps(await build(BEFORE), await build(AFTER)).changes)).toEqual(other.expected.address)
      } finally {
        await rm(folder, { recursive: true, force: true })
      }
    }
  })
})
