/**
 * The map page (`mapToHtml`, `mapHtml`): options and maps checked in Node, then the page
 * opened from disk in headless Chromium and used as a person would, by clicks and typing.
 * Screenshots are left in test/output/ to look at.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pipe } from 'it-pipe'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { buildNetworkMap, digest, listLocalLogFiles, mapHtml, mapToHtml, prefetch, type NetworkMap } from 'vpcflow'
import { collect } from './support/async.js'
import { OUTPUT, startBrowser, type Browser, type OpenPage } from './support/browser.js'
import { ROOT, runInProcess } from './support/cli.js'
import { edge, node, service, syntheticMap, volume } from './support/maps.js'

const HOSTILE = '</script><script>window.__pwned = 1</script><!-- <img src=x onerror="window.__pwned = 2">'

/** A small map of every kind of node, cluster and action, with a group and a bigint. */
function smallMap(): NetworkMap {
  return {
    source: 's3://shop-flow-logs/AWSLogs/',
    window: { start: 1_733_011_200, end: 1_733_097_600 },
    groupBy: 'address',
    clusters: [
      { id: '111111111111', label: 'account 111111111111', kind: 'account' },
      { id: 'vpc-0shop', label: 'vpc-0shop (shop)', kind: 'vpc', parent: '111111111111' },
      { id: 'vpc-0data', label: 'vpc-0data', kind: 'vpc', parent: '111111111111' },
    ],
    nodes: [
      node('internet', { kind: 'internet', addressCount: 2314, addresses: ['198.51.100.7', '203.0.113.9'] }),
      node('aws:S3', { kind: 'aws-service', label: 'S3', addressCount: 3, addresses: ['52.216.8.1', '52.216.8.2', '52.216.8.3'] }),
      node('10.0.1.10', { label: 'ELB app/shop/50dc6c495c0c9188', cluster: 'vpc-0shop' }),
      node('10.0.2.21', { label: 'web-1 (i-0abc)', cluster: 'vpc-0shop', names: { '10.0.2.21': 'web-1' } }),
      node('10.0.2.22', { label: 'web-2 (i-0def)', cluster: 'vpc-0shop', names: { '10.0.2.22': 'web-2' } }),
      node('10.1.3.0/24', {
        kind: 'group',
        cluster: 'vpc-0data',
        addressCount: 3,
        addresses: ['10.1.3.5', '10.1.3.6', '10.1.3.7'],
        names: { '10.1.3.5': 'orders-db-primary', '10.1.3.6': 'orders-db-replica' },
      }),
      node('10.0.9.9', { label: 'NAT gateway nat-0123', cluster: 'vpc-0shop' }),
    ],
    edges: [
      edge('internet', '10.0.1.10', [service(6, 443, [volume(48_000_000, 40_000), volume(0)], [volume(910_000_000, 700_000), volume(0)])], { sources: 2310 }),
      edge('10.0.1.10', '10.0.2.21', [service(6, 8080, [volume(20_000_000, 15_000), volume(0)], [volume(400_000_000, 300_000), volume(0)])]),
      edge('10.0.1.10', '10.0.2.22', [service(6, 8080, [volume(19_000_000, 14_000), volume(0)], [volume(390_000_000, 290_000), volume(0)])]),
      edge('10.0.2.21', '10.1.3.0/24', [
        service(6, 5432, [volume(7_000_000, 9000), volume(0)], [volume(60_000_000, 50_000), volume(0)]),
        service(1, 0, [volume(840, 10), volume(420, 5)], [volume(840, 10), volume(0)]),
      ], { targets: 2 }),
      edge('10.0.2.22', '10.1.3.0/24', [service(6, 5432, [volume(6_500_000, 8800), volume(0)], [volume(58_000_000, 49_000), volume(0)])]),
      edge('internet', '10.0.2.21', [service(6, 22, [volume(0), volume(2_314 * 60, 2n ** 64n)])], { sources: 2314 }),
      edge('10.0.2.22', 'aws:S3', [service(6, 443, [volume(3_000_000, 2500), volume(0)], [volume(150_000_000, 110_000), volume(0)])]),
      edge('10.0.2.21', '10.0.9.9', [service(6, 443, [volume(1_000_000, 900), volume(0)], [volume(9_000_000, 7000), volume(0)])]),
    ],
  }
}

describe('in Node', () => {
  test('options and maps are checked when called', async () => {
    expect(() => mapToHtml({ title: 3 as unknown as string })).toThrow(TypeError)
    expect(() => mapToHtml({ title: 3 as unknown as string })).toThrow(/title/)
    expect(() => mapToHtml({ signal: 'stop' as unknown as AbortSignal })).toThrow(/signal/)
    const broken = smallMap()
    broken.edges.push(edge('10.0.2.21', '10.9.9.9', [service(6, 80, [volume(1), volume(0)])]))
    await expect(mapHtml(broken)).rejects.toThrow(/edge "10\.0\.2\.21->10\.9\.9\.9" names no node "10\.9\.9\.9"/)
    await expect(mapHtml({ ...smallMap(), nodes: [...smallMap().nodes, node('internet')] })).rejects.toThrow(/same id/)
  })

  test('the stage renders one page per map, and stops on abort', async () => {
    const pages = await collect(pipe([smallMap(), syntheticMap({ nodes: 12, edges: 20 })], mapToHtml()))
    expect(pages).toHaveLength(2)
    const [first] = pages.map((page) => Buffer.from(page).toString('utf8'))
    expect(first).toMatch(/^<!doctype html>/)
    expect(first).toContain('<title>vpcflow map of s3://shop-flow-logs/AWSLogs/, 2024-12-01 00:00 – 2024-12-02 00:00 UTC</title>')
    const controller = new AbortController()
    const reason = new Error('stopped by the user')
    controller.abort(reason)
    await expect(collect(pipe([smallMap()], mapToHtml({ signal: controller.signal })))).rejects.toBe(reason)
  })

  test('user data cannot close the script that holds it, and bigints keep every digit', async () => {
    const map = smallMap()
    map.nodes[3]!.label = HOSTILE
    map.source = HOSTILE
    const html = await mapHtml(map, { title: HOSTILE })
    expect(html).not.toContain(HOSTILE)
    expect(html).not.toContain('<script>window.__pwned')
    expect(html.match(/<\/script>/g)).toHaveLength(3) // the data, cytoscape, the page's script
    expect(html).toContain('<title>&lt;/script&gt;&lt;script&gt;window.__pwned')
    expect(html).toContain('"18446744073709551616"')
  })
})

describe('in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await startBrowser()
  })
  afterEach(async () => {
    await browser.closePages()
  })
  afterAll(async () => {
    await browser?.close()
  })

  /** The page of `map`, opened from disk, with cytoscape's state ready to read. */
  async function open(name: string, map: NetworkMap, title?: string): Promise<OpenPage> {
    const opened = await browser.open(`${name}.html`, await mapHtml(map, { title }))
    await opened.page.waitForFunction(() => 'cy' in window)
    return opened
  }

  /** Where an element is drawn, in the page's CSS pixels: a node's centre, an edge's midpoint. */
  async function drawnAt(opened: OpenPage, selector: string): Promise<{ x: number; y: number }> {
    return opened.page.evaluate((selector) => {
      const element = window.cy.$(selector)
      const point = element.isNode() ? element.renderedPosition() : (element as unknown as import('cytoscape').EdgeSingular).renderedMidpoint()
      const box = document.getElementById('graph').getBoundingClientRect()
      return { x: box.left + point.x, y: box.top + point.y }
    }, selector)
  }

  const details = (opened: OpenPage): Promise<string> => opened.page.locator('#details').innerText()

  test('draws every node and edge of the map, in its clusters, without errors or requests', async () => {
    const map = smallMap()
    const opened = await open('small', map)
    const drawn = await opened.page.evaluate(() => {
      const view = window.cy.extent()
      return {
        nodes: window.cy.nodes('[index >= 0]').map((n) => ({
          label: n.data('label') as string,
          cluster: n.parent().data('label') as string | undefined,
          inView: n.visible() && n.position('x') > view.x1 && n.position('x') < view.x2 && n.position('y') > view.y1 && n.position('y') < view.y2,
        })),
        edges: window.cy.edges().map((e) => ({ from: e.source().data('label'), to: e.target().data('label'), color: e.style('line-color'), width: parseFloat(e.style('width')) })),
      }
    })
    expect(drawn.nodes.map((n) => n.label).sort()).toEqual(map.nodes.map((n) => n.label).sort())
    expect(drawn.nodes.every((n) => n.inView)).toBe(true)
    for (const n of map.nodes) {
      const cluster = map.clusters.find((c) => c.id === n.cluster)
      expect(drawn.nodes.find((d) => d.label === n.label)!.cluster).toBe(cluster?.label)
    }
    const label = (id: string): string => map.nodes.find((n) => n.id === id)!.label
    expect(drawn.edges.map((e) => `${e.from} -> ${e.to}`).sort()).toEqual(map.edges.map((e) => `${label(e.from)} -> ${label(e.to)}`).sort())
    const colors = new Map(drawn.edges.map((e, i) => [map.edges[i]!.action, e.color]))
    expect(new Set(colors.values()).size).toBe(3)
    expect(colors.get('ACCEPT')).toBe('rgb(46,125,50)') // the SVG's green, red and orange
    expect(colors.get('REJECT')).toBe('rgb(198,40,40)')
    expect(colors.get('BOTH')).toBe('rgb(239,108,0)')
    const width = (from: string, to: string): number => drawn.edges.find((e) => e.from === label(from) && e.to === label(to))!.width
    expect(width('internet', '10.0.1.10')).toBeGreaterThan(width('10.0.2.22', 'aws:S3'))
    expect(width('10.0.2.22', 'aws:S3')).toBeGreaterThan(width('internet', '10.0.2.21'))
    const legend = await opened.page.locator('#legend').innerText()
    expect(legend).toContain('2024-12-01 00:00 – 2024-12-02 00:00 UTC')
    expect(legend).toContain('s3://shop-flow-logs/AWSLogs/')
    await opened.screenshot('small.png')
    expect(opened.errors).toEqual([])
    expect(opened.requests).toEqual([])
  })

  test('the bundled sample, mapped by the builder, is drawn whole', async () => {
    const dir = fileURLToPath(new URL('../examples/sample-bucket/', import.meta.url))
    const map = await buildNetworkMap(pipe(listLocalLogFiles({ dir }), prefetch(), digest()), { source: 'examples/sample-bucket' })
    const opened = await open('sample', map)
    const drawn = await opened.page.evaluate(() => ({
      nodes: window.cy.nodes('[index >= 0]').filter((n) => n.visible()).map((n) => n.data('label') as string),
      edges: window.cy.edges().length,
      clusters: window.cy.nodes('.cluster').map((c) => c.data('label') as string),
    }))
    expect(drawn.nodes.sort()).toEqual(map.nodes.map((n) => n.label).sort())
    expect(drawn.edges).toBe(map.edges.length)
    expect(drawn.clusters.sort()).toEqual(map.clusters.map((c) => c.label).sort())
    expect(map.clusters.length).toBeGreaterThan(0)
    await opened.screenshot('sample.png')
    expect(opened.errors).toEqual([])
    expect(opened.requests).toEqual([])
  })

  test('vpcflow render -o map.html writes the page of the map that vpcflow map --json prints', async () => {
    const sample = join(ROOT, 'examples', 'sample-bucket')
    const page = join(OUTPUT, 'cli.html')
    const [rendered, printed, formatted] = await Promise.all([
      runInProcess(['render', sample, '--group-by', 'vpc', '-o', page]),
      runInProcess(['map', sample, '--group-by', 'vpc', '--json']),
      runInProcess(['render', sample, '--group-by', 'vpc', '--format', 'html', '--top', '2']),
    ])
    expect(rendered.code).toBe(0)
    expect(rendered.stderr).toMatch(new RegExp(`\nwrote ${page}\n$`)) // after the map's note on what it grouped by cidr/24
    const map = JSON.parse(printed.stdout) as NetworkMap
    const opened = await browser.open('cli.html', await readFile(page, 'utf8'))
    await opened.page.waitForFunction(() => 'cy' in window)
    const drawn = await opened.page.evaluate(() => window.cy.nodes('[index >= 0]').map((n) => n.data('label') as string))
    expect(drawn.sort()).toEqual(map.nodes.map((n) => n.label).sort())
    expect(await opened.page.locator('#legend').innerText()).toContain(`${map.nodes.length} nodes by vpc`)
    await opened.screenshot('cli.png')
    expect(opened.errors).toEqual([])
    // --format html writes the page to standard output; --top keeps the heaviest edges, as in the SVG
    expect(formatted.code).toBe(0)
    expect(formatted.stdout).toMatch(/^<!doctype html>/)
    const top = await browser.open('cli-top.html', formatted.stdout)
    await top.page.waitForFunction(() => 'cy' in window)
    expect(await top.page.evaluate(() => window.cy.edges().length)).toBe(2)
    const refused = await runInProcess(['render', sample, '--records', '-o', join(OUTPUT, 'records.html')])
    expect([refused.code, refused.stderr]).toEqual([2, 'vpcflow: --records draws only SVG: the page draws the network map (see vpcflow render --help)\n'])
  })

  test('the search box highlights the nodes whose name or address matches', async () => {
    const opened = await open('search', smallMap())
    const matches = (): Promise<string[]> => opened.page.evaluate(() => window.cy.nodes('.match').map((n) => n.data('label') as string).sort())
    await opened.page.locator('#search').fill('web-')
    expect(await matches()).toEqual(['web-1 (i-0abc)', 'web-2 (i-0def)'])
    expect(await opened.page.locator('#matches').innerText()).toBe('2 matches')
    expect(await opened.page.evaluate(() => window.cy.$('.faded[index >= 0]').nodes().length)).toBe(5)
    await opened.page.locator('#search').fill('orders-DB') // a name inside a group, any case
    expect(await matches()).toEqual(['10.1.3.0/24'])
    expect(await opened.page.evaluate(() => window.cy.$('.faded[index >= 0]').nodes().length)).toBe(6)
    expect(await opened.page.evaluate(() => window.cy.edges().not('.faded').map((e) => e.data('label') as string).sort())).toEqual(['tcp/5432', 'tcp/5432, icmp'])
    await opened.page.locator('#search').fill('203.0.113.9') // an address inside the internet node
    expect(await matches()).toEqual(['internet'])
    await opened.screenshot('search.png')
    await opened.page.locator('#search').press('Escape')
    expect(await matches()).toEqual([])
    expect(await opened.page.evaluate(() => window.cy.$('.faded').length)).toBe(0)
    expect(opened.errors).toEqual([])
  })

  test('a click on a node shows its traffic, its peers and the addresses inside', async () => {
    const opened = await open('node', smallMap())
    const at = await drawnAt(opened, 'node[label = "10.1.3.0/24"]')
    await opened.page.mouse.click(at.x, at.y)
    const text = await details(opened)
    expect(text).toContain('10.1.3.0/24')
    expect(text).toContain('group of addresses · in vpc-0data')
    expect(text).toMatch(/10\.1\.3\.5\s+orders-db-primary/)
    expect(text).toMatch(/10\.1\.3\.6\s+orders-db-replica/)
    expect(text).toContain('10.1.3.7')
    expect(text).toMatch(/talked to by \(2\)/i)
    // received: 7 MB + 840 B + 6.5 MB accepted; sent: the replies, 60 MB + 840 B + 58 MB
    expect(text).toMatch(/accepted\s+118\.0 MB\s+99,010 packets\s+13\.5 MB\s+17,810 packets/)
    // the map fades all but the node, its edges and its peers
    const clear = await opened.page.evaluate(() => window.cy.elements('[index >= 0]').not('.context').map((e) => (e.data('label') as string) || e.id()))
    expect(clear.sort()).toEqual(['10.1.3.0/24', 'tcp/5432', 'tcp/5432, icmp', 'web-1 (i-0abc)', 'web-2 (i-0def)'])
    await opened.screenshot('node.png')
    // a peer in the list selects that edge
    await opened.page.locator('#details a.go', { hasText: 'web-1 (i-0abc)' }).click()
    expect(await details(opened)).toContain('web-1 (i-0abc) → 10.1.3.0/24')
    expect(opened.errors).toEqual([])
  })

  test('a click on an edge shows its services and ports, bytes and packets each way, accepted and rejected', async () => {
    const opened = await open('edge', smallMap())
    const at = await drawnAt(opened, 'edge[label = "tcp/5432, icmp"]')
    await opened.page.mouse.click(at.x, at.y)
    const text = await details(opened)
    expect(text).toContain('web-1 (i-0abc) → 10.1.3.0/24')
    expect(text).toContain('accepted and rejected')
    expect(text).toContain('1 client · 2 servers')
    expect(text).toMatch(/tcp\/5432\s+accepted\s+7\.0 MB\s+9,000\s+60\.0 MB\s+50,000/)
    expect(text).toMatch(/icmp\s+accepted\s+840 B\s+10\s+840 B\s+10/)
    expect(text).toMatch(/icmp\s+rejected\s+420 B\s+5\s+0 B\s+0/)
    await opened.screenshot('edge.png')
    // the scan, reached from its server's details: rejected only, its packets past 2^53 counted exactly
    const server = await drawnAt(opened, 'node[label = "web-1 (i-0abc)"]')
    await opened.page.mouse.click(server.x, server.y)
    await opened.page.locator('#details a.go', { hasText: 'internet' }).click()
    expect(await details(opened)).toContain('18,446,744,073,709,551,616')
    expect(await details(opened)).toContain('2,314 clients')
    expect(opened.errors).toEqual([])
  })

  test('the reject toggle hides accepted edges, and the nodes left without edges', async () => {
    const map = smallMap()
    const opened = await open('rejected', map)
    const visible = (): Promise<{ edges: string[]; nodes: string[] }> =>
      opened.page.evaluate(() => ({
        edges: window.cy.edges().filter((e) => e.visible()).map((e) => e.data('label') as string).sort(),
        nodes: window.cy.nodes('[index >= 0]').filter((n) => n.visible()).map((n) => n.data('label') as string).sort(),
      }))
    await opened.page.locator('#rejected-only').check()
    // cytoscape brings elements' visibility up to date on its next frame: read it until then
    await expect.poll(visible).toEqual({ edges: ['tcp/22', 'tcp/5432, icmp'], nodes: ['10.1.3.0/24', 'internet', 'web-1 (i-0abc)'] })
    await opened.screenshot('rejected.png')
    await opened.page.locator('#rejected-only').uncheck()
    await expect.poll(async () => (await visible()).edges).toHaveLength(map.edges.length)
    expect(opened.errors).toEqual([])
  })

  test('a hostile name, source or title is shown as text and runs nothing', async () => {
    const map = smallMap()
    map.nodes[3]!.label = HOSTILE
    map.nodes[5]!.names = { '10.1.3.5': HOSTILE }
    map.source = HOSTILE
    const opened = await open('hostile', map, HOSTILE)
    expect(await opened.page.title()).toBe(HOSTILE)
    expect(await opened.page.locator('#title').innerText()).toBe(HOSTILE)
    expect(await opened.page.locator('#source').innerText()).toBe(HOSTILE)
    const at = await drawnAt(opened, 'node[index = 3]')
    await opened.page.mouse.click(at.x, at.y)
    expect(await opened.page.locator('#details h2').innerText()).toBe(HOSTILE)
    await opened.page.locator('#search').fill('onerror')
    expect(await opened.page.evaluate(() => window.cy.nodes('.match').map((n) => n.data('index') as number).sort())).toEqual([3, 5])
    expect(await opened.page.evaluate(() => ({ pwned: window.__pwned, images: document.images.length }))).toEqual({
      pwned: undefined,
      images: 0,
    })
    expect(opened.errors).toEqual([])
  })

  test('a map of 2,000 nodes and 5,000 edges renders and responds', { timeout: 120_000 }, async () => {
    const map = syntheticMap({ nodes: 2000, edges: 5000 })
    let started = performance.now()
    const html = await mapHtml(map)
    const rendered = performance.now() - started
    started = performance.now()
    const opened = await browser.open('large.html', html)
    await opened.page.waitForFunction(() => 'cy' in window)
    const shown = performance.now() - started
    await opened.screenshot('large.png')
    expect(await opened.page.evaluate(() => [window.cy.nodes('[index >= 0]').length, window.cy.edges().length])).toEqual([2000, 5000])
    started = performance.now()
    await opened.page.locator('#search').fill('web-7')
    const matched = await opened.page.evaluate(() => window.cy.nodes('.match').length)
    const searched = performance.now() - started
    expect(matched).toBe(map.nodes.filter((n) => n.label.includes('web-7')).length)
    started = performance.now()
    await opened.page.locator('#rejected-only').check()
    const hidden = (): Promise<number> => opened.page.evaluate(() => window.cy.edges().filter((e) => !e.visible()).length)
    await expect.poll(hidden).toBe(map.edges.filter((e) => e.action === 'ACCEPT').length)
    const toggled = performance.now() - started
    await opened.page.locator('#search').fill('')
    await opened.page.locator('#rejected-only').uncheck()
    await opened.page.evaluate(() => {
      window.cy.zoom(1.5).center(window.cy.$('node[index = 3]'))
    })
    started = performance.now()
    const at = await drawnAt(opened, 'node[index = 3]')
    await opened.page.mouse.click(at.x, at.y)
    await opened.page.locator('#details h2').waitFor()
    const clicked = performance.now() - started
    expect(await opened.page.locator('#details h2').innerText()).toBe(map.nodes[3]!.label)
    started = performance.now()
    for (let i = 0; i < 5; i++) await opened.page.mouse.wheel(0, -200)
    await opened.page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(resolve)))
    const zoomed = performance.now() - started
    console.log(
      `2,000 nodes, 5,000 edges: page ${(html.length / 2 ** 20).toFixed(1)} MiB rendered in ${rendered.toFixed(0)} ms, shown in ${shown.toFixed(0)} ms; ` +
        `search ${searched.toFixed(0)} ms, rejected only ${toggled.toFixed(0)} ms, click ${clicked.toFixed(0)} ms, 5 wheel steps ${zoomed.toFixed(0)} ms`,
    )
    expect(opened.errors).toEqual([])
  })
})

/** The page's globals, as the functions run inside it by `page.evaluate` see them. */
declare const window: { cy: import('cytoscape').Core; __pwned?: number }
declare const document: { getElementById(id: string): { getBoundingClientRect(): { left: number; top: number } }; images: { length: number } }
declare function requestAnimationFrame(callback: () => void): void
