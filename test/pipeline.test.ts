import type { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import {
  byRegion,
  byTime,
  concatBodies,
  digest,
  DOT_ATTRIBUTE_PREFIX,
  filterLogFiles,
  FlowLogError,
  listLogFiles,
  prefetch,
  toDot,
} from 'vpcflow'
import { fileKey, gzipLog, HEADER, type FileSpec } from './support/flowLogs.js'
import { startProxy, type Proxy } from './support/proxy.js'
import { closeAll, createBucket, putObjects, s3Client, startS3rver, type S3Server, type TestObject } from './support/s3.js'

const BUCKET = 'pipeline-flow-logs'
const CORRUPT = 'corrupt-flow-logs'

let s3: S3Server
let proxy: Proxy
let direct: S3Client
let client: S3Client

const A = '123456789010'
const B = '210987654321'
const ENI_A = 'eni-0a1b2c3d4e5f60001'
const ENI_B = 'eni-0f0e0d0c0b0a90002'
const FL_A = 'fl-0a1b2c3d4e5f60001'
const FL_B = 'fl-0f0e0d0c0b0a90002'

/** 2024-05-01T10:00:00Z in epoch seconds. */
const T10 = 1_714_557_600

const at = (hh: number, mm: number): Date => new Date(Date.UTC(2024, 4, 1, hh, mm))

interface Upload {
  readonly spec: FileSpec
  readonly records: string[]
  /** Whether byTime(10:00, 11:00) and byRegion('us-east-1') keep it. */
  readonly kept: boolean
}

// The pipeline keeps us-east-1 files of 10:00 to 11:00 (both inclusive).
const uploads: Upload[] = [
  {
    spec: { account: A, region: 'us-east-1', flowLogId: FL_A, time: at(10, 0), hash: 'a1a1a1a1', layout: 'default' },
    records: [
      `2 ${A} ${ENI_A} 10.0.1.10 10.0.2.20 49152 443 6 10 1200 ${T10} ${T10 + 60} ACCEPT OK`,
      `2 ${A} ${ENI_A} 10.0.2.20 10.0.1.10 443 49152 6 8 6400 ${T10} ${T10 + 60} ACCEPT OK`,
      `2 ${A} ${ENI_A} 203.0.113.5 10.0.1.10 51234 22 6 3 180 ${T10 + 10} ${T10 + 70} REJECT OK`,
      `2 ${A} ${ENI_A} - - - - - - - ${T10} ${T10 + 60} - NODATA`,
    ],
    kept: true,
  },
  {
    spec: { account: A, region: 'us-east-1', flowLogId: FL_A, time: at(10, 5), hash: 'a2a2a2a2', layout: 'hourly' },
    records: [
      `2 ${A} ${ENI_A} 10.0.1.10 10.0.2.20 49153 443 6 5 800 ${T10 + 300} ${T10 + 360} ACCEPT OK`,
      `2 ${A} ${ENI_A} 203.0.113.5 10.0.1.10 51240 22 6 2 120 ${T10 + 310} ${T10 + 370} REJECT OK`,
    ],
    kept: true,
  },
  {
    spec: { account: B, region: 'us-east-1', flowLogId: FL_B, time: at(10, 10), hash: 'b1b1b1b1', layout: 'hive' },
    records: [
      `2 ${B} ${ENI_B} 10.1.0.5 10.1.0.6 33000 5432 6 100 50000 ${T10 + 100} ${T10 + 160} ACCEPT OK`,
      `2 ${B} ${ENI_B} 10.1.0.5 10.1.0.6 33001 5432 6 50 25000 ${T10 + 120} ${T10 + 180} ACCEPT OK`,
      `2 ${B} ${ENI_B} 10.1.0.6 10.1.0.5 5432 33000 6 90 9000 ${T10 + 100} ${T10 + 160} ACCEPT OK`,
      `2 ${B} ${ENI_B} - - - - - - - ${T10 + 100} ${T10 + 160} - SKIPDATA`,
    ],
    kept: true,
  },
  {
    // At the end of the window, which is inclusive.
    spec: { account: B, region: 'us-east-1', flowLogId: FL_B, time: at(11, 0), hash: 'b2b2b2b2', layout: 'hive-hourly' },
    records: [`2 ${B} ${ENI_B} 10.1.0.6 10.1.0.5 5432 33002 6 10 1000 ${T10 + 3600} ${T10 + 3660} ACCEPT OK`],
    kept: true,
  },
  {
    // Another region.
    spec: { account: A, region: 'eu-west-1', flowLogId: FL_A, time: at(10, 0), hash: 'c1c1c1c1', layout: 'default' },
    records: [`2 ${A} ${ENI_A} 10.0.1.10 10.0.2.20 49999 443 6 1000 1000000 ${T10} ${T10 + 60} ACCEPT OK`],
    kept: false,
  },
  {
    // Before the window.
    spec: { account: A, region: 'us-east-1', flowLogId: FL_A, time: at(9, 55), hash: 'c2c2c2c2', layout: 'default' },
    records: [`2 ${A} ${ENI_A} 10.0.1.10 10.0.2.20 49998 443 6 7 7000 ${T10 - 300} ${T10 - 240} ACCEPT OK`],
    kept: false,
  },
  {
    // After the window.
    spec: { account: B, region: 'us-east-1', flowLogId: FL_B, time: at(11, 5), hash: 'c3c3c3c3', layout: 'hive-hourly' },
    records: [`2 ${B} ${ENI_B} 10.1.0.5 10.9.9.9 40000 80 6 1 60 ${T10 + 3900} ${T10 + 3960} ACCEPT OK`],
    kept: false,
  },
]

/**
 * The digest of the kept files, worked out by hand: records equal but for packets, bytes,
 * start, end and the ephemeral port (the larger one, made 0) are summed; NODATA and
 * SKIPDATA records are dropped; every line spans the earliest start (10:00:00, first file)
 * to the latest end (11:01:00, the 11:00 file); lines sorted.
 */
const EXPECTED_DIGEST = [
  HEADER,
  `2 ${A} ${ENI_A} 10.0.1.10 10.0.2.20 0 443 6 15 2000 1714557600 1714561260 ACCEPT OK`,
  `2 ${A} ${ENI_A} 10.0.2.20 10.0.1.10 443 0 6 8 6400 1714557600 1714561260 ACCEPT OK`,
  `2 ${A} ${ENI_A} 203.0.113.5 10.0.1.10 0 22 6 5 300 1714557600 1714561260 REJECT OK`,
  `2 ${B} ${ENI_B} 10.1.0.5 10.1.0.6 0 5432 6 150 75000 1714557600 1714561260 ACCEPT OK`,
  `2 ${B} ${ENI_B} 10.1.0.6 10.1.0.5 5432 0 6 100 10000 1714557600 1714561260 ACCEPT OK`,
]

/** The edges those lines make, in that order. */
const EXPECTED_EDGES = [
  { from: '10.0.1.10', to: '10.0.2.20', color: 'green', account: A, srcport: '0', dstport: '443', packets: '15', bytes: '2000' },
  { from: '10.0.2.20', to: '10.0.1.10', color: 'green', account: A, srcport: '443', dstport: '0', packets: '8', bytes: '6400' },
  { from: '203.0.113.5', to: '10.0.1.10', color: 'red', account: A, srcport: '0', dstport: '22', packets: '5', bytes: '300' },
  { from: '10.1.0.5', to: '10.1.0.6', color: 'green', account: B, srcport: '0', dstport: '5432', packets: '150', bytes: '75000' },
  { from: '10.1.0.6', to: '10.1.0.5', color: 'green', account: B, srcport: '5432', dstport: '0', packets: '100', bytes: '10000' },
]

const objects: TestObject[] = [
  ...uploads.map(({ spec, records }) => ({ key: fileKey(spec), body: gzipLog(records) })),
  {
    key: `AWSLogs/${A}/CloudTrail/us-east-1/2024/05/01/${A}_CloudTrail_us-east-1_20240501T1000Z_Xk3p9QbR2mT7vW1z.json.gz`,
    body: gzipLog(['{"Records":[]}']),
  },
]

const goodSpec: FileSpec = { account: A, region: 'us-east-1', flowLogId: FL_A, time: at(10, 0), hash: 'd1d1d1d1' }
const corruptSpec: FileSpec = { ...goodSpec, time: at(10, 5), hash: 'd2d2d2d2' }

beforeAll(async () => {
  s3 = await startS3rver()
  proxy = await startProxy(s3.endpoint)
  direct = s3Client(s3.endpoint)
  client = s3Client(proxy.endpoint)
  await createBucket(direct, BUCKET)
  await putObjects(direct, BUCKET, objects)

  await createBucket(direct, CORRUPT)
  const good = gzipLog(uploads[0]!.records)
  // Gzip magic and a valid start, cut off before the end of the deflate stream and the trailer.
  const corrupt = gzipLog(uploads[2]!.records).subarray(0, 40)
  await putObjects(direct, CORRUPT, [
    { key: fileKey(goodSpec), body: good },
    { key: fileKey(corruptSpec), body: corrupt },
  ])
})

afterAll(() => closeAll(client, direct, proxy, s3))

beforeEach(() => {
  proxy.reset()
})

async function text(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  let all = ''
  const decoder = new TextDecoder()
  for await (const chunk of chunks) all += decoder.decode(chunk, { stream: true })
  return all + decoder.decode()
}

/** The whole pipeline, up to the digest. */
const digested = (bucket: string) =>
  pipe(
    listLogFiles({ client, bucket }),
    filterLogFiles(byTime(at(10, 0), at(11, 0)), byRegion('us-east-1')),
    prefetch({ client, concurrency: 3 }),
    concatBodies(),
    digest(),
  )

/** Reads the edges and nodes of a DOT graph as toDot writes it: one statement a line. */
function parseDot(dot: string): { name: string; edges: Array<Record<string, string>>; nodes: string[] } {
  const lines = dot.split('\n')
  const name = /^digraph "([^"]*)" \{$/.exec(lines[0] ?? '')?.[1] ?? ''
  const edges: Array<Record<string, string>> = []
  const nodes: string[] = []
  for (const line of lines.slice(1)) {
    const edge = /^ {2}"([^"]*)" -> "([^"]*)" \[(.*)\];$/.exec(line)
    if (edge) {
      const attributes: Record<string, string> = { from: edge[1]!, to: edge[2]! }
      for (const [, key, quoted, bare] of edge[3]!.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\w+))/g)) {
        attributes[key!] = quoted ?? bare!
      }
      edges.push(attributes)
      continue
    }
    const node = /^ {2}"([^"]*)" \[label="([^"]*)"\];$/.exec(line)
    if (node) {
      expect(node[2]).toBe(node[1])
      nodes.push(node[1]!)
    }
  }
  expect(lines.at(-2)).toBe('}')
  expect(lines.at(-1)).toBe('')
  return { name, edges, nodes }
}

describe('the whole pipeline over HTTP', () => {
  test('lists, filters, fetches, gunzips and digests the kept files into the expected lines', async () => {
    expect(await text(digested(BUCKET))).toBe(EXPECTED_DIGEST.map((line) => `${line}\n`).join(''))

    // Only the kept files were fetched: filtering comes before fetching.
    const kept = uploads.filter((upload) => upload.kept).map((upload) => fileKey(upload.spec))
    expect(proxy.requestsFor('GetObject').map((request) => request.key).sort()).toEqual([...kept].sort())
  })

  test('draws the digest as DOT: an edge per line, a node per address', async () => {
    const dot = parseDot(await text(pipe(digested(BUCKET), toDot())))
    expect(dot.name).toBe('vpcflow')
    const p = DOT_ATTRIBUTE_PREFIX
    expect(
      dot.edges.map((edge) => ({
        from: edge.from,
        to: edge.to,
        color: edge.color,
        account: edge[`${p}account_id`],
        srcport: edge[`${p}srcport`],
        dstport: edge[`${p}dstport`],
        packets: edge[`${p}packets`],
        bytes: edge[`${p}bytes`],
      })),
    ).toEqual(EXPECTED_EDGES)
    for (const edge of dot.edges) {
      expect(edge[`${p}srcaddr`]).toBe(edge.from)
      expect(edge[`${p}dstaddr`]).toBe(edge.to)
      expect(edge[`${p}start`]).toBe('1714557600')
      expect(edge[`${p}end`]).toBe('1714561260')
    }
    expect(dot.nodes).toEqual(['10.0.1.10', '10.0.2.20', '10.1.0.5', '10.1.0.6', '203.0.113.5'])
  })

  test('a corrupt gzip object makes the pipeline reject with an error naming its s3://bucket/key', async () => {
    const url = `s3://${CORRUPT}/${fileKey(corruptSpec)}`
    const error = await text(digested(CORRUPT)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as FlowLogError).message).toContain(url)
    expect((error as FlowLogError).object).toBe(url)

    const drawing = await text(pipe(digested(CORRUPT), toDot())).catch((e: unknown) => e)
    expect(drawing).toBeInstanceOf(FlowLogError)
    expect((drawing as FlowLogError).message).toContain(url)
  })
})
