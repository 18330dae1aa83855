import { gzipSync } from 'node:zlib'
import { pipe } from 'it-pipe'
import { describe, expect, test } from 'vitest'
import { concatBodies, digest, FlowLogError, records, skipReport, toDot, DEFAULT_MAX_LINE_LENGTH } from 'vpcflow'
import { collect } from './support/async.js'
import { collectText, fakeLogFile, fetched, seededRandom } from './support/text.js'

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'
const good = (n: number): string =>
  `2 123456789010 eni-1 10.0.0.1 10.0.0.2 ${40000 + n} 443 6 1 100 ${1000 + n} ${1060 + n} ACCEPT OK`
/** The digest of `count` good records: one group, packets and bytes summed, the overall window. */
const digestOf = (count: number, first = 0): string =>
  `${HEADER}\n2 123456789010 eni-1 10.0.0.1 10.0.0.2 0 443 6 ${count} ${100 * count} ${1000 + first} ${1060 + first + count - 1} ACCEPT OK\n`

/** Lines 1..n of a file: the header, good records, and `bad` at line `at`. */
function fileWith(bad: string, at: number, records = 4): string {
  const lines = [HEADER, ...Array.from({ length: records }, (_, i) => good(i))]
  lines.splice(at - 1, 0, bad)
  return lines.join('\n') + '\n'
}

const CASES: Array<[string, string, RegExp]> = [
  ['too few fields', '2 123456789010 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 1000 1060 ACCEPT', /expected 14 fields.*found 13/],
  ['too many fields', `${good(9)} extra`, /expected 14 fields.*found 15/],
  ['a non-numeric count', '2 123456789010 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 NaN 1000 1060 ACCEPT OK', /bytes is not a whole number: "NaN"/],
  ['a negative count', '2 123456789010 eni-1 10.0.0.1 10.0.0.2 40000 443 6 -5 100 1000 1060 ACCEPT OK', /packets is not a whole number/],
]

describe.each(CASES)('a line with %s', (_, bad, reason) => {
  const file = fakeLogFile()
  const input = () => pipe([fetched(file, gzipSync(fileWith(bad, 3)))], concatBodies())

  test('stops a strict digest with an error naming the object, the line and what is wrong', async () => {
    const error = await collectText(pipe(input(), digest())).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as FlowLogError).message).toMatch(reason)
    expect((error as FlowLogError).message).toContain(`s3://${file.bucket}/${file.key} line 3:`)
    expect(error).toMatchObject({ object: `s3://${file.bucket}/${file.key}`, line: 3 })
  })

  test('is skipped and reported by a lenient digest, every good record still counted', async () => {
    const report = skipReport()
    expect(await collectText(pipe(input(), digest({ onError: report.add })))).toBe(digestOf(4))
    expect(report.lines).toBe(1)
    expect(report.errors[0]).toMatchObject({ line: 3, object: `s3://${file.bucket}/${file.key}` })
    expect(report.errors[0]!.message).toMatch(reason)
  })
})

describe('bad input', () => {
  test('a header with unknown fields is read, the unknown field carried into the key', async () => {
    const text = 'srcaddr dstaddr dstport future-field bytes\n10.0.0.1 10.0.0.2 443 x 5\n10.0.0.1 10.0.0.2 443 x 7\n10.0.0.1 10.0.0.2 443 y 1\n'
    expect(await collectText(pipe([text], digest()))).toBe(
      'srcaddr dstaddr dstport future-field bytes\n10.0.0.1 10.0.0.2 443 x 12\n10.0.0.1 10.0.0.2 443 y 1\n',
    )
  })

  test('a header-only file digests to its header, an empty file to nothing', async () => {
    expect(await collectText(pipe([`${HEADER}\n`], digest()))).toBe(`${HEADER}\n`)
    expect(await collectText(pipe([''], digest()))).toBe('')
    const empty = pipe([fetched(fakeLogFile(), gzipSync(''))], concatBodies(), digest())
    expect(await collectText(empty)).toBe('')
  })

  test('binary garbage fails a strict read; a lenient read skips it and keeps the good files', async () => {
    const random = seededRandom(7)
    const garbage = new Uint8Array(Array.from({ length: 5000 }, () => Math.floor(random() * 256)))
    garbage[0] = 0 // not gzip, not Parquet
    const files = [
      fetched(fakeLogFile({ hash: 'a1' }), gzipSync(fileWith(good(4), 2))),
      fetched(fakeLogFile({ hash: 'b2' }), garbage),
      fetched(fakeLogFile({ hash: 'c3' }), gzipSync([HEADER, good(5), good(6)].join('\n'))),
    ]
    await expect(collectText(pipe(files, concatBodies(), digest()))).rejects.toThrow(/b2\.log\.gz line 1:/)
    const report = skipReport()
    expect(await collectText(pipe(files, concatBodies(), digest({ onError: report.add })))).toBe(digestOf(7))
    expect(report.lines).toBeGreaterThan(0)
    expect(report.errors.every((e) => e.object?.includes('b2.log.gz'))).toBe(true)
  })

  test('a truncated gzip fails naming the key; a lenient read keeps what was read before the break', async () => {
    const whole = gzipSync([HEADER, ...Array.from({ length: 2000 }, (_, i) => good(i))].join('\n') + '\n')
    const cut = whole.subarray(0, Math.floor(whole.length * 0.8))
    const broken = fakeLogFile({ hash: 'cut' })
    const files = [fetched(broken, cut), fetched(fakeLogFile({ hash: 'ok' }), gzipSync(`${HEADER}\n${good(5000)}\n`))]
    await expect(collectText(pipe(files, concatBodies(), digest()))).rejects.toThrow(/cut\.log\.gz: corrupt gzip/)

    const report = skipReport()
    const counted = (await collect(pipe(files, concatBodies({ onError: report.add }), records({ onError: report.add })))).length
    expect(report.objects).toBe(1)
    expect(report.byCode.get('CORRUPT_GZIP')).toBe(1)
    // Every whole line before the break is kept, and the next file too; at most the one cut line is lost.
    expect(counted).toBeGreaterThan(1000)
    expect(counted).toBeLessThanOrEqual(2001)
    expect(report.lines).toBeLessThanOrEqual(1)
  })

  test('a line of megabytes without a newline is an error; lenient reading skips it with bounded memory', async () => {
    const long = 'x'.repeat(DEFAULT_MAX_LINE_LENGTH)
    async function* megabytes(): AsyncGenerator<string> {
      yield `${HEADER}\n${good(1)}\n`
      for (let i = 0; i < 64; i++) yield long // 4 MiB with no newline
      yield `\n${good(2)}\n`
    }
    await expect(collectText(pipe(megabytes(), digest()))).rejects.toThrow(/line 3: line is longer than 65536 bytes/)
    const report = skipReport()
    expect(await collectText(pipe(megabytes(), digest({ onError: report.add })))).toBe(
      `${HEADER}\n2 123456789010 eni-1 10.0.0.1 10.0.0.2 0 443 6 2 200 1001 1062 ACCEPT OK\n`,
    )
    expect(report.byCode.get('LINE_TOO_LONG')).toBe(1)
    expect(report.lines).toBe(1)
  })

  test('toDot skips a record it cannot draw when lenient', async () => {
    const text = 'srcaddr dstaddr action\n10.0.0.1 - ACCEPT\n10.0.0.1 10.0.0.2 ACCEPT\n'
    await expect(collectText(pipe([text], toDot()))).rejects.toThrow(/line 2: a record to draw needs srcaddr and dstaddr/)
    const report = skipReport()
    const dot = await collectText(pipe([text], toDot({ onError: report.add })))
    expect(dot.match(/->/g)).toHaveLength(1)
    expect(report.byCode.get('MISSING_FIELD')).toBe(1)
  })
})
