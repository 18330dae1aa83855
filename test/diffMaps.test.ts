/**
 * diffMaps over network maps written by hand: what is new, vanished and changed, at the
 * level of edges and of services in an action; thresholds exact past 2^53; the order of
 * the changes; the union map and its statuses; and the text and NDJSON lines.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { diffMaps, diffToNdjson, diffToText, type MapChange } from 'vpcflow'
import { edge, networkMap, node } from './support/networkMaps.js'

/** A change in a few words: `new edge a->b tcp/22 ACCEPT`. */
const summary = (change: MapChange): string =>
  `${change.change} ${change.scope} ${change.edge} ${change.services.map((s) => `${s.label} ${s.action}`).join(', ')}`

const before = networkMap([
  edge('10.0.1.5', '10.0.2.9', { port: 5432, accepted: 40_000 }),
  edge('10.0.1.5', 'internet', { port: 443, accepted: 9_000 }, { protocol: 17, port: 123, accepted: 500 }),
  edge('10.0.1.6', '10.0.2.9', { port: 5432, accepted: 1_000 }),
  edge('internet', '10.0.1.5', { port: 22, rejected: 440 }),
  edge('10.0.1.7', '10.0.2.9', { port: 6379, accepted: 2_000 }),
])

const after = networkMap([
  // 10.0.1.5 -> 10.0.2.9: the same
  edge('10.0.1.5', '10.0.2.9', { port: 5432, accepted: 40_000 }),
  // udp/123 gone, tcp/80 new; bytes about the same
  edge('10.0.1.5', 'internet', { port: 443, accepted: 9_500 }, { port: 80, accepted: 300 }),
  // 1 kB -> 50 kB: changed at the default threshold
  edge('10.0.1.6', '10.0.2.9', { port: 5432, accepted: 50_000 }),
  // the scan got through: accepted tcp/22 is new beside the rejected
  edge('internet', '10.0.1.5', { port: 22, rejected: 440, accepted: 3_000 }),
  // 10.0.1.7 -> 10.0.2.9 vanished; a new host talks to the internet
  edge('10.0.3.3', 'internet', { port: 443, accepted: 7_000 }),
])

describe('diffMaps', () => {
  test('finds new and vanished edges, new and vanished services, accepted traffic where there was only rejected, and bytes past the threshold', () => {
    const diff = diffMaps(before, after)
    expect(diff.changes.map(summary)).toEqual([
      'new services 10.0.1.5->internet tcp/80 ACCEPT',
      'new edge 10.0.3.3->internet tcp/443 ACCEPT',
      'new services internet->10.0.1.5 tcp/22 ACCEPT',
      'vanished services 10.0.1.5->internet udp/123 ACCEPT',
      'vanished edge 10.0.1.7->10.0.2.9 tcp/6379 ACCEPT',
      'changed edge 10.0.1.6->10.0.2.9 tcp/5432 ACCEPT',
    ])
    const changed = diff.changes.find((c) => c.change === 'changed')!
    expect(changed.before.bytes).toBe(1_000)
    expect(changed.after.bytes).toBe(50_000)
    expect(changed.services[0]).toMatchObject({ before: { bytes: 1_000 }, after: { bytes: 50_000 } })
    const vanished = diff.changes.find((c) => c.scope === 'edge' && c.change === 'vanished')!
    expect(vanished).toMatchObject({ from: '10.0.1.7', to: '10.0.2.9', before: { bytes: 2_000 }, after: { bytes: 0, packets: 0 } })
  })

  test('a map diffed against itself has no changes', () => {
    const diff = diffMaps(after, after)
    expect(diff.changes).toEqual([])
    expect(diff.status.nodes.size + diff.status.edges.size).toBe(0)
    expect(diffToText(diff)).toBe('')
    expect(diffToNdjson(diff)).toBe('')
  })

  test('the union map holds every node and edge of both, and says what became of each', () => {
    const diff = diffMaps(before, after)
    expect(diff.map.nodes.map((n) => n.id).sort()).toEqual(['10.0.1.5', '10.0.1.6', '10.0.1.7', '10.0.2.9', '10.0.3.3', 'internet'])
    expect(diff.map.edges).toHaveLength(6)
    expect(Object.fromEntries(diff.status.nodes)).toEqual({ '10.0.3.3': 'new', '10.0.1.7': 'vanished' })
    expect(Object.fromEntries(diff.status.edges)).toEqual({
      '10.0.3.3->internet': 'new',
      '10.0.1.7->10.0.2.9': 'vanished',
      '10.0.1.5->internet': 'changed',
      '10.0.1.6->10.0.2.9': 'changed',
      'internet->10.0.1.5': 'changed',
    })
    // where both have an edge, the union shows after's traffic
    expect(diff.map.edges.find((e) => e.id === '10.0.1.6->10.0.2.9')!.forward.accepted.bytes).toBe(50_000)
  })

  test('the window spans both periods', () => {
    const a = networkMap([], { window: { start: 100, end: 200 } })
    const b = networkMap([], { window: { start: 300, end: 400 } })
    expect(diffMaps(a, b).map.window).toEqual({ start: 100, end: 400 })
    expect(diffMaps(networkMap([]), b).map.window).toEqual({ start: 300, end: 400 })
  })

  test('bytes change by more than the threshold, either way, and not at it', () => {
    const bytes = (n: number) => networkMap([edge('a', 'b', { port: 443, accepted: n })])
    const changed = (x: number, y: number, threshold?: number) => diffMaps(bytes(x), bytes(y), { threshold }).changes.length > 0
    expect(changed(1_000, 10_000)).toBe(false) // 10 times: not more than 10
    expect(changed(1_000, 10_001)).toBe(true)
    expect(changed(10_001, 1_000)).toBe(true)
    expect(changed(10_000, 1_000)).toBe(false)
    expect(changed(1_000, 2_500, 2.5)).toBe(false)
    expect(changed(1_000, 2_501, 2.5)).toBe(true)
    expect(changed(1_000, 1_001, 1)).toBe(true)
    expect(changed(1_000, 1_000, 1)).toBe(false)
  })

  test('the threshold is exact past 2^53', () => {
    const big = 2n ** 60n
    const bytes = (n: bigint) => networkMap([edge('a', 'b', { port: 443, accepted: n })])
    // as doubles, 10 * 2^60 + 1 is 10 * 2^60: only exact arithmetic tells them apart
    expect(diffMaps(bytes(big), bytes(big * 10n)).changes).toEqual([])
    const [change] = diffMaps(bytes(big), bytes(big * 10n + 1n)).changes
    expect(change).toMatchObject({ change: 'changed', before: { bytes: big }, after: { bytes: big * 10n + 1n } })
    // sums of sides past 2^53 stay exact too
    const sides = diffMaps(bytes(1n), networkMap([edge('a', 'b', { port: 443, accepted: 2n ** 53n, rejected: 2n ** 53n + 1n })]))
    expect(sides.changes[0]!.after.bytes).toBe(2n ** 54n + 1n)
  })

  test('the changes do not depend on the order of nodes, edges and services', () => {
    const shuffled = (map: typeof before) => ({
      ...map,
      nodes: [...map.nodes].reverse(),
      edges: [...map.edges].reverse().map((e) => ({ ...e, services: [...e.services].reverse() })),
    })
    expect(diffMaps(shuffled(before), shuffled(after)).changes).toEqual(diffMaps(before, after).changes)
  })

  test('rejects maps of different groupings and bad thresholds, naming them', () => {
    const vpcs = networkMap([], { groupBy: 'vpc' })
    expect(() => diffMaps(before, vpcs)).toThrow(TypeError)
    expect(() => diffMaps(before, vpcs)).toThrow(/grouping.*address and vpc/)
    for (const threshold of [0.5, 0, -2, NaN, Infinity, '10' as unknown as number]) {
      expect(() => diffMaps(before, after, { threshold })).toThrow(/^threshold must be a finite number >= 1/)
    }
    expect(() => diffMaps(undefined as never, after)).toThrow(/^before must be a NetworkMap/)
  })

  test('what is new in one direction vanished in the other (random maps)', () => {
    const address = fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3', 'internet')
    const spec = fc.record({ port: fc.constantFrom(22, 443, 5432), accepted: fc.nat(5000), rejected: fc.constantFrom(0, 0, 44) })
    const edges = fc.uniqueArray(fc.record({ from: address, to: address, specs: fc.array(spec, { minLength: 1, maxLength: 3 }) }), {
      selector: (e) => `${e.from}->${e.to}`,
      maxLength: 8,
    })
    const map = (list: { from: string; to: string; specs: { port: number; accepted: number; rejected: number }[] }[]) =>
      networkMap(list.map(({ from, to, specs }) => edge(from, to, ...specs.filter((s, i) => specs.findIndex((t) => t.port === s.port) === i))))
    fc.assert(
      fc.property(edges, edges, (x, y) => {
        const [a, b] = [map(x), map(y)]
        const forth = diffMaps(a, b).changes
        const back = diffMaps(b, a).changes
        const flip = (c: MapChange) => `${c.scope} ${c.edge} ${c.services.map((s) => `${s.label}/${s.action}`).join(',')}`
        expect(forth.filter((c) => c.change === 'new').map(flip).sort()).toEqual(back.filter((c) => c.change === 'vanished').map(flip).sort())
        expect(forth.filter((c) => c.change === 'changed').map((c) => c.edge)).toEqual(back.filter((c) => c.change === 'changed').map((c) => c.edge))
        expect(diffMaps(a, a).changes).toEqual([])
      }),
      { seed: 0x0d1ff, numRuns: 200 },
    )
  })
})

describe('diffToText and diffToNdjson', () => {
  test('one line per change, marked as diff marks them, with labels, services by action and bytes', () => {
    const named = { ...after, nodes: after.nodes.map((n) => (n.id === '10.0.3.3' ? node(n.id, 'batch-1') : n)) }
    expect(diffToText(diffMaps(before, named))).toBe(
      [
        '+ 10.0.1.5 -> internet  tcp/80 ACCEPT  300 B  new on a known edge',
        '+ batch-1 -> internet  tcp/443 ACCEPT  7.0 kB',
        '+ internet -> 10.0.1.5  tcp/22 ACCEPT  3.0 kB  new on a known edge',
        '- 10.0.1.5 -> internet  udp/123 ACCEPT  500 B  gone from a known edge',
        '- 10.0.1.7 -> 10.0.2.9  tcp/6379 ACCEPT  2.0 kB',
        '~ 10.0.1.6 -> 10.0.2.9  tcp/5432 ACCEPT  1.0 kB -> 50.0 kB  x50.0',
        '',
      ].join('\n'),
    )
  })

  test('a scan: the first services by bytes, then how many more, rejected apart from accepted', () => {
    const ports = [22, 23, 445, 1433, 3389]
    const scan = networkMap([edge('internet', '10.0.1.5', ...ports.map((port, i) => ({ port, rejected: 100 - i })), { port: 443, accepted: 50 })])
    expect(diffToText(diffMaps(networkMap([]), scan))).toBe('+ internet -> 10.0.1.5  tcp/22, tcp/23, tcp/445 +2 REJECT; tcp/443 ACCEPT  540 B\n')
    const shrunk = diffMaps(
      networkMap([edge('a', 'b', { port: 443, accepted: 1_000_000 })]),
      networkMap([edge('a', 'b', { port: 443, accepted: 1_000 })]),
    )
    expect(diffToText(shrunk)).toBe('~ a -> b  tcp/443 ACCEPT  1.0 MB -> 1.0 kB  /1000\n')
  })

  test('NDJSON: a change per line with labels, counts past 2^53 as strings of digits', () => {
    const big = networkMap([edge('a', 'b', { port: 443, accepted: 2n ** 60n })])
    const lines = diffToNdjson(diffMaps(networkMap([]), big)).split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toBe('')
    expect(JSON.parse(lines[0]!)).toEqual({
      change: 'new',
      scope: 'edge',
      edge: 'a->b',
      from: 'a',
      fromLabel: 'a',
      to: 'b',
      toLabel: 'b',
      services: [
        {
          protocol: 6,
          port: 443,
          label: 'tcp/443',
          action: 'ACCEPT',
          before: { bytes: 0, packets: 0 },
          after: { bytes: String(2n ** 60n), packets: String(2n ** 60n / 10n + 1n) },
        },
      ],
      before: { bytes: 0, packets: 0 },
      after: { bytes: String(2n ** 60n), packets: String(2n ** 60n / 10n + 1n) },
    })
    const all = diffToNdjson(diffMaps(before, after)).trimEnd().split('\n').map((line) => JSON.parse(line) as MapChange)
    expect(all.map((c) => `${c.change} ${c.edge}`)).toEqual(diffMaps(before, after).changes.map((c) => `${c.change} ${c.edge}`))
  })
})
