import { gzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { concatBodies, digest, FlowLogError, type FetchedLogFile } from 'vpcflow'
import {
  asAsync,
  collectText,
  fakeLogFile,
  fetched,
  linesOf,
  sample,
  seededRandom,
  shuffle,
  splitAt,
  splitRandomly,
  SAMPLES,
  ORIGINAL_README,
} from './support/text.js'

// Every expected line below was written by hand from the digest rules.

const V2_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'

/** The example of the original library's README. */
const README = ORIGINAL_README
const README_ACCEPT = '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 80 4000 1418530010 1818530070 ACCEPT OK'
const README_REJECT = '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 20 1000 1418530010 1818530070 REJECT OK'
/** Groups sort by the line without its aggregated fields: "... 0 80 6 ACCEPT OK" before "... 0 80 6 REJECT OK". */
const README_DIGEST = `${V2_HEADER}\n${README_ACCEPT}\n${README_REJECT}\n`

const NODATA = '2 123456789010 eni-1a2b3c4d - - - - - - - 1431280876 1431280934 - NODATA'

/** The original library's bidirectional case. */
const BIDIRECTIONAL = [
  V2_HEADER,
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20641 80 6 20 1000 1418530010 1418530070 ACCEPT OK',
  '2 123456789010 eni-abc123de 172.31.16.21 172.31.16.139 80 20641 6 20 1000 1518530010 1518530070 ACCEPT OK',
  NODATA,
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20441 80 6 20 1000 1618530010 1618530070 ACCEPT OK',
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20341 80 6 20 1000 1718530010 1718530070 REJECT OK',
  '2 123456789010 eni-abc123de 172.31.16.21 172.31.16.139 80 20341 6 20 1000 1818530010 1818530070 ACCEPT OK',
]
const BIDIRECTIONAL_DIGEST = [
  V2_HEADER,
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 40 2000 1418530010 1818530070 ACCEPT OK',
  '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 20 1000 1418530010 1818530070 REJECT OK',
  '2 123456789010 eni-abc123de 172.31.16.21 172.31.16.139 80 0 6 40 2000 1418530010 1818530070 ACCEPT OK',
]

// ---- The verbatim AWS samples, digested by hand ----

const NAT_HEADER = 'instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr'
const TGW_HEADER =
  'version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status'
const V5_HEADER =
  'version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status'
const TCP_HEADER =
  'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status'

/** default-v2.log: NODATA and SKIPDATA dropped; ICMP "0 0" keeps dstport 0; each record its own group. */
const v2SampleDigest = (start: string, end: string): string[] => [
  V2_HEADER,
  `2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 0 22 6 20 4249 ${start} ${end} ACCEPT OK`,
  `2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 ${start} ${end} REJECT OK`,
  `2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 0 3389 6 20 4249 ${start} ${end} REJECT OK`,
  `2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 0 22 6 54 8855 ${start} ${end} ACCEPT OK`,
  `2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 ${start} ${end} ACCEPT OK`,
]

/**
 * custom-v3-tcp-flags.log: two groups, one per direction.
 * 52.213.180.42 -> 10.0.0.62: bytes 568+100701+23294588+1260, packets 8+70+15774+17, flags 2|2|1|3.
 * 10.0.0.62 -> 52.213.180.42: bytes 376+632+63388+967, packets 7+12+1219+14, flags 18|18|1|19.
 */
const tcpSampleDigest = (start: string, end: string): string[] => [
  TCP_HEADER,
  `3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 10.0.0.62 52.213.180.42 5001 0 10.0.0.62 52.213.180.42 6 65363 1252 ${start} ${end} ACCEPT 19 OK`,
  `3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 52.213.180.42 10.0.0.62 0 5001 52.213.180.42 10.0.0.62 6 23397117 15869 ${start} ${end} ACCEPT 3 OK`,
]

/** custom-v3-transit-gateway.log: no packets, bytes, start or end; four groups. */
const TGW_SAMPLE_DIGEST = [
  TGW_HEADER,
  '3 eni-11111111111111111 123456789010 vpc-abcdefab012345678 subnet-11111111aaaaaaaaa - 10.40.1.175 10.40.2.236 0 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK',
  '3 eni-22222222222222222 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb - 10.40.2.236 10.40.2.31 80 0 6 19 IPv4 10.40.2.236 10.20.33.164 ACCEPT OK',
  '3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 10.20.33.164 10.40.2.236 0 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK',
  '3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 10.40.2.236 10.20.33.164 80 0 6 19 IPv4 10.40.2.236 10.20.33.164 ACCEPT OK',
]

/** custom-v5-service-path.log: two groups. */
const v5SampleDigest = (start: string, end: string): string[] => [
  V5_HEADER,
  `5 10.0.0.71 52.95.128.179 0 80 6 ${start} ${end} IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK`,
  `5 52.95.128.179 10.0.0.71 80 0 6 ${start} ${end} IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK`,
]

/** custom-nat-no-version.log: no aggregated fields, no log-status; four groups. */
const NAT_SAMPLE_DIGEST = [
  NAT_HEADER,
  '- eni-1235b8ca123456789 10.0.0.220 10.0.1.5 203.0.113.5 10.0.1.5',
  '- eni-1235b8ca123456789 10.0.0.220 203.0.113.5 10.0.0.220 203.0.113.5',
  '- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5',
  '- eni-1235b8ca123456789 203.0.113.5 10.0.0.220 203.0.113.5 10.0.0.220',
]


/**
 * All five samples in one stream: blocks in order of their header lines, and every line with
 * the overall window: earliest start 1418530010 (default-v2), latest end 1616729349 (v5).
 */
const ALL_SAMPLES_DIGEST = [
  ...NAT_SAMPLE_DIGEST,
  ...v2SampleDigest('1418530010', '1616729349'),
  ...TGW_SAMPLE_DIGEST,
  ...v5SampleDigest('1418530010', '1616729349'),
  ...tcpSampleDigest('1418530010', '1616729349'),
]

const text = (lines: readonly string[]): string => lines.map((line) => `${line}\n`).join('')

/** Digests chunks fed through an async iterable. */
function digestOf(chunks: Iterable<Uint8Array | string>): Promise<string> {
  return collectText(digest()(asAsync(chunks)))
}

/** The rejection of a digest. */
async function digestFailure(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): Promise<FlowLogError> {
  try {
    await collectText(digest()(chunks))
  } catch (error) {
    expect(error).toBeInstanceOf(FlowLogError)
    return error as FlowLogError
  }
  throw new Error('expected digest to reject')
}

/** A one-block digest compared without depending on the order of the group lines. */
function expectSameBlock(actual: string, expected: readonly string[]): void {
  expect(actual.endsWith('\n')).toBe(true)
  const lines = linesOf(actual)
  expect(lines[0]).toBe(expected[0])
  expect(lines.slice(1).sort()).toEqual(expected.slice(1).sort())
}

describe('digest: the original library’s cases', () => {
  test('README example: five records become two groups (4000 bytes, not 8000)', async () => {
    expectSameBlock(await digestOf([text(README)]), [V2_HEADER, README_ACCEPT, README_REJECT])
  })

  test('README example with its header line and a NODATA record', async () => {
    const input = text([V2_HEADER, README[0]!, README[1]!, NODATA, README[2]!, README[3]!, README[4]!])
    expectSameBlock(await digestOf([input]), [V2_HEADER, README_ACCEPT, README_REJECT])
  })

  test('bidirectional case: the two directions stay apart, the reverse becomes "80 0"', async () => {
    expectSameBlock(await digestOf([text(BIDIRECTIONAL)]), BIDIRECTIONAL_DIGEST)
  })

  test('the original’s bad data cases reject', async () => {
    const bad = [
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 NaN 80 6 20 1000 1418530010 1418530070 ACCEPT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 80 NaN 6 20 1000 1418530010 1418530070 ACCEPT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 65543 80 6 20 NaN 1418530010 1418530070 ACCEPT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 65543 80 6 NaN 1000 1418530010 1418530070 ACCEPT OK',
    ]
    for (const line of bad) {
      const error = await digestFailure([line])
      expect(error.line).toBe(1)
    }
  })
})

describe('digest: output order and determinism', () => {
  test('groups sort by their line without the aggregated fields, after the header', async () => {
    // By full line text REJECT ("... 0 80 6 20 1000 ...") would come first; by group key ACCEPT does.
    expect(await digestOf([text(README)])).toBe(README_DIGEST)
    expect(await digestOf([text(BIDIRECTIONAL)])).toBe(text(BIDIRECTIONAL_DIGEST))
  })

  test('every order of the README lines gives byte-identical output', async () => {
    const permutations = (items: string[]): string[][] =>
      items.length <= 1
        ? [items]
        : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
    const orders = permutations([...README, NODATA])
    expect(orders).toHaveLength(720)
    for (const order of orders) expect(await digestOf([text(order)])).toBe(README_DIGEST)
  })

  test('shuffled lines and files of all samples give byte-identical output', async () => {
    const random = seededRandom(7)
    const files = SAMPLES.map((name) => linesOf(sample(name)))
    for (let round = 0; round < 25; round++) {
      const shuffled = shuffle(files, random).map(([header, ...records]) => text([header!, ...shuffle(records, random)]))
      expect(await digestOf(shuffled)).toBe(text(ALL_SAMPLES_DIGEST))
    }
  })
})

describe('digest: any chunking', () => {
  const input = text([V2_HEADER, README[0]!, README[1]!, NODATA, README[2]!, README[3]!, README[4]!])
  const crlf = input.replaceAll('\n', '\r\n')

  test('CRLF line ends give the same digest', async () => {
    expect(await digestOf([crlf])).toBe(README_DIGEST)
  })

  test('a split at every single position (inside lines, fields and CRLF) as bytes', async () => {
    for (const source of [input, crlf]) {
      for (let cut = 0; cut <= Buffer.byteLength(source); cut++) {
        expect(await digestOf(splitAt(source, [cut]))).toBe(README_DIGEST)
      }
    }
  })

  test('a split at every position inside each CRLF as strings', async () => {
    let cut = crlf.indexOf('\r')
    while (cut >= 0) {
      expect(await digestOf([crlf.slice(0, cut + 1), crlf.slice(cut + 1)])).toBe(README_DIGEST)
      cut = crlf.indexOf('\r', cut + 1)
    }
  })

  test('random chunkings, bytes and strings mixed, including empty chunks', async () => {
    const random = seededRandom(42)
    for (let round = 0; round < 300; round++) {
      const source = round % 2 === 0 ? input : crlf
      const pieces = splitRandomly(source, random, 1 + Math.floor(random() * 40))
      const chunks = pieces.map((piece) => (random() < 0.3 ? Buffer.from(piece).toString('latin1') : piece))
      expect(await digestOf(chunks)).toBe(README_DIGEST)
    }
  })

  test('one byte per chunk', async () => {
    expect(await digestOf(splitAt(crlf, Array.from({ length: crlf.length }, (_, i) => i)))).toBe(README_DIGEST)
  })

  test('the samples in random chunks give the hand-made digest', async () => {
    const all = SAMPLES.map(sample).join('')
    const random = seededRandom(3)
    for (let round = 0; round < 50; round++) {
      expect(await digestOf(splitRandomly(all, random, 1 + Math.floor(random() * 60)))).toBe(text(ALL_SAMPLES_DIGEST))
    }
  })

  test('a multi-byte character split between chunks survives', async () => {
    const header = 'version srcaddr dstaddr ecs-cluster-name action log-status'
    const record = '7 10.0.0.1 10.0.0.2 café-clüster ACCEPT OK'
    const bytes = Buffer.from(text([header, record]))
    const inside = bytes.indexOf(Buffer.from('é')) + 1
    expect(await digestOf(splitAt(bytes, [inside]))).toBe(text([header, record]))
  })

  test('a last line without a newline is read', async () => {
    expect(await digestOf([README.join('\n')])).toBe(README_DIGEST)
  })
})

describe('digest: the default format', () => {
  test('text without a header is read as the default v2 layout and gets the v2 header', async () => {
    const output = await digestOf([text(README)])
    expect(linesOf(output)[0]).toBe(V2_HEADER)
  })

  test('header lines are not records; NODATA and SKIPDATA records are dropped, with their times', async () => {
    const input = text([
      V2_HEADER,
      '2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1000000000 1999999999 - SKIPDATA',
      '2 123456789010 eni-abc123de 10.0.0.1 10.0.0.2 49152 443 6 5 500 1500000000 1500000060 ACCEPT OK',
      '2 123456789010 eni-1a2b3c4d - - - - - - - 1000000000 1999999999 - NODATA',
      V2_HEADER,
    ])
    expect(await digestOf([input])).toBe(
      text([V2_HEADER, '2 123456789010 eni-abc123de 10.0.0.1 10.0.0.2 0 443 6 5 500 1500000000 1500000060 ACCEPT OK']),
    )
  })

  test('the ephemeral port is the larger one, compared as numbers; srcport when equal', async () => {
    const input = text([
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 9 10 6 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 1024 1023 6 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 1023 1024 6 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 443 443 6 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 0 1 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 65535 0 17 1 10 100 200 ACCEPT OK',
    ])
    expectSameBlock(await digestOf([input]), [
      V2_HEADER,
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 9 0 6 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 1023 6 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 1023 0 6 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 443 6 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 0 1 1 10 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 65535 0 17 1 10 100 200 ACCEPT OK', // a port 0 already: kept
    ])
  })

  test('records differing in any other field stay apart; packets and bytes are summed', async () => {
    const base = '2 111111111111 eni-a 10.0.0.1 10.0.0.2 40000 443 6 PACKETS BYTES START END ACCEPT OK'
    const record = (p: number, b: number, s: number, e: number, edit: (line: string) => string = (l) => l): string =>
      edit(base.replace('PACKETS', String(p)).replace('BYTES', String(b)).replace('START', String(s)).replace('END', String(e)))
    const input = text([
      record(1, 100, 300, 360),
      record(2, 200, 200, 260, (l) => l.replace('40000', '50000')), // only the ephemeral port differs: same group
      record(4, 400, 400, 460, (l) => l.replace('eni-a', 'eni-b')),
      record(8, 800, 500, 560, (l) => l.replace('111111111111', '222222222222')),
      record(16, 1600, 600, 660, (l) => l.replace(' 6 ', ' 17 ')),
      record(32, 3200, 700, 760, (l) => l.replace('ACCEPT', 'REJECT')),
      record(64, 6400, 800, 860, (l) => l.replace('10.0.0.2', '10.0.0.3')),
      record(128, 12800, 900, 960, (l) => l.replace(' 443 ', ' 8443 ')),
      record(256, 25600, 1000, 1060, (l) => l.replace('2 ', '3 ')),
      record(512, 51200, 150, 1100), // same group as the first two
    ])
    // Earliest start 150, latest end 1100, on every line.
    expectSameBlock(await digestOf([input]), [
      V2_HEADER,
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 443 6 515 51500 150 1100 ACCEPT OK',
      '2 111111111111 eni-b 10.0.0.1 10.0.0.2 0 443 6 4 400 150 1100 ACCEPT OK',
      '2 222222222222 eni-a 10.0.0.1 10.0.0.2 0 443 6 8 800 150 1100 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 443 17 16 1600 150 1100 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 443 6 32 3200 150 1100 REJECT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.3 0 443 6 64 6400 150 1100 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 8443 6 128 12800 150 1100 ACCEPT OK',
      '3 111111111111 eni-a 10.0.0.1 10.0.0.2 0 443 6 256 25600 150 1100 ACCEPT OK',
    ])
  })

  test('fields are split on runs of blanks (spaces, tabs); output uses single spaces', async () => {
    const input =
      '  2 123456789010\teni-abc123de \t 172.31.16.139   172.31.16.21 20641 80 6 20 1000 1418530010 1418530070 ACCEPT OK \t\r\n' +
      '2\t123456789010\teni-abc123de\t172.31.16.139\t172.31.16.21\t20541\t80\t6\t20\t1000\t1518530010\t1518530070\tACCEPT\tOK\n'
    expect(await digestOf([input])).toBe(
      text([V2_HEADER, '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 40 2000 1418530010 1518530070 ACCEPT OK']),
    )
  })

  test('default-v2.log sample', async () => {
    expect(await digestOf([sample('default-v2.log')])).toBe(text(v2SampleDigest('1418530010', '1477913820')))
  })

  test('sums past 2^53 stay exact', async () => {
    const line = (n: string): string => `2 111111111111 eni-a 10.0.0.1 10.0.0.2 40000 443 6 ${n} ${n} 100 200 ACCEPT OK`
    // 9 x 999999999999999 + 999999999999998 = 9999999999999989 (odd, so no double holds it)
    const nine = Array.from({ length: 9 }, () => line('999999999999999'))
    const expected = text([V2_HEADER, '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 443 6 9999999999999989 9999999999999989 100 200 ACCEPT OK'])
    expect(await digestOf([text([...nine, line('999999999999998')])])).toBe(expected)
    expect(await digestOf([text([line('999999999999998'), ...nine])])).toBe(expected)
    // 20 x 999999999999999 + 1 = 19999999999999981, with the 1 first, in the middle and last
    const twenty = Array.from({ length: 20 }, () => line('999999999999999'))
    const expected2 = text([V2_HEADER, '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 443 6 19999999999999981 19999999999999981 100 200 ACCEPT OK'])
    expect(await digestOf([text([line('1'), ...twenty])])).toBe(expected2)
    expect(await digestOf([text([...twenty.slice(0, 10), line('1'), ...twenty.slice(10)])])).toBe(expected2)
    expect(await digestOf([text([...twenty, line('1')])])).toBe(expected2)
    // among groups of plain sums, before and after it in key order
    const other = (source: string): string => `2 111111111111 eni-a ${source} 10.0.0.2 40000 443 6 5 50 100 200 ACCEPT OK`
    const withOthers = await digestOf([text([other('10.0.0.0'), ...nine, other('10.0.0.9'), line('999999999999998')])])
    expect(linesOf(withOthers)).toEqual([
      V2_HEADER,
      '2 111111111111 eni-a 10.0.0.0 10.0.0.2 0 443 6 5 50 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.1 10.0.0.2 0 443 6 9999999999999989 9999999999999989 100 200 ACCEPT OK',
      '2 111111111111 eni-a 10.0.0.9 10.0.0.2 0 443 6 5 50 100 200 ACCEPT OK',
    ])
  })
})

describe('digest: large inputs and outputs', () => {
  test('many groups (output well past 64 KiB) all come out, each once, sorted', async () => {
    // Record i: 10.<i>.0.1 -> 10.0.0.2 from port 40000+ to 443; every record its own group.
    const records = Array.from({ length: 3000 }, (_, i) => `2 123456789010 eni-abc123de 10.${i}.0.1 10.0.0.2 ${40000 + (i % 1000)} 443 6 1 ${i} ${1000 + i} ${2000 + i} ACCEPT OK`)
    const expected = Array.from({ length: 3000 }, (_, i) => `2 123456789010 eni-abc123de 10.${i}.0.1 10.0.0.2 0 443 6 1 ${i} 1000 4999 ACCEPT OK`)
    const output = await digestOf([text(shuffle(records, seededRandom(1)))])
    const lines = linesOf(output)
    expect(lines[0]).toBe(V2_HEADER)
    expect(lines).toHaveLength(3001)
    // The lines differ before their aggregated fields, so the group order is plain code-unit order here.
    expect(lines.slice(1)).toEqual([...expected].sort())
  })

  test('a table of many sorted chunks: every group once, in byte order, sums past 2^53 in each chunk exact, spilled or not, by one reader or two, in either window and with key fields', async () => {
    // 120,000 groups, some 15 MB of table: sorted a few MiB at a time, those chunks merged.
    // Keys of many lengths share long prefixes; each group is met twice, in two files, in
    // another order; one group in 997 has counts whose sum passes 2^53.
    const random = seededRandom(5)
    const groups = Array.from({ length: 120_000 }, (_, i) => {
      const eni = `eni-${(i % 37).toString(16).padStart(17, '0')}`
      const big = i % 997 === 0
      return { key: [`2 123456789012 ${eni} 10.${i % 251}.${(i >> 8) % 256}.${i % 7} 10.0.0.${i % 3}`, '0', String(i % 65536), '6'], packets: big ? 2 ** 53 - 5 : i, big }
    })
    const line = ({ key, packets }: (typeof groups)[number], start: number): string => [...key.slice(0, 4), packets, 1, start, start + 60, 'ACCEPT OK'].join(' ')
    const first = shuffle(groups.map((group) => line(group, 1000)), random)
    const second = shuffle(groups.map((group) => line(group, 2000)), random)
    const inputs = [text([V2_HEADER, ...first]), text([V2_HEADER, ...second])]
    const output = await digestOf(inputs)
    // spilled from tables of several chunks each, read by two readers: the same bytes, with
    // each window and some key fields too
    const runs: number[] = []
    expect(await collectText(digest({ maxMemory: 9 * 2 ** 20, onSpill: (run) => runs.push(run.groups) })(inputs))).toBe(output)
    expect(runs.length).toBeGreaterThan(1)
    const bodies = inputs.map((input, i) => fetched(fakeLogFile({ hash: `chunks${i}` }), input))
    expect(await collectText(digest({ workers: 2 })(bodies))).toBe(output)
    for (const options of [{ window: 'group' as const }, { keyFields: ['interface-id', 'srcaddr', 'dstport'] }]) {
      const held = await collectText(digest(options)(inputs))
      expect(await collectText(digest({ ...options, maxMemory: 9 * 2 ** 20 })(inputs)), JSON.stringify(options)).toBe(held)
      expect(await collectText(digest({ ...options, workers: 2, maxMemory: 9 * 2 ** 20 })(bodies)), JSON.stringify(options)).toBe(held)
    }
    // the reference: by the bytes of the key fields, sums doubled (as bigints), the overall window
    const keyOf = ({ key }: (typeof groups)[number]): string => `${key.join(' ')} ACCEPT OK`
    const expected = [...groups]
      .sort((a, b) => Buffer.compare(Buffer.from(keyOf(a)), Buffer.from(keyOf(b))))
      .map((group) => [...group.key, String(2n * BigInt(group.packets)), 2, 1000, 2060, 'ACCEPT OK'].join(' '))
    const lines = linesOf(output)
    expect(lines[0]).toBe(V2_HEADER)
    expect(lines.length - 1).toBe(groups.length)
    expect(lines.slice(1)).toEqual(expected)
    expect(lines.filter((l) => l.includes(` ${2n * BigInt(2 ** 53 - 5)} `)).length).toBe(groups.filter((g) => g.big).length)
  })

  test('groups whose lines are near the longest a line may be come out whole, among others', async () => {
    const long = (n: number): string => `2 123456789010 eni-${String(n).repeat(65_400)} 10.0.0.1 10.0.0.2 40000 443 6 1 10 100 200 ACCEPT OK`
    const short = (n: number): string => `2 123456789010 eni-${n} 10.0.0.1 10.0.0.2 40000 443 6 1 10 100 200 ACCEPT OK`
    const records = [long(1), short(1), long(2), long(2), short(3), long(3)]
    const lines = linesOf(await digestOf([text(records)]))
    const grouped = (record: string, times: number): string => record.replace(' 40000 ', ' 0 ').replace(' 1 10 ', ` ${times} ${10 * times} `)
    expect(lines).toEqual([V2_HEADER, grouped(short(1), 1), grouped(long(1), 1), grouped(long(2), 2), grouped(short(3), 1), grouped(long(3), 1)])
  })

  test('groups come out in byte order of their keys: a prefix first, long common prefixes, bytes past 127 last', async () => {
    const header = 'interface-id srcaddr packets'
    const prefix = 'eni-0123456789abcdef0123456789' // some 4 words in common
    const interfaces = [`${prefix}`, `${prefix}a`, `${prefix}ab`, `${prefix}abcdefgh`, `${prefix}abcdefghi`, `${prefix}b`, `${prefix}é`, `${prefix}z`, 'eni-0', 'eni-01', 'e']
    const keys = interfaces.flatMap((id) => [`${id} 10.0.0.1`, `${id} 10.0.0.10`, `${id} 10.0.0.2`])
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    const output = await digestOf([text([header, ...shuffle(keys, seededRandom(7)).map((key) => `${key} 1`)])])
    expect(linesOf(output)).toEqual([header, ...byBytes.map((key) => `${key} 1`)])
    // keys of 8 bytes and keys that differ in trailing NULs, which zero padding hides
    const nuls = ['10.0.0.1\0\0', '10.0.0.10', '10.0.0.1', '10.0.0.1\0']
    const sorted = await digestOf([text(['srcaddr packets', ...nuls.map((key) => `${key} 1`)])])
    expect(linesOf(sorted)).toEqual(['srcaddr packets', '10.0.0.1 1', '10.0.0.1\0 1', '10.0.0.1\0\0 1', '10.0.0.10 1'])
  })

  test('a format of 70 fields (known and unknown names) is grouped like any other', async () => {
    const extra = Array.from({ length: 56 }, (_, i) => `x${String(i).padStart(2, '0')}`)
    const header = [V2_HEADER, ...extra].join(' ')
    const values = extra.map((name) => `v-${name}`).join(' ')
    const input = text([
      header,
      `2 123456789010 eni-abc123de 10.0.0.1 10.0.0.2 40000 443 6 1 10 100 200 ACCEPT OK ${values}`,
      `2 123456789010 eni-abc123de 10.0.0.1 10.0.0.2 40001 443 6 2 20 150 250 ACCEPT OK ${values}`,
      `2 123456789010 eni-abc123de 10.0.0.1 10.0.0.2 40001 443 6 4 40 150 250 ACCEPT OK ${values.replace('v-x55', 'other')}`,
    ])
    expectSameBlock(await digestOf([input]), [
      header,
      `2 123456789010 eni-abc123de 10.0.0.1 10.0.0.2 0 443 6 3 30 100 250 ACCEPT OK ${values}`,
      `2 123456789010 eni-abc123de 10.0.0.1 10.0.0.2 0 443 6 4 40 100 250 ACCEPT OK ${values.replace('v-x55', 'other')}`,
    ])
  })

  test('a line with hundreds of fields rejects with its line number', async () => {
    const error = await digestFailure([text([README[0]!, Array.from({ length: 300 }, (_, i) => String(i)).join(' ')])])
    expect(error.line).toBe(2)
  })

  test('a start of 16 digits, past 2^53, amid plain lines rejects with its line number', async () => {
    const line = (start: string): string => `2 111111111111 eni-a 10.0.0.1 10.0.0.2 40000 443 6 1 1 ${start} 200 ACCEPT OK`
    const error = await digestFailure([text([V2_HEADER, line('100'), line('100'), line('9007199254740993'), line('100')])])
    expect(error.line).toBe(4)
    expect(error.message).toMatch(/start is out of range/)
  })

  test('values as large as the sums digest writes are read back', async () => {
    const header = 'srcaddr dstaddr bytes'
    const input = text([header, '10.0.0.1 10.0.0.2 9999999999999989', '10.0.0.1 10.0.0.2 12'])
    expect(await digestOf([input])).toBe(text([header, '10.0.0.1 10.0.0.2 10000000000000001']))
    // among plain lines, where numbers of up to 15 digits are read in bulk: 16 digits and more are not lost
    const amid = text([header, '10.0.0.1 10.0.0.2 1', '10.0.0.1 10.0.0.2 9999999999999989', '10.0.0.1 10.0.0.2 00000000000000012', '10.0.0.1 10.0.0.2 1'])
    expect(await digestOf([amid])).toBe(text([header, '10.0.0.1 10.0.0.2 10000000000000003']))
  })
})

describe('digest: custom formats', () => {
  test('tcp-flags of any size are OR-ed whole, also on a line whose count passes 2^53', async () => {
    const header = 'srcaddr tcp-flags packets'
    const input = text([header, '10.0.0.1 2147483648 1', '10.0.0.1 1 1', '10.0.0.1 4294967296 1', '10.0.0.2 4294967297 9007199254740993', '10.0.0.2 2 1'])
    expect(await digestOf([input])).toBe(text([header, '10.0.0.1 6442450945 3', '10.0.0.2 4294967299 9007199254740994']))
  })

  test('a record without a start (-) widens nothing: the window is that of the records that have one', async () => {
    const header = 'srcaddr dstaddr start end'
    const records = ['10.0.0.1 10.0.0.2 300 400', '10.0.0.3 10.0.0.2 - 500', '10.0.0.4 10.0.0.2 350 450']
    const groups = (window: string) => records.map((record) => record.split(' ').slice(0, 2).join(' ') + ' ' + window)
    expect(await digestOf([text([header, ...records])])).toBe(text([header, ...groups('300 500')]))
    const own = await collectText(digest({ window: 'group' })(asAsync([text([header, ...records])])))
    expect(own).toBe(text([header, ...records]))
  })

  test('custom-v3-tcp-flags.log: tcp-flags are OR-ed, bytes and packets summed, both directions apart', async () => {
    expect(await digestOf([sample('custom-v3-tcp-flags.log')])).toBe(text(tcpSampleDigest('1566848875', '1566933193')))
  })

  test('custom-v3-transit-gateway.log: without packets, bytes, start and end', async () => {
    expect(await digestOf([sample('custom-v3-transit-gateway.log')])).toBe(text(TGW_SAMPLE_DIGEST))
  })

  test('custom-v5-service-path.log', async () => {
    expect(await digestOf([sample('custom-v5-service-path.log')])).toBe(text(v5SampleDigest('1616729292', '1616729349')))
  })

  test('custom-nat-no-version.log: no ports, no log-status, nothing to aggregate', async () => {
    expect(await digestOf([sample('custom-nat-no-version.log')])).toBe(text(NAT_SAMPLE_DIGEST))
  })

  test('every present field is part of the group key except the aggregated ones', async () => {
    const header = 'version srcaddr dstaddr srcport dstport protocol start end packets bytes tcp-flags flow-direction traffic-path log-status'
    const input = text([
      header,
      '5 10.0.0.71 52.95.128.179 34210 443 6 100 160 7 471 2 egress 8 OK',
      '5 10.0.0.71 52.95.128.179 34999 443 6 90 150 3 29 16 egress 8 OK', // same group
      '5 10.0.0.71 52.95.128.179 34210 443 6 100 170 1 1 1 ingress 8 OK', // flow-direction differs
      '5 10.0.0.71 52.95.128.179 34210 443 6 100 180 1 1 1 egress 1 OK', // traffic-path differs
      '5 10.0.0.71 52.95.128.179 34210 443 6 100 190 1 1 1 egress 8 NODATA', // dropped
    ])
    expectSameBlock(await digestOf([input]), [
      header,
      '5 10.0.0.71 52.95.128.179 0 443 6 90 180 10 500 18 egress 8 OK',
      '5 10.0.0.71 52.95.128.179 0 443 6 90 180 1 1 1 ingress 8 OK',
      '5 10.0.0.71 52.95.128.179 0 443 6 90 180 1 1 1 egress 1 OK',
    ])
  })

  test('a format with other field order is written back in that order', async () => {
    const header = 'srcaddr dstaddr bytes packets action dstport srcport'
    const input = text([header, '10.0.0.1 10.0.0.2 10 1 ACCEPT 443 50000', '10.0.0.1 10.0.0.2 20 2 ACCEPT 443 50001'])
    expect(await digestOf([input])).toBe(text([header, '10.0.0.1 10.0.0.2 30 3 ACCEPT 443 0']))
  })

  test('one stream mixing formats: one block per format, blocks in order of their header lines', async () => {
    expect(await digestOf(SAMPLES.map(sample))).toBe(text(ALL_SAMPLES_DIGEST))
    expect(await digestOf([SAMPLES.map(sample).reverse().join('')])).toBe(text(ALL_SAMPLES_DIGEST))
  })

  test('a headerless block first is read as v2; later blocks follow their own header', async () => {
    const input = [text(README), sample('custom-v5-service-path.log')]
    expect(await digestOf(input)).toBe(
      text([
        V2_HEADER,
        '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 80 4000 1418530010 1818530070 ACCEPT OK',
        '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 20 1000 1418530010 1818530070 REJECT OK',
        ...v5SampleDigest('1418530010', '1818530070'),
      ]),
    )
  })

  test('the same format in several files is one block', async () => {
    const v2 = sample('default-v2.log')
    const [header, ...records] = linesOf(v2)
    expect(await digestOf([text([header!, ...records.slice(0, 3)]), text([header!, ...records.slice(3)])])).toBe(
      text(v2SampleDigest('1418530010', '1477913820')),
    )
  })
})

describe('digest: files from concatBodies', () => {
  const bucket = 'flow-bucket'
  const file = (name: string) => fakeLogFile({ bucket, key: `AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/${name}` })
  const gz = (body: string): Uint8Array => new Uint8Array(gzipSync(body))
  const through = (items: FetchedLogFile[]): Promise<string> => collectText(digest()(concatBodies()(asAsync(items))))

  test('gzip files of mixed formats in any order give the same digest', async () => {
    const random = seededRandom(11)
    const items = SAMPLES.map((name) => fetched(file(name), gz(sample(name))))
    for (let round = 0; round < 10; round++) {
      expect(await through(shuffle(items, random))).toBe(text(ALL_SAMPLES_DIGEST))
    }
  })

  test('each file has its own format: a headerless file after a v5 file is read as v2', async () => {
    const items = [
      fetched(file('a.log.gz'), gz(README.slice(0, 2).join('\n'))),
      fetched(file('b.log.gz'), gz(sample('custom-v5-service-path.log'))),
      fetched(file('c.log.gz'), gz(text(README.slice(2)))),
    ]
    expect(await through(items)).toBe(
      text([V2_HEADER, README_ACCEPT, README_REJECT, ...v5SampleDigest('1418530010', '1818530070')]),
    )
  })

  test('a bad line names s3://bucket/key and its line number within that file', async () => {
    const badBytes = '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20641 80 6 20 12x4 1418530010 1418530070 ACCEPT OK'
    const items = [
      fetched(file('a.log.gz'), gz(text([V2_HEADER, ...README]))),
      fetched(file('b.log.gz'), gz(text([V2_HEADER, README[0]!, README[1]!, badBytes, README[2]!]))),
    ]
    const error = await through(items).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    const flowLogError = error as FlowLogError
    const object = `s3://${bucket}/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/b.log.gz`
    expect(flowLogError.object).toBe(object)
    expect(flowLogError.line).toBe(4)
    expect(flowLogError.message).toContain(object)
    expect(flowLogError.message).toMatch(/line 4\b/)
  })

  test('line numbers count within the file across decompressed chunks', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => README[0]!.replace('20641', String(10000 + i)))
    many[2499] = README[0]!.replace(' ACCEPT OK', ' OK') // 13 fields on line 2501 (the header is line 1)
    const items = [
      fetched(file('a.log.gz'), gz(text(README))),
      fetched(file('big.log.gz'), gz(text([V2_HEADER, ...many]))),
    ]
    const error = await through(items).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as FlowLogError).line).toBe(2501)
    expect((error as FlowLogError).message).toContain(`s3://${bucket}/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/big.log.gz`)
  })

  test('a file whose last line lacks a newline does not merge with the next file', async () => {
    const items = [fetched(file('a.log.gz'), gz(README[0]!)), fetched(file('b.log.gz'), gz(README.slice(1).join('\n')))]
    expect(await through(items)).toBe(README_DIGEST)
  })
})

describe('digest: errors', () => {
  test('too few fields reject with the line number', async () => {
    const short = '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20641 80 6 20 1000 1418530010 1418530070 ACCEPT'
    const error = await digestFailure([text([V2_HEADER, README[0]!, short, README[1]!])])
    expect(error.line).toBe(3)
    expect(error.message).toMatch(/line 3\b/)
  })

  test('too many fields reject with the line number', async () => {
    const long = `${README[1]!} extra`
    const error = await digestFailure([text([README[0]!, long])])
    expect(error.line).toBe(2)
    expect(error.message).toMatch(/line 2\b/)
  })

  test('a custom-format record with the wrong field count rejects', async () => {
    const v5 = linesOf(sample('custom-v5-service-path.log'))
    const error = await digestFailure([text([...v5, v5[1]!.replace(' ingress', '')])])
    expect(error.line).toBe(4)
  })

  test.each(['NaN', '12a', '1e3', '-5', '0x10', '1.5', '+7', '١٢'])('non-numeric bytes "%s" reject', async (bytes) => {
    const line = `2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20641 80 6 20 ${bytes} 1418530010 1418530070 ACCEPT OK`
    const error = await digestFailure([text([README[0]!, README[1]!, line])])
    expect(error.line).toBe(3)
    expect(error.message).toMatch(/line 3\b/)
  })

  test('line numbers of a plain stream count across chunks', async () => {
    const bad = README[2]!.replace(' 1000 ', ' lots ')
    const input = text([V2_HEADER, ...README.slice(0, 2), bad])
    const error = await digestFailure(splitRandomly(input, seededRandom(5), 20))
    expect(error.line).toBe(4)
    expect(error.object).toBeUndefined()
  })

  test('a line longer than 64 KiB without a newline rejects', async () => {
    const error = await digestFailure(splitAt('7'.repeat(70 * 1024), [1000, 30000, 65536]))
    expect(error).toBeInstanceOf(FlowLogError)
  })

  test('an endless line is rejected without reading everything', async () => {
    let produced = 0
    async function* endless(): AsyncGenerator<Uint8Array> {
      const chunk = new Uint8Array(4096).fill(0x61)
      // Bounded, so that a reader without a limit ends the test instead of hanging.
      while (produced < 64 * 2 ** 20) {
        produced += chunk.length
        yield chunk
      }
    }
    await digestFailure(endless())
    expect(produced).toBeLessThan(1024 * 1024)
  })
})
