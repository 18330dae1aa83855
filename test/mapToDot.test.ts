/** The map drawn as DOT: read back by Graphviz itself, its labels, colours, widths, clusters, title, and hostile names. */
import { Graphviz } from '@hpcc-js/wasm-graphviz'
import { beforeAll, describe, expect, test } from 'vitest'
import { buildNetworkMap, mapToDot, type NetworkMap } from 'vpcflow'
import { readDotJson, type Drawn } from './support/dotJson.js'
import { svgShape, svgTexts } from './support/svg.js'
import { asAsync } from './support/text.js'

const V5 = 'version account-id interface-id vpc-id subnet-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction'
const line = (eni: string, src: string, dst: string, sport: number, dport: number, protocol: number, packets: number, bytes: number, action = 'ACCEPT', direction = 'egress') =>
  `5 111122223333 ${eni} vpc-1 subnet-1 ${src} ${dst} ${sport} ${dport} ${protocol} ${packets} ${bytes} 1714521600 1714525200 ${action} OK ${direction}`

let graphviz: Awaited<ReturnType<typeof Graphviz.load>>
beforeAll(async () => {
  graphviz = await Graphviz.load()
})

/** The DOT as Graphviz reads it. */
const read = (dot: string): Drawn => readDotJson(graphviz, dot)

async function mapOf(lines: string[], options: Parameters<typeof buildNetworkMap>[1] = {}): Promise<NetworkMap> {
  return buildNetworkMap(asAsync([`${V5}\n${lines.join('\n')}\n`]), options)
}

describe('mapToDot', () => {
  test('an edge says its services by bytes, the first three then +N, and its totals in bytes and packets', async () => {
    const services = [443, 8080, 9090, 5432, 6379]
    const map = await mapOf(services.map((port, i) => line('eni-a', '10.0.1.5', '10.0.2.9', 0, port, 6, 1000 - i, (5 - i) * 2_460_000)), { source: 's3://logs/AWSLogs/' })
    const drawn = read(mapToDot(map))
    expect(drawn.edges.get('10.0.1.5 -> 10.0.2.9')!.label).toBe('tcp/443, tcp/8080, tcp/9090 +2\\n36.9 MB, 4,990 packets')
    expect(drawn.edges.get('10.0.1.5 -> 10.0.2.9')!.color).toBe('#2e7d32')
    expect(drawn.label).toBe('vpcflow map of s3://logs/AWSLogs/, 2024-05-01 00:00 – 2024-05-01 01:00 UTC')
    expect(drawn.graph.rankdir).toBe('LR')
    // the window and the source are said once, in the title, not on any label
    const labels = [...drawn.edges.values(), ...drawn.nodes.values()].map((o) => o.label)
    expect(labels.filter((label) => /2024|s3:/.test(label!))).toEqual([])
  })

  test('a scan is one red edge from the internet: REJECT, its packets and its sources', async () => {
    const scanners = Array.from({ length: 2314 }, (_, i) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`)
    const map = await mapOf(scanners.map((address, i) => line('eni-a', address, '10.0.1.5', 40000 + (i % 1000), 22, 6, 1, 44, 'REJECT', 'ingress')))
    const scan = read(mapToDot(map)).edges.get('internet:in -> 10.0.1.5')!
    expect(scan.label).toBe('tcp/22\\nREJECT, 2,314 packets, 2,314 sources')
    expect(scan.color).toBe('#c62828')
    expect(map.edges).toHaveLength(1)
  })

  test('both actions are a third colour; width grows with bytes on a log scale', async () => {
    const map = await mapOf([
      line('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 1_000_000_000),
      line('eni-a', '10.0.1.5', '10.0.2.9', 0, 22, 6, 1, 60, 'REJECT'),
      line('eni-a', '10.0.1.5', '10.0.3.3', 0, 443, 6, 1, 1_000_000),
      line('eni-a', '10.0.1.5', '10.0.4.4', 0, 443, 6, 1, 1_000),
    ])
    const { edges } = read(mapToDot(map))
    const both = edges.get('10.0.1.5 -> 10.0.2.9')!
    expect(both.color).toBe('#ef6c00')
    expect(both.label).toBe('tcp/443, tcp/22\\n1.0 GB, 2 packets (1 rejected)')
    const widths = ['10.0.2.9', '10.0.3.3', '10.0.4.4'].map((to) => Number(edges.get(`10.0.1.5 -> ${to}`)!.penwidth))
    expect(widths[0]).toBe(4)
    expect(widths[2]).toBe(1)
    expect(widths[1]).toBeCloseTo(1 + (3 * (6 - 3)) / (9 - 3), 1) // halfway in log10(bytes)
  })

  test('clusters hold their nodes, accounts around VPCs', async () => {
    const map = await mapOf([line('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 60), line('eni-a', '10.0.1.5', '203.0.113.9', 0, 443, 6, 1, 60)])
    map.clusters.push({ id: '999988887777', label: 'account 999988887777', kind: 'account' })
    map.clusters.find((cluster) => cluster.id === 'vpc-1')!.parent = '999988887777'
    const { clusters, nodes } = read(mapToDot(map))
    expect(clusters.map((c) => [c.name, c.label, c.nodes.sort()])).toEqual([
      ['cluster_999988887777', 'account 999988887777', ['10.0.1.5']],
      ['cluster_vpc-1', 'vpc-1', ['10.0.1.5']],
    ])
    expect(nodes.get('internet:out')!.label).toBe('internet\\n1 address')
    expect(nodes.get('10.0.2.9')!.label).toBe('10.0.2.9')
  })

  test('names label address nodes, the address beneath', async () => {
    const map = await mapOf([line('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 60)], { names: new Map([['10.0.1.5', 'web-1 (i-0abc)']]) })
    expect(read(mapToDot(map)).nodes.get('10.0.1.5')!.label).toBe('web-1 (i-0abc)\\n10.0.1.5')
  })

  test('hostile names and sources: Graphviz reads the DOT, and its SVG shows them as text only', async () => {
    const NASTY = ['<script>alert(1)</script>', '"];}digraph{"x', '"\\"', 'end\\', '\\N\\G\\E\\T\\H\\L\\l\\r', '<<b>html</b>>', 'line\nbreak', 'ünï©ødé🙂']
    const lines = NASTY.map((_, i) => line('eni-a', '10.0.1.5', `10.0.2.${i + 1}`, 0, 443, 6, 1, 60))
    const names = new Map(NASTY.map((name, i) => [`10.0.2.${i + 1}`, name]))
    const map = await mapOf(lines, { names, source: '"} <b>' })
    const svg = graphviz.dot(mapToDot(map), 'svg')
    const texts = svgTexts(svg)
    for (const name of NASTY) expect(texts).toEqual(expect.arrayContaining(name.split('\n')))
    expect(texts.some((text) => text.startsWith('vpcflow map of "} <b>'))).toBe(true)
    expect(svg).not.toMatch(/<script|<b>/i)
    expect(svgShape(svg).edges).toHaveLength(NASTY.length)
  })

  test('options are checked', async () => {
    const map = await mapOf([line('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 60)])
    expect(() => mapToDot(map, { services: 0 })).toThrow(new TypeError('services must be a positive integer, got 0'))
    expect(() => mapToDot(map, { name: 1 as never })).toThrow(/name must be a string/)
    expect(read(mapToDot(map, { services: 1, name: 'shop' })).graph.name).toBe('shop')
    expect(() => mapToDot(map, { top: 1.5 })).toThrow(/top must be a positive integer/)
  })

  test('top draws the edges with the most bytes and the nodes they join; empty clusters are left out', async () => {
    const map = await mapOf([
      line('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 3000),
      line('eni-b', '10.0.3.3', '10.0.2.9', 0, 443, 6, 1, 100),
      line('eni-a', '10.0.1.5', '203.0.113.9', 0, 443, 6, 1, 2000),
    ])
    map.clusters.push({ id: 'vpc-empty', label: 'vpc-empty', kind: 'vpc' })
    const drawn = read(mapToDot(map, { top: 2 }))
    expect([...drawn.edges.keys()]).toEqual(['10.0.1.5 -> 10.0.2.9', '10.0.1.5 -> internet:out'])
    expect([...drawn.nodes.keys()].sort()).toEqual(['10.0.1.5', '10.0.2.9', 'internet:out'])
    expect(drawn.clusters.map((c) => c.name)).toEqual(['cluster_vpc-1'])
  })
})
