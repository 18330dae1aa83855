import type { S3Client } from '@aws-sdk/client-s3'
import { parquetMetadata } from 'hyparquet'
import { pipe } from 'it-pipe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { concatBodies, digest, FlowLogError, listLogFiles, prefetch, records, skipReport, toDot } from 'vpcflow'
import { fileKey, type FileSpec } from './support/flowLogs.js'
import { closeAll, createBucket, putObjects, s3Client, startS3rver, type S3Server } from './support/s3.js'
import { toParquet, type Codec } from './support/parquet.js'
import { collect } from './support/async.js'
import { collectText, fakeLogFile, fetched, sample } from './support/text.js'

const parquetFile = (hash: string) => fakeLogFile({ hash, format: 'parquet' })

describe.each<Codec>(['snappy', 'gzip', 'zstd'])('Parquet written by DuckDB with %s', (codec) => {
  test.each(['default-v2.log', 'custom-v3-tcp-flags.log', 'custom-v5-service-path.log'])(
    '%s digests and draws exactly as its text does',
    async (name) => {
      const text = sample(name)
      const parquet = await toParquet(text, { codec })
      const viaParquet = () => pipe([fetched(parquetFile('p1'), parquet)], concatBodies())
      expect(await collectText(pipe(viaParquet(), digest()))).toBe(await collectText(pipe([text], digest())))
      expect(await collectText(pipe(viaParquet(), toDot()))).toBe(await collectText(pipe([text], toDot())))
    },
  )
})

describe('Parquet from the S3 test server', () => {
  let s3: S3Server
  let client: S3Client
  const BUCKET = 'parquet-flow-logs'
  const spec = (hash: string): FileSpec => ({ account: '123456789012', region: 'us-east-1', flowLogId: 'fl-0a1b', time: new Date(Date.UTC(2024, 4, 1, 10, 5)), hash, extension: 'log.parquet' })

  beforeAll(async () => {
    s3 = await startS3rver()
    client = s3Client(s3.endpoint)
    await createBucket(client, BUCKET)
  })
  afterAll(() => closeAll(client, s3))

  test('snappy, gzip and zstd files listed, fetched and digested give the digest of the same records in text', async () => {
    const texts = ['default-v2.log', 'custom-v5-service-path.log', 'custom-v3-tcp-flags.log'].map(sample)
    const codecs: Codec[] = ['snappy', 'gzip', 'zstd']
    await putObjects(client, BUCKET, await Promise.all(texts.map(async (text, i) => ({ key: fileKey(spec(`0000000${i}`)), body: await toParquet(text, { codec: codecs[i] }) }))))
    const files = await collect(listLogFiles({ client, bucket: BUCKET }))
    expect(files.map((file) => file.format)).toEqual(['parquet', 'parquet', 'parquet'])
    const viaS3 = await collectText(pipe(files, prefetch({ client }), concatBodies(), digest()))
    expect(viaS3).toBe(await collectText(pipe(texts, digest())))
  })
})

describe('Parquet', () => {
  test('every row group is read, in order', async () => {
    const [header, ...rows] = sample('default-v2.log').trim().split('\n')
    const many = [header, ...Array.from({ length: 1000 }, () => rows).flat()].join('\n')
    const parquet = await toParquet(many, { rowGroupSize: 2048 })
    expect(parquetMetadata(parquet.slice().buffer).row_groups.length).toBeGreaterThan(2)
    const read = await collect(pipe([fetched(parquetFile('rg'), parquet)], concatBodies(), records()))
    expect(read).toHaveLength(7000)
    expect(read.filter((r) => r.logStatus === 'NODATA')).toHaveLength(1000)
    expect(read[6999]).toMatchObject({ srcaddr: '2001:db8:1234:a100:8d6e:3477:df66:f105', bytes: 8855 })
  })

  test('column names with underscores are read as the field names', async () => {
    const text = sample('default-v2.log')
    const parquet = await toParquet(text, { rename: (field) => field.replaceAll('-', '_') })
    const viaParquet = pipe([fetched(parquetFile('us'), parquet)], concatBodies(), digest())
    expect(await collectText(viaParquet)).toBe(await collectText(pipe([text], digest())))
  })

  test('Parquet and text objects mix in one stream, each read in its own format', async () => {
    const v2 = sample('default-v2.log')
    const v5 = sample('custom-v5-service-path.log')
    const objects = [fetched(parquetFile('a'), await toParquet(v5)), fetched(fakeLogFile({ hash: 'b' }), v2)]
    expect(await collectText(pipe(objects, concatBodies(), digest()))).toBe(await collectText(pipe([v5, v2], digest())))
  })

  test('a file missing a column digests with the columns it has, and cannot be drawn', async () => {
    const text = sample('default-v2.log')
    const file = parquetFile('nodst')
    const parquet = await toParquet(text, { drop: ['dstaddr'] })
    const digested = await collectText(pipe([fetched(file, parquet)], concatBodies(), digest()))
    expect(digested.split('\n')[0]).toBe('version account-id interface-id srcaddr srcport dstport protocol packets bytes start end action log-status')
    const error = await collectText(pipe([fetched(file, parquet)], concatBodies(), toDot())).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect(error).toMatchObject({ code: 'MISSING_FIELD', object: `s3://${file.bucket}/${file.key}`, line: 2 })
  })

  test('a truncated Parquet file fails naming the object; lenient reading skips it', async () => {
    const parquet = await toParquet(sample('default-v2.log'))
    const file = parquetFile('cut')
    const cut = parquet.subarray(0, parquet.length - 20)
    await expect(collectText(pipe([fetched(file, cut)], concatBodies()))).rejects.toThrow(
      new RegExp(`s3://${file.bucket}/${file.key}: unreadable Parquet file`),
    )
    const report = skipReport()
    const objects = [fetched(file, cut), fetched(fakeLogFile(), sample('default-v2.log'))]
    const digested = await collectText(pipe(objects, concatBodies({ onError: report.add }), digest()))
    expect(digested).toBe(await collectText(pipe([sample('default-v2.log')], digest())))
    expect(report.byCode.get('UNREADABLE_PARQUET')).toBe(1)
  })
})
