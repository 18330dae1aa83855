/**
 * Property-based tests (fast-check): for random records, split at random into files, cut
 * at random chunk boundaries and read in random file order, the digest is always the
 * same and equals a plain reference computation; digests merge; and toDot of any digest
 * reads back as the same edges and values.
 *
 * Seeded for reproducible runs; set FC_SEED (and FC_RUNS) to explore other cases.
 */
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { pipe } from 'it-pipe'
import { describe, expect, test } from 'vitest'
import { concatBodies, digest, toDot, type LogObject, type LogText } from 'vpcflow'
import { readDot } from './support/dot.js'
import { HEADER, record, type RecordFields } from './support/flowLogs.js'
import { collectText, fakeLogFile, fetched, splitAt } from './support/text.js'

fc.configureGlobal({
  seed: process.env.FC_SEED === undefined ? 0x0f10_7105 : Number(process.env.FC_SEED),
  numRuns: process.env.FC_RUNS === undefined ? 200 : Number(process.env.FC_RUNS),
})

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

interface Rec extends RecordFields {
  protocol: number
  end: number
  action: 'ACCEPT' | 'REJECT'
  status: 'OK' | 'NODATA' | 'SKIPDATA'
}

/** A record as a line of the default format (version 2); NODATA and SKIPDATA lines as AWS writes them. */
function line(r: Rec): string {
  if (r.status !== 'OK') return `2 ${r.account} ${r.eni} - - - - - - - ${r.start} ${r.end} - ${r.status}`
  return record(r)
}

/**
 * Port pairs, mostly a service port and an ephemeral one (either way round) so that
 * records group; also both 0 (ICMP), equal, or anything from 1 up. (A record with
 * exactly one port 0 keeps its ports, as a digest line does: the reference leaves it out.)
 */
const service = fc.constantFrom(443, 53, 5432)
const ephemeral = fc.integer({ min: 1024, max: 65535 })
const ports: fc.Arbitrary<readonly [number, number]> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(ephemeral, service) },
  { weight: 3, arbitrary: fc.tuple(service, ephemeral) },
  { weight: 1, arbitrary: fc.constant([0, 0] as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }).map((port) => [port, port] as const) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 })) },
)

/** Counts, now and then large enough that their sums pass 2^53. */
const count = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 100_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 2 ** 52, max: Number.MAX_SAFE_INTEGER }) })

function records(values: { accounts: readonly string[]; enis: readonly string[]; addresses: readonly string[] }) {
  return fc
    .record({
      account: fc.constantFrom(...values.accounts),
      eni: fc.constantFrom(...values.enis),
      src: fc.constantFrom(...values.addresses),
      dst: fc.constantFrom(...values.addresses),
      ports,
      protocol: fc.constantFrom(6, 17),
      packets: count,
      bytes: count,
      start: fc.integer({ min: 1_700_000_000, max: 1_700_100_000 }),
      duration: fc.integer({ min: 0, max: 600 }),
      action: fc.constantFrom('ACCEPT' as const, 'REJECT' as const),
      status: fc.oneof({ weight: 8, arbitrary: fc.constant('OK' as const) }, { weight: 1, arbitrary: fc.constantFrom('NODATA' as const, 'SKIPDATA' as const) }),
    })
    .map(({ ports: [srcport, dstport], duration, ...r }): Rec => ({ ...r, srcport, dstport, end: r.start + duration }))
}

const PLAIN = { accounts: ['123456789010', '210987654321'], enis: ['eni-0a', 'eni-0b'], addresses: ['10.0.0.1', '172.31.9.9', '2001:db8::1'] }
/** Values that DOT must escape (digest carries any token through as it is). */
const NASTY = { ...PLAIN, enis: ['eni-0a', 'eni-"q"', 'eni-\\b', 'eni-\\"x', 'eni-{;}'], addresses: [...PLAIN.addresses, '"10.9.9.9"', 'a\\b', '<h1>x</h1>'] }

// ---------------------------------------------------------------------------------------------
// The reference: the digest rules, written out plainly
// ---------------------------------------------------------------------------------------------

/**
 * Default format; header lines and records not OK dropped; the ephemeral port (the larger
 * of srcport and dstport, srcport when equal) becomes 0; records grouped by every other
 * field but packets, bytes, start and end; packets and bytes summed; every line carries
 * the earliest start and latest end overall; the header, then lines sorted by their key
 * (the key fields joined by spaces) in code-unit order. No file at all: no output.
 */
function referenceDigest(
  files: readonly (readonly Rec[])[],
  options: { window?: 'overall' | 'group'; keyFields?: readonly string[] } = {},
): string {
  if (files.length === 0) return ''
  const fields = HEADER.split(' ')
  const aggregated = ['packets', 'bytes', 'start', 'end']
  const isKey = (field: string): boolean => !aggregated.includes(field) && (!options.keyFields || options.keyFields.includes(field))
  const output = fields.filter((field) => aggregated.includes(field) || isKey(field))
  const groups = new Map<string, { packets: bigint; bytes: bigint; start: number; end: number }>()
  let earliest = Infinity
  let latest = -Infinity
  for (const r of files.flat()) {
    if (r.status !== 'OK') continue
    const [srcport, dstport] = r.srcport >= r.dstport ? [0, r.dstport] : [r.srcport, 0]
    const values: Record<string, string | number> = {
      version: '2', 'account-id': r.account, 'interface-id': r.eni, srcaddr: r.src, dstaddr: r.dst,
      srcport, dstport, protocol: r.protocol, action: r.action, 'log-status': r.status,
    }
    const key = fields.filter(isKey).map((field) => values[field]).join(' ')
    const group = groups.get(key) ?? { packets: 0n, bytes: 0n, start: Infinity, end: -Infinity }
    group.packets += BigInt(r.packets)
    group.bytes += BigInt(r.bytes)
    group.start = Math.min(group.start, r.start)
    group.end = Math.max(group.end, r.end)
    groups.set(key, group)
    earliest = Math.min(earliest, r.start)
    latest = Math.max(latest, r.end)
  }
  const lines = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((key) => {
    const parts = key.split(' ')
    const group = groups.get(key)!
    const span = options.window === 'group' ? group : { start: earliest, end: latest }
    const sums: Record<string, bigint | number> = { packets: group.packets, bytes: group.bytes, start: span.start, end: span.end }
    return output.map((field) => (field in sums ? sums[field] : parts.shift())).join(' ')
  })
  return [output.join(' '), ...lines].map((l) => `${l}\n`).join('')
}

// ---------------------------------------------------------------------------------------------
// Files, orders and chunks
// ---------------------------------------------------------------------------------------------

/** Records split into 1 to 6 files at random (some may hold none), the files in random order. */
function filesOf(recs: fc.Arbitrary<Rec>) {
  return fc
    .tuple(fc.array(fc.tuple(recs, fc.nat(5)), { maxLength: 120, size: 'large' }), fc.integer({ min: 1, max: 6 }))
    .chain(([tagged, fileCount]) => {
      const files = Array.from({ length: fileCount }, (_, f) => tagged.filter(([, i]) => i % fileCount === f).map(([r]) => r))
      return fc.shuffledSubarray(files, { minLength: files.length, maxLength: files.length })
    })
}

const textOf = (recs: readonly Rec[]): string => [HEADER, ...recs.map(line)].map((l) => `${l}\n`).join('')

/** Cut points for a text of any length: fractions of it. */
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 })

/** A file's text cut at the given fractions, each chunk carrying the file as its source (as concatBodies does). */
function chunksOf(text: string, fractions: readonly number[], source: LogObject | undefined): LogText[] {
  const length = Buffer.byteLength(text)
  return splitAt(text, fractions.map((f) => Math.floor(f * length))).map((chunk) =>
    source ? (Object.defineProperty(chunk, 'source', { value: source }) as LogText) : chunk,
  )
}

const run = (chunks: Iterable<LogText | string>, stage: (input: Iterable<LogText | string>) => AsyncIterable<Uint8Array> = digest()): Promise<string> =>
  collectText(pipe(chunks, stage))

// ---------------------------------------------------------------------------------------------

describe('digest properties', () => {
  test('any records, files, file order and chunk boundaries: the digest equals the reference', async () => {
    await fc.assert(
      fc.asyncProperty(filesOf(records(PLAIN)), fc.array(cuts, { minLength: 6, maxLength: 6 }), fc.boolean(), async (files, cutsPerFile, tagged) => {
        const chunks = files.flatMap((recs, i) => chunksOf(textOf(recs), cutsPerFile[i]!, tagged ? fakeLogFile({ hash: `f${i}` }) : undefined))
        expect(await run(chunks)).toBe(referenceDigest(files))
      }),
    )
  })

  test('the same through concatBodies, each file gzipped or plain: the reference again', async () => {
    await fc.assert(
      fc.asyncProperty(filesOf(records(PLAIN)), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), async (files, gzipped) => {
        const bodies = files.map((recs, i) => fetched(fakeLogFile({ hash: `f${i}` }), gzipped[i] ? gzipSync(textOf(recs)) : textOf(recs)))
        expect(await collectText(pipe(bodies, concatBodies(), digest()))).toBe(referenceDigest(files))
      }),
    )
  })

  test('order does not matter: any permutation of the same files and chunks digests to the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        filesOf(records(PLAIN)).chain((files) => fc.tuple(fc.constant(files), fc.shuffledSubarray(files, { minLength: files.length, maxLength: files.length }))),
        cuts,
        async ([files, reordered], fractions) => {
          const once = await run(files.map(textOf))
          const again = await run(chunksOf(reordered.map(textOf).join(''), fractions, undefined))
          expect(again).toBe(once)
        },
      ),
    )
  })

  test('with any key fields and either window, the digest equals the reference', async () => {
    const keyable = HEADER.split(' ').filter((field) => !['packets', 'bytes', 'start', 'end'].includes(field))
    await fc.assert(
      fc.asyncProperty(
        filesOf(records(PLAIN)),
        fc.subarray(keyable, { minLength: 1 }),
        fc.constantFrom('overall' as const, 'group' as const),
        async (files, keyFields, window) => {
          expect(await run(files.map(textOf), digest({ keyFields, window }))).toBe(referenceDigest(files, { keyFields, window }))
        },
      ),
    )
  })

  // A table spills its groups to a run when it holds more than its share of maxMemory: with
  // budgets this small, every few groups go to a run, so that runs hold the same keys over
  // and over, with sums past 2^53 among them, merge many at a time and pass after pass.
  test('spilled at any budget, with any number of workers and either window: the reference', async () => {
    await fc.assert(
      fc.asyncProperty(
        filesOf(records(PLAIN)),
        fc.integer({ min: 1, max: 200_000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom('overall' as const, 'group' as const),
        async (files, maxMemory, workers, window) => {
          const bodies = files.map((recs, i) => fetched(fakeLogFile({ hash: `f${i}` }), textOf(recs)))
          expect(await collectText(pipe(bodies, digest({ maxMemory, workers, window })))).toBe(referenceDigest(files, { window }))
        },
      ),
      { numRuns: 60 },
    )
  })

  // The digest reads plain lines in bulk and every other line one by one: any mix of the two
  // must read as the records say, and bad lines must be skipped and counted, never misread.
  test('any spacing, line ends, leading zeros and bad lines among good ones: the reference, and every bad line counted', async () => {
    const blank = fc.constantFrom(' ', ' ', ' ', '  ', '\t', ' \t ')
    /** A record line written with other blanks between its fields, or around it, and zeros before its counts. */
    const shaped = (r: Rec) =>
      fc.tuple(fc.array(blank, { minLength: 13, maxLength: 13 }), fc.constantFrom('', '', ' ', '\t'), fc.constantFrom('', '', '\r', ' \r'), fc.boolean()).map(([gaps, before, after, zeros]) => {
        const fields = line(r).split(' ')
        if (zeros) for (const at of [8, 9]) fields[at] = fields[at] === '-' ? '-' : `00${fields[at]}`
        return before + fields.map((value, i) => (i === 0 ? value : gaps[i - 1]! + value)).join('') + after
      })
    /** Lines no reading takes as a record. */
    const bad = fc.constantFrom(
      '2 123456789010 eni-0a 10.0.0.1 10.0.0.2 443 49152 6 1 2 1700000000 1700000060 ACCEPT',
      '2 123456789010 eni-0a 10.0.0.1 10.0.0.2 443 49152 6 1 2 1700000000 1700000060 ACCEPT OK extra',
      '2 123456789010 eni-0a 10.0.0.1 10.0.0.2 443 49152 6 1x 2 1700000000 1700000060 ACCEPT OK',
      '2 123456789010 eni-0a 10.0.0.1 10.0.0.2 443 -5 6 1 2 1700000000 1700000060 ACCEPT OK',
      '2 123456789010 eni-0a 10.0.0.1 10.0.0.2 +443 49152 6 1 2 1700000000 1700000060 ACCEPT OK',
      '2 123456789010 eni-0a 10.0.0.1 10.0.0.2 99999999999999999 49152 6 1 2 1700000000 1700000060 ACCEPT OK',
    )
    const item = (recs: fc.Arbitrary<Rec>) =>
      fc.oneof(
        { weight: 8, arbitrary: recs.chain((r) => shaped(r).map((text) => ({ text, record: r }))) },
        { weight: 1, arbitrary: bad.map((text) => ({ text, record: undefined })) },
        { weight: 1, arbitrary: fc.constantFrom('', '\r', ' ', HEADER).map((text) => ({ text, record: undefined })) },
      )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(item(records(PLAIN)), { maxLength: 60 }), { minLength: 1, maxLength: 4 }), cuts, async (files, fractions) => {
        const skipped: unknown[] = []
        const chunks = files.flatMap((items, i) =>
          chunksOf([HEADER, ...items.map((it) => it.text)].map((l) => `${l}\n`).join(''), fractions, fakeLogFile({ hash: `f${i}` })),
        )
        const recs = files.map((items) => items.flatMap((it) => (it.record ? [it.record] : [])))
        expect(await run(chunks, digest({ onError: (error) => skipped.push(error) }))).toBe(referenceDigest(recs))
        const bads = files.flat().filter((it) => !it.record && it.text.trim() !== '' && it.text !== HEADER)
        expect(skipped).toHaveLength(bads.length)
      }),
    )
  })

  // A digest line has one port 0 already, and digest leaves the ports of such a line as they are.
  test('merge: the digest of parts joined equals the digest of their digests joined', async () => {
    await fc.assert(
      fc.asyncProperty(filesOf(records(PLAIN)), fc.integer({ min: 0, max: 6 }), async (files, at) => {
        const [a, b] = [files.slice(0, at), files.slice(at)]
        const whole = await run(files.map(textOf))
        const merged = await run([await run(a.map(textOf)), await run(b.map(textOf))])
        expect(merged).toBe(whole)
      }),
    )
  })
})

describe('toDot properties', () => {
  test('toDot of any digest reads back as its edges, in order, with every value', async () => {
    await fc.assert(
      fc.asyncProperty(filesOf(records(NASTY)), cuts, async (files, fractions) => {
        const digested = await run(files.map(textOf))
        const graph = readDot(await run(chunksOf(digested, fractions, undefined), toDot()))

        const fields = HEADER.split(' ')
        const expected = digested
          .split('\n')
          .slice(1, -1)
          .map((l) => l.split(' '))
        expect(graph.edges).toHaveLength(expected.length)
        expected.forEach((values, i) => {
          const edge = graph.edges[i]!
          const get = (field: string): string => values[fields.indexOf(field)]!
          expect(edge.from).toBe(get('srcaddr'))
          expect(edge.to).toBe(get('dstaddr'))
          expect(edge.attributes.color).toBe(get('action') === 'ACCEPT' ? 'green' : 'red')
          for (const field of fields) {
            expect(edge.attributes[`vpcflow_${field.replaceAll('-', '_')}`], field).toBe(get(field))
          }
        })
        // One node per address, labelled with it.
        const addresses = new Set(expected.flatMap((values) => [values[3]!, values[4]!]))
        expect([...graph.nodes.keys()].sort()).toEqual([...addresses].sort())
        for (const [id, attributes] of graph.nodes) expect(attributes.label).toBe(id)
      }),
    )
  })
})
