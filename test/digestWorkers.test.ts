import { gzipSync } from 'node:zlib'
import { pipe } from 'it-pipe'
import { describe, expect, test } from 'vitest'
import { concatBodies, digest, FlowLogError, skipReport } from 'vpcflow'
import { network, records, seeded, V2_HEADER } from '../bench/generator.js'
import { collectText, fakeLogFile, fetched, sample } from './support/text.js'

/** Many gzip log files of generated records, and one of each sample. */
function logFiles(count: number) {
  const random = seeded(5)
  const net = network(random, '123456789012', 20, 100, 10)
  const files = Array.from({ length: count }, (_, i) =>
    fetched(fakeLogFile({ hash: `f${i}` }), gzipSync([V2_HEADER, ...records(random, net, 1714521600 + i * 300, 500)].join('\n'))),
  )
  for (const name of ['custom-v3-tcp-flags.log', 'custom-v5-service-path.log', 'default-v2.log']) {
    files.push(fetched(fakeLogFile({ hash: name.slice(0, 8) }), sample(name)))
  }
  return files
}

describe('digest in worker threads', () => {
  test('gives the same bytes as one thread, for any number of workers and options', async () => {
    const files = logFiles(12)
    for (const options of [{}, { window: 'group' as const }, { keyFields: ['srcaddr', 'dstaddr', 'dstport', 'action'] }]) {
      const one = await collectText(pipe(files, concatBodies(), digest(options)))
      expect(one.split('\n').length).toBeGreaterThan(100)
      for (const workers of [2, 3]) {
        expect(await collectText(pipe(files, concatBodies(), digest({ ...options, workers }))), `${workers} ${JSON.stringify(options)}`).toBe(one)
      }
    }
  })

  test('sums past 2^53 merge exactly across readers, whichever side passed it', async () => {
    const line = (packets: string, bytes: string): string => `2 123456789012 eni-1 10.0.0.1 10.0.0.2 49152 443 6 ${packets} ${bytes} 1700000000 1700000060 ACCEPT OK`
    // each file a group past 2^53 in one count or both, a group of small sums, and a group whose
    // sum passes 2^53 only once the readers' tables are merged
    const near = String(2 ** 51 - 1000)
    const files = Array.from({ length: 6 }, (_, i) =>
      fetched(fakeLogFile({ hash: `big${i}` }), [V2_HEADER, line('9007199254740993', '5'), line('1', '2').replace('10.0.0.1', '10.0.0.9'), line(near, near).replace('eni-1', 'eni-2'), line('3', '4').replace('10.0.0.2', `10.0.0.${i + 3}`)].join('\n')),
    )
    const one = await collectText(pipe(files, digest()))
    const sum = (n: bigint): bigint => 6n * n
    expect(one).toContain(` ${sum(9007199254740993n)} 30 `)
    expect(one).toContain(` ${sum(BigInt(near))} ${sum(BigInt(near))} `)
    expect(one).toContain(' 6 12 ')
    for (const workers of [2, 3]) expect(await collectText(pipe(files, digest({ workers }))), `${workers}`).toBe(one)
  })

  test('keys of kilobytes, in a format only a worker read, merge whole', async () => {
    const header = 'interface-id srcaddr packets'
    const long = (n: number): string => `eni-${String(n).repeat(3000)}`
    const files = [1, 2].map((f) =>
      fetched(fakeLogFile({ hash: `long${f}` }), [header, ...[1, 2, 3].map((n) => `${long(n)} 10.0.0.${f} ${n}`), `${long(4)} 10.0.0.9 1`].join('\n')),
    )
    const one = await collectText(pipe(files, digest()))
    expect(one.split('\n').filter(Boolean)).toHaveLength(1 + 3 * 2 + 1)
    expect(one).toContain(`${long(4)} 10.0.0.9 2\n`)
    for (const workers of [2, 3]) expect(await collectText(pipe(files, digest({ workers }))), `${workers}`).toBe(one)
  })

  test('stored bodies straight from prefetch digest as their text does, inflated in the workers', async () => {
    const files = logFiles(8)
    const viaText = await collectText(pipe(files, concatBodies(), digest()))
    for (const workers of [1, 2]) {
      expect(await collectText(pipe(files, digest({ workers }))), `${workers}`).toBe(viaText)
    }
    const broken = fetched(fakeLogFile({ hash: 'cut' }), gzipSync(`${V2_HEADER}\n`.repeat(2000)).subarray(0, 100))
    await expect(collectText(pipe([...files, broken], digest({ workers: 2 })))).rejects.toThrow(/cut\.log\.gz: corrupt gzip/)
    const report = skipReport()
    expect(await collectText(pipe([broken, ...files], digest({ workers: 2, onError: report.add })))).toBe(viaText)
    expect(report.byCode.get('CORRUPT_GZIP')).toBe(1)
  })

  test('text without a source (a plain stream) is read whole by one worker', async () => {
    const text = sample('default-v2.log') + sample('custom-nat-no-version.log')
    const chunks = text.match(/[\s\S]{1,37}/g)!
    expect(await collectText(pipe(chunks, digest({ workers: 2 })))).toBe(await collectText(pipe([text], digest())))
  })

  test('a malformed line stops it with the error naming the object and line; lenient reading reports it', async () => {
    const files = logFiles(4)
    const bad = fakeLogFile({ hash: 'bad' })
    files.splice(2, 0, fetched(bad, gzipSync(`${V2_HEADER}\n2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 x 100 1 2 ACCEPT OK\n`)))
    const error = await collectText(pipe(files, concatBodies(), digest({ workers: 2 }))).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect(error).toMatchObject({ code: 'NOT_A_NUMBER', object: `s3://${bad.bucket}/${bad.key}`, line: 2 })
    expect((error as Error).message).toBe(`s3://${bad.bucket}/${bad.key} line 2: packets is not a whole number: "x"`)

    const report = skipReport()
    const lenient = await collectText(pipe(files, concatBodies(), digest({ workers: 2, onError: report.add })))
    expect(lenient).toBe(await collectText(pipe(files.filter((f) => f.file !== bad), concatBodies(), digest())))
    expect(report.lines).toBe(1)
    expect(report.errors[0]).toMatchObject({ code: 'NOT_A_NUMBER', line: 2 })
  })

  test('onProgress is told every record line read, in one thread or several', async () => {
    const files = logFiles(6)
    const lines = (await collectText(pipe(files, concatBodies()))).split('\n').filter((line) => /^\d/.test(line)).length
    for (const workers of [1, 2]) {
      let records = 0
      await collectText(pipe(files, digest({ workers, onProgress: (n) => (records += n) })))
      expect(records, `${workers}`).toBe(lines)
    }
  })

  test('a callback that throws ends the digest with its error, as in one thread', async () => {
    const files = logFiles(4)
    files.splice(1, 0, fetched(fakeLogFile({ hash: 'bad' }), gzipSync(`${V2_HEADER}\n1 2 3\n`)))
    const stop = new Error('too many errors')
    for (const workers of [1, 2]) {
      await expect(collectText(pipe(files, digest({ workers, onError: () => { throw stop } })))).rejects.toBe(stop)
      await expect(collectText(pipe(files, digest({ workers, onProgress: () => { throw stop } })))).rejects.toBe(stop)
    }
  })

  test('workers must be a positive whole number', () => {
    expect(() => digest({ workers: 0 })).toThrow(TypeError)
    expect(() => digest({ workers: 1.5 })).toThrow(TypeError)
  })
})
