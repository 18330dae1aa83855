import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  concatBodies,
  digest,
  FlowLogError,
  listLocalLogFiles,
  listLogFiles,
  prefetch,
  skipReport,
  toDot,
  type LogFile,
  type SkippedObject,
} from 'vpcflow'
import { collect } from './support/async.js'
import { fileKey, gzipLog, type FileSpec } from './support/flowLogs.js'
import { closeAll, createBucket, putObjects, s3Client, startS3rver, type S3Server } from './support/s3.js'
import { collectText } from './support/text.js'

const SAMPLE = new URL('../examples/sample-bucket/', import.meta.url).pathname
const spec = (hash: string, layout: FileSpec['layout'], hour = 10): FileSpec => ({
  account: '123456789012',
  region: 'us-east-1',
  flowLogId: 'fl-0a1b2c3d4e5f60718',
  time: new Date(Date.UTC(2024, 4, 1, hour, 5)),
  hash,
  layout,
})
const RECORD = '2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 443 6 3 300 1714557600 1714557660 ACCEPT OK'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vpcflow-local-'))
  const files: Array<[string, string | Uint8Array]> = [
    [fileKey(spec('aaaa1111', 'default')), gzipLog([RECORD])],
    [fileKey(spec('bbbb2222', 'hive-hourly', 11)), gzipLog([RECORD, RECORD])],
    ['AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/trail.json.gz', 'x'],
    ['README.txt', 'not a flow log'],
    [fileKey(spec('cccc3333', 'hourly')), ''],
  ]
  for (const [key, body] of files) {
    await mkdir(dirname(join(dir, key)), { recursive: true })
    await writeFile(join(dir, key), body)
  }
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('listLocalLogFiles', () => {
  test('yields the flow log files of a folder with their path on disk, and reports the rest', async () => {
    const skipped: SkippedObject[] = []
    const files = await collect(listLocalLogFiles({ dir, onSkip: (object) => skipped.push(object) }))
    expect(files.map((file) => file.key)).toEqual([fileKey(spec('aaaa1111', 'default')), fileKey(spec('bbbb2222', 'hive-hourly', 11))])
    expect(files[1]).toEqual({
      bucket: dir,
      key: fileKey(spec('bbbb2222', 'hive-hourly', 11)),
      path: join(dir, ...fileKey(spec('bbbb2222', 'hive-hourly', 11)).split('/')),
      size: gzipLog([RECORD, RECORD]).byteLength,
      account: '123456789012',
      region: 'us-east-1',
      flowLogId: 'fl-0a1b2c3d4e5f60718',
      timestamp: new Date('2024-05-01T11:05:00Z'),
      hash: 'bbbb2222',
      format: 'text',
    })
    expect(skipped.map((s) => [s.key, s.reason]).sort()).toEqual([
      ['AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/trail.json.gz', 'not a flow log file name'],
      [fileKey(spec('cccc3333', 'hourly')), 'empty object'],
      ['README.txt', 'not a flow log file name'],
    ])
  })

  test('reads a link to a file as the file, and reports a link to a folder instead of following it', async () => {
    const linked = await mkdtemp(join(tmpdir(), 'vpcflow-links-'))
    try {
      const target = join(dir, ...fileKey(spec('aaaa1111', 'default')).split('/'))
      await symlink(target, join(linked, fileKey(spec('dddd4444', 'default')).split('/').pop()!))
      await symlink(dir, join(linked, 'AWSLogs'))
      const skipped: SkippedObject[] = []
      const files = await collect(listLocalLogFiles({ dir: linked, onSkip: (object) => skipped.push(object) }))
      expect(files.map((file) => [file.hash, file.size])).toEqual([['dddd4444', gzipLog([RECORD]).byteLength]])
      expect(skipped.map((object) => [object.key, object.reason])).toEqual([['AWSLogs', 'link to a folder']])
    } finally {
      await rm(linked, { recursive: true, force: true })
    }
  })

  test('lists only keys under the prefix', async () => {
    const files = await collect(listLocalLogFiles({ dir, prefix: 'AWSLogs/aws-account-id=' }))
    expect(files.map((file) => file.hash)).toEqual(['bbbb2222'])
  })

  test('prefetch reads local files from disk with no client, and names a file that went missing', async () => {
    const text = await collectText(pipe(listLocalLogFiles({ dir }), prefetch(), concatBodies(), digest()))
    expect(text.split('\n')[1]).toBe('2 123456789012 eni-1 10.0.0.1 10.0.0.2 0 443 6 9 900 1714557600 1714557660 ACCEPT OK')

    const [first] = await collect(listLocalLogFiles({ dir }))
    const gone: LogFile = { ...first!, path: join(dir, 'missing.log.gz') }
    const error = await collect(pipe([gone], prefetch())).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect(error).toMatchObject({ code: 'REQUEST_FAILED', object: join(dir, 'missing.log.gz') })
    const report = skipReport()
    expect(await collect(pipe([gone, first!], prefetch({ onError: report.add })))).toHaveLength(1)
    expect(report.objects).toBe(1)
  })

  test('an S3 log file without a client is refused with a TypeError', async () => {
    const [first] = await collect(listLocalLogFiles({ dir }))
    const { path: _, ...s3File } = first!
    await expect(collect(pipe([s3File as LogFile], prefetch()))).rejects.toThrow(/needs a client to fetch s3:\/\//)
  })

  test('a missing folder rejects; bad options throw at the call', async () => {
    await expect(collect(listLocalLogFiles({ dir: join(dir, 'nope') }))).rejects.toMatchObject({
      name: 'FlowLogError',
      code: 'REQUEST_FAILED',
      object: join(dir, 'nope'),
    })
    expect(() => listLocalLogFiles({ dir: '' })).toThrow(TypeError)
  })
})

describe('the bundled sample bucket, local and over S3', () => {
  let s3: S3Server
  let client: S3Client
  const BUCKET = 'sample-bucket'

  beforeAll(async () => {
    s3 = await startS3rver()
    client = s3Client(s3.endpoint)
    await createBucket(client, BUCKET)
    const keys: string[] = []
    const walk = async (folder: string): Promise<void> => {
      for (const entry of await readdir(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name)
        if (entry.isDirectory()) await walk(path)
        else keys.push(relative(SAMPLE, path).split(sep).join('/'))
      }
    }
    await walk(SAMPLE)
    await putObjects(client, BUCKET, await Promise.all(keys.map(async (key) => ({ key, body: await readFile(join(SAMPLE, key)) }))))
  })
  afterAll(() => closeAll(client, s3))

  test('lists the same files from the folder as from the bucket', async () => {
    const local = await collect(listLocalLogFiles({ dir: SAMPLE }))
    const remote = await collect(listLogFiles({ client, bucket: BUCKET }))
    const strip = ({ bucket: _b, path: _p, ...rest }: LogFile) => rest
    const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : 1)
    expect(local.map(strip).sort(byKey)).toEqual(remote.map(strip).sort(byKey))
    expect(local.length).toBeGreaterThan(100)
    expect(new Set(local.map((file) => file.account))).toEqual(new Set(['111122223333', '444455556666']))
    expect(new Set(local.map((file) => file.region))).toEqual(new Set(['us-east-1', 'eu-west-1']))
  })

  test('digests and draws the same from the folder as from the bucket', async () => {
    const local = await collectText(pipe(listLocalLogFiles({ dir: SAMPLE }), prefetch(), concatBodies(), digest(), toDot()))
    const remote = await collectText(
      pipe(listLogFiles({ client, bucket: BUCKET }), prefetch({ client }), concatBodies(), digest(), toDot()),
    )
    expect(local).toBe(remote)
    expect(local.match(/ -> /g)!.length).toBeGreaterThan(100)
  })
})
