/**
 * A diff's union map drawn as DOT (read back by Graphviz): what is new stands out, what
 * vanished is dashed and grey, what changed is marked, the rest fades; a legend; a title
 * naming both periods. Without a status the map is drawn as ever.
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz'
import { beforeAll, describe, expect, test } from 'vitest'
import { diffMaps, mapToDot } from 'vpcflow'
import { readDotJson } from './support/dotJson.js'
import { edge, networkMap } from './support/networkMaps.js'
import { svgTexts } from './support/svg.js'

let graphviz: Awaited<ReturnType<typeof Graphviz.load>>
beforeAll(async () => {
  graphviz = await Graphviz.load()
})

const before = networkMap(
  [
    edge('10.0.1.5', '10.0.2.9', { port: 5432, accepted: 40_000 }),
    edge('10.0.1.6', '10.0.2.9', { port: 5432, accepted: 1_000 }),
    edge('10.0.1.7', '10.0.2.9', { port: 6379, accepted: 2_000 }),
  ],
  { window: { start: 1717200000, end: 1717286340 } },
)
const after = networkMap(
  [
    edge('10.0.1.5', '10.0.2.9', { port: 5432, accepted: 40_000 }),
    edge('10.0.1.6', '10.0.2.9', { port: 5432, accepted: 50_000 }),
    edge('10.0.3.3', '10.0.2.9', { port: 5432, rejected: 700 }),
  ],
  { window: { start: 1717286400, end: 1717372740 } },
)

describe('mapToDot with a status', () => {
  test('new nodes and edges bold and violet, vanished ones dashed and grey, changed ones marked, the rest faded', () => {
    const diff = diffMaps(before, after)
    const { nodes, edges, label } = readDotJson(graphviz, mapToDot(diff.map, { status: diff.status }))

    expect(nodes.get('10.0.3.3')).toMatchObject({ penwidth: '3', color: '#6a1b9a', label: '10.0.3.3\\nnew' })
    expect(nodes.get('10.0.1.7')).toMatchObject({ style: 'dashed,filled', color: '#9e9e9e', label: '10.0.1.7\\ngone' })
    expect(nodes.get('10.0.1.5')).toMatchObject({ fontcolor: '#90a4ae', label: '10.0.1.5' })

    const added = edges.get('10.0.3.3 -> 10.0.2.9')!
    expect(added).toMatchObject({ style: 'bold', color: '#c62828', fontcolor: '#6a1b9a' })
    expect(added.label).toMatch(/^new: tcp\/5432\\n/)
    const gone = edges.get('10.0.1.7 -> 10.0.2.9')!
    expect(gone).toMatchObject({ style: 'dashed', color: '#9e9e9e' })
    expect(gone.label).toMatch(/^gone: tcp\/6379\\n/)
    const changed = edges.get('10.0.1.6 -> 10.0.2.9')!
    expect(changed).toMatchObject({ color: '#2e7d32' })
    expect(changed.label).toMatch(/^changed: tcp\/5432\\n50\.0 kB/)
    const same = edges.get('10.0.1.5 -> 10.0.2.9')!
    expect(same.color).toBe('#2e7d3238') // the action's colour, mostly transparent
    expect(same.label).toMatch(/^tcp\/5432\\n/)
    expect(Number(same.penwidth)).toBeLessThan(Number(changed.penwidth))

    expect(label).toBe('vpcflow diff: before 2024-06-01 00:00 – 2024-06-01 23:59 UTC, after 2024-06-02 00:00 – 2024-06-02 23:59 UTC')
    const legend = svgTexts(graphviz.dot(mapToDot(diff.map, { status: diff.status }), 'svg')).join(' ')
    for (const words of ['only after (bold)', 'only before (dashed, grey)', 'faded: the same']) expect(legend).toContain(words)
  })

  test('without a status, the map as ever: no marks, no legend, its own title', () => {
    const plain = readDotJson(graphviz, mapToDot(after))
    expect([...plain.nodes.keys()].sort()).toEqual(['10.0.1.5', '10.0.1.6', '10.0.2.9', '10.0.3.3'])
    expect([...plain.edges.values()].map((e) => e.label).filter((l) => /^(new|gone|changed):/.test(l!))).toEqual([])
    expect(plain.label).toMatch(/^vpcflow map/)
  })

  test('a status that is not one is a TypeError naming it', () => {
    expect(() => mapToDot(after, { status: { nodes: {}, edges: {} } as never })).toThrow(/^status must be a MapStatus/)
  })
})
