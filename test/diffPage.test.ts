/**
 * A diff's union map as the interactive page, in headless Chromium: every node of the
 * union drawn, new ones standing out, vanished ones dashed and grey, the rest faded; the
 * legend names both periods and the changes; a click says what became of the edge.
 * Screenshots are left in test/output/ to look at.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipe } from 'it-pipe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildNetworkMap, byTime, diffMaps, digest, filterLogFiles, listLocalLogFiles, mapHtml, prefetch, type MapDiff } from 'vpcflow'
import { startBrowser, type Browser } from './support/browser.js'
import { AFTER, BEFORE, twoPeriods } from './support/twoPeriods.js'

declare const window: { cy: import('cytoscape').Core }

let browser: Browser
let dir: string
let diff: MapDiff

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vpcflow-diff-page-'))
  twoPeriods().writeTo(dir)
  const day = (period: { start: string; end: string }) =>
    buildNetworkMap(pipe(listLocalLogFiles({ dir }), filterLogFiles(byTime(new Date(period.start), new Date(Date.parse(period.end) - 1))), prefetch(), digest()), {
      source: 'two-days',
    })
  diff = diffMaps(await day(BEFORE), await day(AFTER))
  browser = await startBrowser()
})
afterAll(async () => {
  await browser?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('the union map page', () => {
  test('draws the union, what is new standing out, what vanished dashed and grey, the rest faded', async () => {
    const opened = await browser.open('diff.html', await mapHtml(diff.map, { status: diff.status }))
    await opened.page.waitForFunction(() => 'cy' in window)
    const drawn = await opened.page.evaluate(() => ({
      nodes: window.cy.nodes('[index >= 0]').map((n) => ({ label: n.data('label') as string, border: n.style('border-color'), dashed: n.style('border-style') === 'dashed', opacity: Number(n.style('opacity')) })),
      edges: window.cy.edges().map((e) => ({ label: e.data('label') as string, dashed: e.style('line-style') === 'dashed', color: e.style('line-color'), opacity: Number(e.style('opacity')), width: parseFloat(e.style('width')) })),
    }))
    expect(drawn.nodes.map((n) => n.label).sort()).toEqual(diff.map.nodes.map((n) => n.label).sort())
    expect(drawn.edges).toHaveLength(diff.map.edges.length)

    const nodeOf = (id: string) => drawn.nodes[diff.map.nodes.findIndex((n) => n.id === id)]!
    const edgeOf = (id: string) => drawn.edges[diff.map.edges.findIndex((e) => e.id === id)]!
    const [newNode] = [...diff.status.nodes].find(([, status]) => status === 'new')!
    const [goneNode] = [...diff.status.nodes].find(([, status]) => status === 'vanished')!
    const same = diff.map.nodes.find((n) => !diff.status.nodes.has(n.id))!
    expect(nodeOf(newNode).border).toBe('rgb(106,27,154)')
    expect(nodeOf(goneNode).dashed).toBe(true)
    expect(nodeOf(same.id).opacity).toBeLessThan(1)

    const edges = (status: string) => diff.map.edges.filter((e) => (diff.status.edges.get(e.id) ?? 'same') === status).map((e) => edgeOf(e.id))
    expect(edges('new')).toHaveLength(2) // the new port is on a known edge: changed
    expect(edges('vanished')).toHaveLength(1)
    for (const edge of edges('new')) expect(edge.label).toMatch(/^new: /)
    for (const edge of edges('vanished')) expect(edge).toMatchObject({ dashed: true, color: 'rgb(158,158,158)' })
    const faded = Math.max(...edges('same').map((e) => e.opacity))
    expect(faded).toBeLessThan(Math.min(...edges('new').map((e) => e.opacity), ...edges('changed').map((e) => e.opacity)))
    expect(Math.min(...edges('new').map((e) => e.width))).toBeGreaterThanOrEqual(4)

    const legend = await opened.page.locator('#legend').innerText()
    expect(legend).toMatch(/Before\s+2024-06-01 00:0\d – \d\d:\d\d UTC/)
    expect(legend).toMatch(/After\s+2024-06-02 00:0\d – \d\d:\d\d UTC/)
    for (const words of ['new', 'gone', 'changed', 'the same']) expect(legend).toContain(words)
    expect(await opened.page.locator('#title').innerText()).toMatch(/^vpcflow diff of two-days: before 2024-06-01/)

    // a click on the vanished edge says it is gone
    const gone = diff.map.edges.findIndex((e) => diff.status.edges.get(e.id) === 'vanished')
    await opened.page.evaluate((index) => {
      window.cy.edges(`[index = ${index}]`).select()
    }, gone)
    expect(await opened.page.locator('#details .badge.vanished').innerText()).toBe('gone')

    await opened.screenshot('diff.png')
    expect(opened.errors).toEqual([])
    expect(opened.requests).toEqual([])
    await browser.closePages()
  })

  test('a plain map has no marks of a diff', async () => {
    const opened = await browser.open('diff-plain.html', await mapHtml(diff.map))
    await opened.page.waitForFunction(() => 'cy' in window)
    expect(await opened.page.evaluate(() => window.cy.$('.new, .vanished, .changed, .same').length)).toBe(0)
    expect(await opened.page.locator('#changes').count()).toBe(0)
    expect(await opened.page.locator('#legend').innerText()).toContain('Time')
    expect(opened.errors).toEqual([])
    await browser.closePages()
  })

  test('a status that is not one is a TypeError naming it', async () => {
    await expect(mapHtml(diff.map, { status: { nodes: [], edges: [] } as never })).rejects.toThrow(/^status must be a MapStatus/)
  })
})
