import { gzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { concatBodies, FlowLogError, type FetchedLogFile, type LogText } from 'vpcflow'
import { collect } from './support/async.js'
import { asAsync, fakeLogFile, fetched } from './support/text.js'

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'
const R1 = '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20641 80 6 20 1000 1418530010 1418530070 ACCEPT OK'
const R2 = '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20541 80 6 20 1000 1518530010 1518530070 ACCEPT OK'
const R3 = '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20441 80 6 20 1000 1618530010 1618530070 ACCEPT OK'

const gzip = (text: string | Uint8Array): Uint8Array => new Uint8Array(gzipSync(text))

const fileA = fakeLogFile({ bucket: 'flow-bucket', key: 'AWSLogs/a.log.gz' })
const fileB = fakeLogFile({ bucket: 'flow-bucket', key: 'AWSLogs/b.log.gz' })
const fileC = fakeLogFile({ bucket: 'other-bucket', key: 'prefix/AWSLogs/c.log.gz' })

async function concat(items: FetchedLogFile[]): Promise<{ text: string; chunks: LogText[] }> {
  const chunks = await collect(concatBodies()(asAsync(items)))
  return { text: Buffer.concat(chunks).toString('utf8'), chunks }
}

/** The text each file contributed, by following `source`. */
function textBySource(chunks: LogText[]): Map<string | undefined, string> {
  const texts = new Map<string | undefined, string>()
  for (const chunk of chunks) {
    const key = chunk.source?.key
    texts.set(key, (texts.get(key) ?? '') + Buffer.from(chunk).toString('utf8'))
  }
  return texts
}

describe('concatBodies: turning bodies into text', () => {
  test('gunzips gzip bodies and keeps header lines', async () => {
    const body = `${HEADER}\n${R1}\n${R2}\n`
    const { text } = await concat([fetched(fileA, gzip(body))])
    expect(text).toBe(body)
  })

  test('passes plain text through unchanged', async () => {
    const body = `${HEADER}\n${R1}\n`
    const { text } = await concat([fetched(fileA, body)])
    expect(text).toBe(body)
  })

  test('gzip is recognised by its magic bytes, not by the name', async () => {
    const plainNamedGz = fakeLogFile({ key: 'AWSLogs/plain.log.gz' })
    const gzipNamedTxt = fakeLogFile({ key: 'AWSLogs/compressed.txt' })
    const { text } = await concat([fetched(plainNamedGz, `${R1}\n`), fetched(gzipNamedTxt, gzip(`${R2}\n`))])
    expect(text).toBe(`${R1}\n${R2}\n`)
  })

  test('files follow each other in input order, each keeping its header line', async () => {
    const { text } = await concat([
      fetched(fileA, gzip(`${HEADER}\n${R1}\n`)),
      fetched(fileB, `${HEADER}\n${R2}\n`),
      fetched(fileC, gzip(`${HEADER}\n${R3}\n`)),
    ])
    expect(text).toBe(`${HEADER}\n${R1}\n${HEADER}\n${R2}\n${HEADER}\n${R3}\n`)
  })

  test('a newline is added when a file does not end with one, so lines of two files never merge', async () => {
    const { text } = await concat([
      fetched(fileA, gzip(`${HEADER}\n${R1}`)),
      fetched(fileB, `${HEADER}\n${R2}`),
      fetched(fileC, gzip(`${R3}\n`)),
    ])
    expect(text).toBe(`${HEADER}\n${R1}\n${HEADER}\n${R2}\n${R3}\n`)
  })

  test('no newline is added to a file that ends with one, whether CRLF or LF', async () => {
    const { text } = await concat([fetched(fileA, `${R1}\r\n`), fetched(fileB, gzip(`${R2}\n`))])
    expect(text).toBe(`${R1}\r\n${R2}\n`)
  })

  test('the last file gets its missing newline too', async () => {
    const { text } = await concat([fetched(fileA, gzip(R1))])
    expect(text).toBe(`${R1}\n`)
  })

  test('multi-member gzip bodies are read to the end', async () => {
    const body = Buffer.concat([gzipSync(`${HEADER}\n${R1}\n`), gzipSync(`${R2}\n`), gzipSync(R3)])
    const { text } = await concat([fetched(fileA, new Uint8Array(body))])
    expect(text).toBe(`${HEADER}\n${R1}\n${R2}\n${R3}\n`)
  })

  test('a member boundary inside a line does not split the line', async () => {
    const body = Buffer.concat([gzipSync(R1.slice(0, 40)), gzipSync(`${R1.slice(40)}\n`)])
    const { text } = await concat([fetched(fileA, new Uint8Array(body))])
    expect(text).toBe(`${R1}\n`)
  })

  test('a large gzip body (many output chunks) comes out whole', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => R1.replace('20641', String(10000 + i)))
    const body = `${HEADER}\n${lines.join('\n')}\n`
    const { text } = await concat([fetched(fileA, gzip(body))])
    expect(text).toBe(body)
  })

  test('an empty gzip body yields nothing', async () => {
    const chunks = await collect(concatBodies()([fetched(fileA, gzip(''))]))
    expect(chunks).toEqual([])
  })

  test('an empty gzip body between two files adds nothing', async () => {
    const { text } = await concat([fetched(fileA, `${R1}\n`), fetched(fileB, gzip('')), fetched(fileC, `${R2}\n`)])
    expect(text).toBe(`${R1}\n${R2}\n`)
  })

  test('an empty plain body yields nothing', async () => {
    const chunks = await collect(concatBodies()([fetched(fileA, '')]))
    expect(chunks.reduce((n, chunk) => n + chunk.length, 0)).toBe(0)
  })

  test('no input, no output', async () => {
    expect(await collect(concatBodies()([]))).toEqual([])
  })
})

describe('concatBodies: every chunk names its log file', () => {
  test('every yielded chunk has .source === the item’s file, including added newlines', async () => {
    const { chunks } = await concat([
      fetched(fileA, gzip(`${HEADER}\n${R1}`)),
      fetched(fileB, `${HEADER}\n${R2}`),
      fetched(fileC, gzip(`${R3}\n`)),
    ])
    expect(chunks.length).toBeGreaterThanOrEqual(3)
    for (const chunk of chunks) {
      expect(chunk).toBeInstanceOf(Uint8Array)
      expect([fileA, fileB, fileC]).toContain(chunk.source)
    }
    const bySource = textBySource(chunks)
    expect(bySource.get(fileA.key)).toBe(`${HEADER}\n${R1}\n`)
    expect(bySource.get(fileB.key)).toBe(`${HEADER}\n${R2}\n`)
    expect(bySource.get(fileC.key)).toBe(`${R3}\n`)
    expect(bySource.has(undefined)).toBe(false)
  })

  test('source is the very file object of the item, chunk by chunk in file order', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => R2.replace('20541', String(20000 + i)))
    const { chunks } = await concat([fetched(fileA, gzip(lines.join('\n'))), fetched(fileB, gzip(`${R3}\n`))])
    const sources = chunks.map((chunk) => chunk.source)
    const firstB = sources.indexOf(fileB)
    expect(firstB).toBeGreaterThan(0)
    expect(sources.slice(0, firstB).every((source) => source === fileA)).toBe(true)
    expect(sources.slice(firstB).every((source) => source === fileB)).toBe(true)
  })
})

describe('concatBodies: bad gzip', () => {
  const body = gzipSync(`${HEADER}\n${R1}\n${R2}\n${R3}\n`)

  async function failure(items: FetchedLogFile[]): Promise<unknown> {
    try {
      await collect(concatBodies()(items))
    } catch (error) {
      return error
    }
    throw new Error('expected concatBodies to reject')
  }

  test('a truncated gzip rejects with a FlowLogError naming s3://bucket/key', async () => {
    const truncated = new Uint8Array(body.subarray(0, body.length - 12))
    const error = await failure([fetched(fileA, `${R1}\n`), fetched(fileC, truncated)])
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as FlowLogError).message).toContain('s3://other-bucket/prefix/AWSLogs/c.log.gz')
    expect((error as FlowLogError).object).toBe('s3://other-bucket/prefix/AWSLogs/c.log.gz')
  })

  test('a gzip cut right after its header rejects', async () => {
    const error = await failure([fetched(fileB, new Uint8Array(body.subarray(0, 10)))])
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as Error).message).toContain('s3://flow-bucket/AWSLogs/b.log.gz')
  })

  test('corrupt compressed data rejects with a FlowLogError naming s3://bucket/key', async () => {
    const corrupt = new Uint8Array(body)
    for (let i = 12; i < corrupt.length - 8; i++) corrupt[i] = 0xff
    const error = await failure([fetched(fileB, corrupt)])
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as Error).message).toContain('s3://flow-bucket/AWSLogs/b.log.gz')
  })

  test('a wrong checksum rejects', async () => {
    const corrupt = new Uint8Array(body)
    corrupt[corrupt.length - 6]! ^= 0x55 // inside the CRC32 trailer
    const error = await failure([fetched(fileA, corrupt)])
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as Error).message).toContain('s3://flow-bucket/AWSLogs/a.log.gz')
  })

  test('the magic bytes followed by garbage reject', async () => {
    const error = await failure([fetched(fileA, new Uint8Array([0x1f, 0x8b, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42]))])
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as Error).message).toContain('s3://flow-bucket/AWSLogs/a.log.gz')
  })
})
