/**
 * A store whose delimiter listings miss nested keys (as s3rver's do without the harness's
 * mend): a planned listing that finds no account folder where a plain listing finds keys
 * in folders lists the prefix whole, with the same result, and warns once.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { listLogFiles } from 'vpcflow'
import { collect } from './support/async.js'
import { runCli, S3RVER_CREDENTIALS as CREDENTIALS } from './support/cli.js'
import { fileKey, gzipLog } from './support/flowLogs.js'
import { memoryBucket } from './support/memoryBucket.js'
import { closeAll, startBucket, withoutTheMend, type S3Server } from './support/s3.js'

const BUCKET = 'misbehaving'
const times = ['2024-05-01T00:05Z', '2024-05-01T12:00Z', '2024-05-02T08:00Z'].map((time) => new Date(time))
const OBJECTS = ['111122223333', '444455556666'].flatMap((account) =>
  times.map((time, i) => ({ key: fileKey({ account, region: 'us-east-1', flowLogId: 'fl-1', time, hash: `0000000${i}` }), size: 100 })),
)
OBJECTS.push({ key: 'AWSLogs/README.txt', size: 5 })

/** The bucket's client, with delimiter listings that lose every folder (keys directly under the prefix stay). */
function misbehaving(client: S3Client): S3Client {
  return {
    async send(command: ListObjectsV2Command) {
      const output = await client.send(command)
      return command.input.Delimiter ? { ...output, CommonPrefixes: [] } : output
    },
  } as unknown as S3Client
}

describe('a store whose delimiter listings miss nested folders', () => {
  const window = { start: new Date('2024-05-01T06:00Z'), end: new Date('2024-05-02T23:00Z') }

  test('the planned listing falls back to listing the prefix whole: the same files as a good store, and one warning', async () => {
    const good = memoryBucket(BUCKET, OBJECTS)
    const expected = await collect(listLogFiles({ client: good.client, bucket: BUCKET, prefix: 'AWSLogs/', ...window, accounts: ['444455556666'] }))
    expect(expected.map((file) => file.key)).toEqual(OBJECTS.slice(4, 6).map((object) => object.key))
    const warnings: string[] = []
    const bad = misbehaving(memoryBucket(BUCKET, OBJECTS).client)
    const files = await collect(
      listLogFiles({ client: bad, bucket: BUCKET, prefix: 'AWSLogs/', ...window, accounts: ['444455556666'], onWarning: (message) => warnings.push(message) }),
    )
    expect(files).toEqual(expected)
    expect(warnings).toEqual([
      `s3://${BUCKET}/AWSLogs/: the folder listing found no account folder, but a plain listing finds keys in folders: listing it whole (the store's delimiter listings look wrong)`,
    ])
  })

  test('a good store, or an AWSLogs/ folder with no keys in folders, says nothing', async () => {
    const warnings: string[] = []
    const onWarning = (message: string): void => void warnings.push(message)
    await collect(listLogFiles({ client: memoryBucket(BUCKET, OBJECTS).client, bucket: BUCKET, prefix: 'AWSLogs/', ...window, onWarning }))
    const flat = misbehaving(memoryBucket(BUCKET, [{ key: 'AWSLogs/README.txt', size: 5 }]).client)
    expect(await collect(listLogFiles({ client: flat, bucket: BUCKET, prefix: 'AWSLogs/', ...window, onWarning }))).toEqual([])
    expect(warnings).toEqual([])
  })
})

describe('s3rver without the harness mend', () => {
  let s3: S3Server
  let client: S3Client

  beforeAll(async () => {
    const record = '2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 100 1714521600 1714521660 ACCEPT OK'
    ;({ s3, client } = await startBucket(BUCKET, OBJECTS.filter((object) => object.size === 100).map(({ key }) => ({ key, body: gzipLog([record]) }))))
  })
  afterAll(() => closeAll(client, s3))

  test('the command lists the files of an account through the fallback, and prints the warning once', async () => {
    const args = ['list', `s3://${BUCKET}/AWSLogs/`, '--account', '444455556666', '--endpoint', s3.endpoint, '--path-style']
    const mended = await runCli(args, { env: CREDENTIALS })
    expect(mended).toMatchObject({ code: 0, stderr: '' })
    const result = await withoutTheMend(() => runCli(args, { env: CREDENTIALS }))
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(mended.stdout)
    expect(result.stdout.trim().split('\n')).toHaveLength(3)
    expect(result.stderr).toBe(
      `vpcflow: s3://${BUCKET}/AWSLogs/: the folder listing found no account folder, but a plain listing finds keys in folders: listing it whole (the store's delimiter listings look wrong)\n`,
    )
  })
})
