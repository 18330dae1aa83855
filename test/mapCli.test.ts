/**
 * The map on the command line: what `render` draws by default, judged by parsing its SVG
 * (shape, sizes, one edge per pair and action) on the bundled sample and on a generated
 * three-tier bucket; `render --records`; `map` as DOT and as JSON; --group-by, --keep-public,
 * --names from a file and from EC2.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Graphviz } from '@hpcc-js/wasm-graphviz'
import { pipe } from 'it-pipe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildNetworkMap, digest, listLocalLogFiles, prefetch, type NetworkMap } from 'vpcflow'
import { writeThreeTierBucket } from '../examples/make-three-tier-bucket.js'
import { ROOT, runInProcess, type CliResult } from './support/cli.js'
import { startEc2Server } from './support/ec2.js'
import { svgShape, svgTexts, type SvgShape } from './support/svg.js'

const SAMPLE = join(ROOT, 'examples', 'sample-bucket')
let dir: string
let threeTier: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vpcflow-map-'))
  threeTier = join(dir, 'three-tier')
  writeThreeTierBucket(threeTier)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** Runs the command and expects it to succeed with nothing on standard error. */
async function ok(args: string[]): Promise<CliResult> {
  const result = await runInProcess(args)
  expect(result.stderr, result.stderr).toBe('')
  expect(result.code).toBe(0)
  return result
}

async function rendered(source: string, ...options: string[]): Promise<{ svg: string; shape: SvgShape }> {
  const output = join(dir, `${Math.random().toString(36).slice(2)}.svg`)
  await ok(['render', source, '-q', '-o', output, ...options])
  const svg = await readFile(output, 'utf8')
  return { svg, shape: svgShape(svg) }
}

/** The map of a folder as the library builds it, for comparing with what the command did. */
async function mapOf(folder: string, options: Parameters<typeof buildNetworkMap>[1] = {}): Promise<NetworkMap> {
  return buildNetworkMap(pipe(listLocalLogFiles({ dir: folder }), prefetch(), digest()), options)
}

/** The targets of a picture a person can read: near a screen's shape, not too large, text not too small, one edge per pair and action. */
function expectReadable(shape: SvgShape): void {
  const ratio = shape.width / shape.height
  expect(ratio, `${shape.width} x ${shape.height}`).toBeGreaterThanOrEqual(1 / 3)
  expect(ratio, `${shape.width} x ${shape.height}`).toBeLessThanOrEqual(3)
  expect(Math.max(shape.width, shape.height)).toBeLessThanOrEqual(2500)
  expect(shape.smallestText).toBeGreaterThanOrEqual(8)
  const pairs = shape.edges.map((edge) => `${edge.title} ${edge.color}`)
  expect(new Set(pairs).size).toBe(pairs.length)
}

describe('render draws the map', () => {
  test('of the bundled sample: near a screen\'s shape, every node and edge of the model drawn once', async () => {
    const { shape } = await rendered(SAMPLE)
    expectReadable(shape)
    const map = await mapOf(SAMPLE)
    expect([...shape.nodes].sort()).toEqual(map.nodes.map((node) => node.id).sort())
    expect(shape.edges.map((edge) => edge.title).sort()).toEqual(map.edges.map((edge) => `${edge.from}->${edge.to}`).sort())
    expect(map.edges.length).toBeGreaterThan(50)
  })

  test('of a three-tier application, named from its interfaces: tiers, the outside world folded, the scans one red edge per host', async () => {
    const { svg, shape } = await rendered(threeTier, '--names', join(threeTier, 'network-interfaces.json'))
    expectReadable(shape)
    const texts = svgTexts(svg)
    for (const name of ['web-1 (i-01f1e2d3c4b5a6978)', 'app-3 (i-06f1e2d3c4b5a6978)', 'RDS', 'NAT gateway nat-0c50d5961bcb2d47b', 'ELB app/shop/50dc6c495c0c9188', 'S3']) {
      expect(texts).toContain(name)
    }
    // one edge from the internet to every host it reached, red where it only scanned
    const fromInternet = shape.edges.filter((edge) => edge.title.startsWith('internet:in->'))
    expect(fromInternet).toHaveLength(10)
    expect(fromInternet.filter((edge) => edge.color === '#c62828')).toHaveLength(8)
    expect(texts.some((text) => /^REJECT, \d+ packets, \d+ sources$/.test(text))).toBe(true)
    expect(texts.filter((text) => text.startsWith('vpcflow map of '))).toHaveLength(1)
  })

  test('--group-by vpc draws just the VPCs and the outside world', async () => {
    const { shape } = await rendered(threeTier, '--group-by', 'vpc')
    expect([...shape.nodes].sort()).toEqual(['aws:S3', 'internet:in', 'internet:out', 'vpc-0a1b2c3d4e5f67890'])
    expect(shape.smallestText).toBeGreaterThanOrEqual(8)
    expect(shape.width / shape.height).toBeLessThanOrEqual(3) // stretched: alone it comes out some 5:1
  })

  test('--records draws the digest line by line, as before', async () => {
    const { shape } = await rendered(SAMPLE, '--records')
    const digestLines = (await ok(['digest', SAMPLE])).stdout.split('\n').filter((line) => line && !line.startsWith('version'))
    expect(shape.edges).toHaveLength(digestLines.length)
  })

  test('--dot writes the map\'s DOT, which Graphviz reads', async () => {
    const dot = join(dir, 'map.dot')
    const { shape } = await rendered(threeTier, '--dot', dot)
    const graphviz = await Graphviz.load()
    expect(svgShape(graphviz.dot(await readFile(dot, 'utf8'), 'svg')).edges).toHaveLength(shape.edges.length)
  })
})

describe('vpcflow map', () => {
  test('--json prints the model the library builds, counts past 2^53 as strings', async () => {
    const { stdout } = await ok(['map', threeTier, '--json', '--group-by', 'subnet'])
    const printed = JSON.parse(stdout) as NetworkMap
    const built = await mapOf(threeTier, { groupBy: 'subnet', source: threeTier })
    expect(printed).toEqual(JSON.parse(JSON.stringify(built)))
    expect(printed.nodes.map((node) => node.id)).toEqual(['aws:S3', 'internet:in', 'internet:out', 'subnet-0aa11bb22cc33dd44', 'subnet-0bb22cc33dd44ee55', 'subnet-0cc33dd44ee55ff66', 'subnet-0dd44ee55ff66aa77'])
    expect(printed.clusters).toEqual([{ id: 'vpc-0a1b2c3d4e5f67890', label: 'vpc-0a1b2c3d4e5f67890', kind: 'vpc' }])
    const big = `2 111122223333 eni-a 10.0.1.5 10.0.2.9 0 443 6 1 ${2n ** 60n} 1714521600 1714525200 ACCEPT OK\n`
    const fromStdin = await runInProcess(['map', '-', '--json'], { input: big })
    expect(JSON.parse(fromStdin.stdout).edges[0].forward.accepted.bytes).toBe(String(2n ** 60n))
  })

  test('a map of more than 1,000 edges is drawn where the page lays it out, all of it, with a word on standard error', async () => {
    // 1,500 conversations between 60 clients and 60 servers: Graphviz's layered layout takes minutes on such a map.
    const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'
    const lines = Array.from({ length: 1500 }, (_, i) => `2 123456789012 eni-0a 10.0.1.${i % 60} 10.0.2.${(i * 7 + Math.floor(i / 60)) % 60} 40000 ${443 + (i % 3)} 6 1 100 1000 1060 ACCEPT OK`)
    const file = join(dir, 'large-map.log')
    await writeFile(file, [header, ...lines].join('\n') + '\n')
    const [output, dot] = [join(dir, 'large-map.svg'), join(dir, 'large-map.dot')]
    const result = await runInProcess(['render', file, '-o', output, '--dot', dot])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/^vpcflow: the graph has 1\d{3} edges, more than 1000: it is laid out force-directed, without its clusters, and hard to read; try --group-by subnet, --top 200, or the page \(-o map\.html\)$/m)
    const map = await buildNetworkMap([await readFile(file, 'utf8')])
    expect(map.edges.length).toBeGreaterThan(1000)
    const shape = svgShape(await readFile(output, 'utf8'))
    expect([...shape.nodes].sort()).toEqual(map.nodes.map((node) => node.id).sort())
    expect(shape.edges.map((edge) => edge.title).sort()).toEqual(map.edges.map((edge) => `${edge.from}->${edge.to}`).sort())
    // every node where the layout put it, for Graphviz to keep
    expect((await readFile(dot, 'utf8')).match(/ \[pos="-?[\d.]+,-?[\d.]+", /g)).toHaveLength(map.nodes.length)
  })

  test('--keep-public keeps each public address as a node', async () => {
    const { stdout } = await ok(['map', threeTier, '--json', '--keep-public'])
    const kinds = (JSON.parse(stdout) as NetworkMap).nodes.map((node) => node.kind)
    expect(kinds).not.toContain('internet')
    expect(kinds.filter((kind) => kind === 'public').length).toBeGreaterThan(400)
  })

  test('without --json it prints the map as DOT', async () => {
    const { stdout } = await ok(['map', SAMPLE, '--top', '5'])
    expect(stdout).toMatch(/^digraph "vpcflow" \{/)
    expect(svgShape((await Graphviz.load()).dot(stdout, 'svg')).edges).toHaveLength(5)
  })

  test('a grouping it cannot make is said on standard error, and the map falls back to cidr/24', async () => {
    const result = await runInProcess(['map', SAMPLE, '--json', '--group-by', 'subnet'])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/^vpcflow: \d+ of the private addresses were never an interface's own address in the records: grouped by cidr\/24 \(cidr\/64 for IPv6\) instead of subnet\n$/)
    expect((JSON.parse(result.stdout) as NetworkMap).nodes.some((node) => node.id.endsWith('.0/24'))).toBe(true)
  })

  test('usage errors: a grouping that is none, exit 2 in one line', async () => {
    const result = await runInProcess(['render', SAMPLE, '--group-by', 'host'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('vpcflow: --group-by must be address, subnet, vpc, account or cidr/N (N from 0 to 128), got host (see vpcflow render --help)\n')
  })

  test('--names: a CSV; a bad line or a missing file is one line naming it, exit 1', async () => {
    const csv = join(dir, 'names.csv')
    await writeFile(csv, 'address,name\n10.0.2.11,app-one\n')
    const { stdout } = await ok(['map', threeTier, '--json', '--names', csv])
    expect((JSON.parse(stdout) as NetworkMap).nodes.find((node) => node.id === '10.0.2.11')!.label).toBe('app-one')
    await writeFile(csv, 'address,name\n10.0.2.11\n')
    const bad = await runInProcess(['map', threeTier, '--names', csv])
    expect([bad.code, bad.stderr]).toEqual([1, `vpcflow: ${csv} line 2: expected address,name (an IPv4 or IPv6 address, a comma, a name), got "10.0.2.11"\n`])
    const missing = await runInProcess(['map', threeTier, '--names', join(dir, 'none.json')])
    expect([missing.code, missing.stderr]).toEqual([1, `vpcflow: cannot read ${join(dir, 'none.json')}: no such file\n`])
  })

  test('--names ec2 asks EC2 (AWS_ENDPOINT_URL_EC2) in the regions of the log files', async () => {
    const { interfaces } = JSON.parse(JSON.stringify({ interfaces: JSON.parse(await readFile(join(threeTier, 'network-interfaces.json'), 'utf8')) })) as {
      interfaces: { NetworkInterfaces: unknown[] }
    }
    const ec2 = await startEc2Server(() => interfaces.NetworkInterfaces)
    const saved = { ...process.env }
    Object.assign(process.env, { AWS_ENDPOINT_URL_EC2: ec2.endpoint, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLETEST00000', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' })
    try {
      const { stdout } = await ok(['map', threeTier, '--json', '--names', 'ec2'])
      const labels = (JSON.parse(stdout) as NetworkMap).nodes.map((node) => node.label)
      expect(labels).toEqual(expect.arrayContaining(['web-1 (i-01f1e2d3c4b5a6978)', 'RDS', 'NAT gateway nat-0c50d5961bcb2d47b']))
      expect(new Set(ec2.requests.map((r) => r.region))).toEqual(new Set(['us-east-1']))
      expect(ec2.requests.length).toBeGreaterThan(1) // paged
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
      Object.assign(process.env, saved)
      await ec2.close()
    }
  })
})
