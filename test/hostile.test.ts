/**
 * Hostile and broken data: gzip bombs stop at the text limit with bounded memory, and
 * DOT output stays valid and harmless whatever the field values hold.
 */
import { gzipSync } from 'node:zlib'
import { Graphviz } from '@hpcc-js/wasm-graphviz'
import fc from 'fast-check'
import { pipe } from 'it-pipe'
import { beforeAll, describe, expect, test } from 'vitest'
import { concatBodies, DEFAULT_MAX_TEXT_BYTES, digest, FlowLogError, skipReport, toDot, type ConcatBodiesOptions, type StoredBody } from 'vpcflow'
import { readDot } from './support/dot.js'
import { HEADER } from './support/flowLogs.js'
import { svgTexts } from './support/svg.js'
import { collectText, fakeLogFile, fetched } from './support/text.js'

const MiB = 2 ** 20
const GOOD = '2 123456789010 eni-0a 10.0.0.1 10.0.0.2 40000 443 6 3 300 1700000000 1700000060 ACCEPT OK'

/**
 * A gzip bomb: `members` gzip members, each `memberBytes` of `fill` inflated, one after the
 * other (gunzip reads them all as one stream): 1 MiB of it inflates to about a GiB.
 */
function gzipBomb(fill: string, memberBytes: number, members: number): Buffer {
  const unit = Buffer.from(fill)
  const plain = Buffer.alloc(Math.floor(memberBytes / unit.length) * unit.length)
  for (let i = 0; i < plain.length; i += unit.length) unit.copy(plain, i)
  const member = gzipSync(plain, { level: 9 })
  return Buffer.concat(Array.from({ length: members }, () => member))
}

describe('a gzip bomb', () => {
  // 2 GiB of NUL bytes from about 2 MiB; 1 GiB of records from about 3.5 MiB.
  let zeros: Buffer
  let recordBomb: Buffer
  beforeAll(() => {
    zeros = gzipBomb('\0', 64 * MiB, 32)
    recordBomb = gzipBomb(`${GOOD}\n`, 64 * MiB, 16)
  })
  const bombFile = fakeLogFile({ hash: 'b0mb' })
  const before = fakeLogFile({ hash: 'a1' })
  const after = fakeLogFile({ hash: 'c3' })
  const good = (file: typeof before): StoredBody => fetched(file, gzipSync(`${HEADER}\n${GOOD}\n`))

  /** Reads concatBodies' output, tallying the text per object and the peak growth of Buffer memory. */
  async function read(bodies: StoredBody[], options: ConcatBodiesOptions) {
    const textBytes = new Map<string, number>()
    const baseline = process.memoryUsage().arrayBuffers
    let peak = 0
    let error: unknown
    try {
      for await (const chunk of concatBodies(options)(bodies)) {
        const key = chunk.source!.key
        textBytes.set(key, (textBytes.get(key) ?? 0) + chunk.byteLength)
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline)
      }
    } catch (e) {
      error = e
    }
    return { textBytes, peak, error }
  }

  test('stops at maxTextBytes with a TEXT_TOO_LARGE error naming the object, memory bounded', async () => {
    expect(zeros.byteLength).toBeLessThan(3 * MiB)
    const limit = 8 * MiB
    const { textBytes, peak, error } = await read([good(before), fetched(bombFile, zeros), good(after)], { maxTextBytes: limit })
    expect(error).toBeInstanceOf(FlowLogError)
    expect(error).toMatchObject({ code: 'TEXT_TOO_LARGE', object: `s3://${bombFile.bucket}/${bombFile.key}` })
    expect((error as FlowLogError).message).toBe(
      `s3://${bombFile.bucket}/${bombFile.key}: its text is larger than the limit of ${limit} bytes (maxTextBytes); reading stopped there`,
    )
    expect(textBytes.get(before.key)).toBeGreaterThan(0)
    expect(textBytes.get(bombFile.key)).toBeLessThanOrEqual(limit)
    expect(textBytes.has(after.key)).toBe(false)
    // Streamed: a few chunks at a time, never the 2 GiB (nor the 8 MiB limit) at once.
    expect(peak).toBeLessThan(64 * MiB)
  })

  test('through a whole lenient digest: reported and passed over, every good record counted', async () => {
    const report = skipReport()
    const bodies = [good(before), fetched(bombFile, zeros), good(after)]
    const text = await collectText(pipe(bodies, concatBodies({ maxTextBytes: 4 * MiB, onError: report.add }), digest({ onError: report.add })))
    expect(text).toBe(`${HEADER}\n2 123456789010 eni-0a 10.0.0.1 10.0.0.2 0 443 6 6 600 1700000000 1700000060 ACCEPT OK\n`)
    expect(report.byCode.get('TEXT_TOO_LARGE')).toBe(1)
    expect(report.errors.find((e) => e.code === 'TEXT_TOO_LARGE')?.object).toBe(`s3://${bombFile.bucket}/${bombFile.key}`)
  })

  test('of valid records stops a strict digest at the limit instead of digesting a gigabyte', async () => {
    expect(recordBomb.byteLength).toBeLessThan(4 * MiB)
    const limit = 2 * MiB
    const error = await collectText(pipe([fetched(bombFile, recordBomb)], concatBodies({ maxTextBytes: limit }), digest())).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'TEXT_TOO_LARGE', object: `s3://${bombFile.bucket}/${bombFile.key}` })
  })

  test('the limit counts the text of plain bodies too, and exactly: a body of the limit passes, one byte more fails', async () => {
    const body = `${HEADER}\n${GOOD}\n`
    const size = Buffer.byteLength(body)
    for (const stored of [body, gzipSync(body)]) {
      expect(await collectText(concatBodies({ maxTextBytes: size })([fetched(before, stored)]))).toBe(body)
      await expect(collectText(concatBodies({ maxTextBytes: size - 1 })([fetched(before, stored)]))).rejects.toMatchObject({ code: 'TEXT_TOO_LARGE' })
    }
  })

  test('the default limit is 4 GiB, and the option is checked', () => {
    expect(DEFAULT_MAX_TEXT_BYTES).toBe(4 * 2 ** 30)
    for (const maxTextBytes of [-1, NaN, 1.5, '1' as unknown as number]) expect(() => concatBodies({ maxTextBytes })).toThrow(TypeError)
    expect(() => concatBodies({ maxTextBytes: Infinity })).not.toThrow()
  })
})

// ---------------------------------------------------------------------------------------------
// DOT: whatever a field holds, Graphviz reads the DOT, and its SVG shows the value as text.
// ---------------------------------------------------------------------------------------------

let graphviz: Awaited<ReturnType<typeof Graphviz.load>>
beforeAll(async () => {
  graphviz = await Graphviz.load()
})

/** What a value reads back as from the DOT: its UTF-8 round trip, with NUL as U+FFFD. */
const expected = (value: string): string => Buffer.from(value).toString('utf8').replaceAll('\0', '\uFFFD')

async function drawRecords(header: string, lines: readonly string[]): Promise<string> {
  return collectText(toDot()([`${header}\n${lines.join('\n')}\n`]))
}

describe('DOT output for hostile field values', () => {
  const NASTY = [
    '<script>alert(1)</script>',
    '<img/src=x/onerror=alert(1)>',
    '"];}digraph{"x',
    '"\\"',
    'end\\',
    '\\N\\G\\E\\T\\H\\L\\l\\r\\n',
    '<<b>html</b>>',
    '-->',
    ']]>',
    '<![CDATA[x]]>',
    '{}[];,=',
    '//x/*x*/#x',
    'nul\0byte',
    '\u0007bell',
    'ünï©ødé🙂',
    '\u202eevil',
  ]

  test('Graphviz reads it, its SVG holds only Graphviz’s own markup, and every value shows as text', async () => {
    const header = 'srcaddr dstaddr action ecs-cluster-name log-status'
    const lines = NASTY.map((value, i) => `10.0.0.${i}${value} ${value}10.9.9.9 ACCEPT ${value} OK`)
    const dot = await drawRecords(header, lines)

    // The DOT reads back exactly, value by value.
    const graph = readDot(dot)
    expect(graph.edges).toHaveLength(NASTY.length)
    graph.edges.forEach((edge, i) => {
      const value = expected(NASTY[i]!)
      expect(edge.from).toBe(`10.0.0.${i}${value}`)
      expect(edge.to).toBe(`${value}10.9.9.9`)
      expect(edge.attributes.vpcflow_ecs_cluster_name).toBe(value)
    })

    const svg = graphviz.dot(dot, 'svg')
    const texts = svgTexts(svg)
    // Node labels are shown as they are (values with & aside: Graphviz reads entities in labels).
    for (const [i, value] of NASTY.entries()) {
      expect(texts, value).toContain(`10.0.0.${i}${expected(value)}`)
    }
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(svg).not.toMatch(/<script|<img|<b>|<!\[CDATA\[/i)
  })

  test('the reader of these tests, and the SVG check, catch what they should', () => {
    expect(() => readDot('digraph { "a" -> "b" [label="x] ; }')).toThrow()
    expect(() => readDot('digraph { "a" -> "b" [label="x"]; } }')).toThrow()
    expect(readDot('digraph "g" { "a\\"b" -> "c\\\\" [k="x\\ny"]; }').edges).toEqual([{ from: 'a"b', to: 'c\\', attributes: { k: 'x\ny' } }])
    const svg = graphviz.dot('digraph { a -> b }', 'svg')
    expect(svgTexts(svg)).toEqual(expect.arrayContaining(['a', 'b']))
    expect(() => svgTexts(svg.replace('<title>a</title>', '<title><script>x</script></title>'))).toThrow(/injected element <script>/)
    expect(() => svgTexts(svg.replace('<title>a</title>', '<title>a</title><g onload="x">'))).toThrow(/injected attribute onload/)
    // What an unescaped value would do: the DOT breaks, or Graphviz reads HTML.
    expect(() => graphviz.dot('digraph { "a\0b" -> c }', 'svg')).toThrow()
  })

  /** Any text but the blanks that separate fields; never empty, never `-` (absent). */
  const field = fc
    .string({ unit: fc.oneof(fc.constantFrom('<', '>', '"', '\\', '&', '\0', '{', '}', ';', '/', '*', '#', 'n', 'N', '-'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 12 })
    .map((value) => value.replace(/[ \t\r\n]/g, '_'))
    .filter((value) => value !== '-')

  test('property: any values read back exactly from the DOT, and Graphviz renders them as text only', async () => {
    const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id pkt-src-aws-service'
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(field, field, field, field, field, field), { minLength: 1, maxLength: 4 }), async (rows) => {
        const lines = rows.map(([account, eni, src, dst, vpc, service]) => `2 ${account} ${eni} ${src} ${dst} 1234 443 6 1 10 100 200 ACCEPT OK ${vpc} ${service}`)
        const dot = await drawRecords(header, lines)
        const graph = readDot(dot)
        expect(graph.edges).toHaveLength(rows.length)
        rows.forEach(([account, eni, src, dst, vpc, service], i) => {
          const edge = graph.edges[i]!
          expect(edge.from).toBe(expected(src))
          expect(edge.to).toBe(expected(dst))
          expect(edge.attributes).toMatchObject({
            vpcflow_account_id: expected(account),
            vpcflow_interface_id: expected(eni),
            vpcflow_vpc_id: expected(vpc),
            vpcflow_pkt_src_aws_service: expected(service),
          })
          expect(edge.attributes.label!.split('\n')[0]).toBe(`${expected(account)} ${expected(eni)}`)
          expect(graph.nodes.get(expected(src))?.label).toBe(expected(src))
        })
        const texts = svgTexts(graphviz.dot(dot, 'svg'))
        for (const [, , , src] of rows) if (!src.includes('&')) expect(texts).toContain(expected(src))
      }),
      { numRuns: 150, seed: 0x5afe },
    )
  })
})
