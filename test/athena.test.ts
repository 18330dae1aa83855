/**
 * The digest Athena computes equals the local digest of the same objects, byte for byte:
 * the DDL and the query vpcflow generates run on DuckDB (through the test endpoint) over
 * the objects of the S3 test server, and their rows go through digest().
 */
import type { AthenaClient } from '@aws-sdk/client-athena'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { planAthenaDigest } from 'vpcflow'
import type { AthenaEndpoint } from './support/athena.js'
import { athenaText, FORMATS, localDigest, putFlowLogs, startAthenaWorld, type AthenaWorld, type FlowLogSpec, type Selection } from './support/athenaBucket.js'
import { LAYOUTS } from './support/flowLogs.js'
import { createBucket } from './support/s3.js'

const A = '111122223333'
const B = '444455556666'
let world: AthenaWorld
let s3: S3Client
let athena: AthenaEndpoint
let client: AthenaClient

beforeAll(async () => {
  world = await startAthenaWorld()
  ;({ s3, athena, client } = world)
})
afterAll(() => world?.stop())

/** A fresh bucket holding these flow logs, each from `from` to `to`. */
async function bucketOf(name: string, specs: readonly FlowLogSpec[], from: Date, to: Date, options: { minutes?: number; count?: number } = {}) {
  await createBucket(s3, name)
  await putFlowLogs(s3, name, specs, from, to, options)
  return name
}

/** A digest's lines without its header lines. */
const groupLines = (text: string): string[] => text.split('\n').filter((line) => line !== '' && !/^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*$/.test(line))

/**
 * Both digests of a selection, after checking the local one is not empty, and that the
 * query's rows of each table are already the groups of its flow logs, each with its own
 * window: the digest they then go through only merges tables, orders and formats (it
 * would also mend a query that broke a rule, so the rows are checked before it).
 */
async function both(selection: Selection): Promise<{ athena: string; local: string }> {
  const local = await localDigest(s3, selection)
  expect(local.split('\n').length).toBeGreaterThan(3)
  const text = await athenaText(client, s3, selection)
  const { rows } = athena.executions.at(-1)!
  const { tables } = await planAthenaDigest({ client, s3, ...selection })
  for (const [i, table] of tables.entries()) {
    const lines = rows.filter(([format]) => format === String(i)).map(([, line]) => line!)
    // The key fields this table's format has (digest refuses a key field its input lacks).
    const keyFields = selection.keyFields?.filter((field) => table.format.fields.includes(field))
    if (keyFields?.length === 0) continue
    const groups = groupLines(await localDigest(s3, { ...selection, keyFields, flowLogIds: table.flowLogIds, window: 'group' }))
    expect(lines.sort()).toEqual(groups.sort())
  }
  return { local, athena: text }
}

const day = (text: string): Date => new Date(text)

describe('the digest Athena computes is the local digest', () => {
  test('the default format, in the four layouts, two accounts and two regions', async () => {
    const specs = LAYOUTS.flatMap((layout, i) => [
      { account: i % 2 ? A : B, region: 'us-east-1', flowLogId: `fl-0${i}a`, layout, header: FORMATS.v2 },
      { account: i % 2 ? B : A, region: 'eu-west-1', flowLogId: `fl-0${i}b`, layout, header: FORMATS.v2 },
    ])
    const bucket = await bucketOf('default-format', specs, day('2024-05-01T20:00Z'), day('2024-05-02T04:00Z'))
    const { athena: text, local } = await both({ bucket, prefix: 'AWSLogs/' })
    expect(text).toBe(local)
    // The flow logs of the four layouts need four tables; those of one layout share one.
    const plan = await planAthenaDigest({ client, s3, bucket, prefix: 'AWSLogs/' })
    expect(plan.tables.map((table) => table.layout.name).sort()).toEqual(['default', 'hive', 'hive-hourly', 'hourly'])
  })

  test('custom formats of versions 3 to 8 and 11, and one without version, side by side in the same folders', async () => {
    const versions = [['v3', 3], ['v4', 4], ['v5', 5], ['v6', 6], ['v7', 7], ['v8', 8], ['v11', 11], ['noVersion', 2]] as const
    const specs = versions.map(([name, version], i) => ({ account: A, region: 'us-east-1', flowLogId: `fl-1${i}`, layout: 'default' as const, header: FORMATS[name], version }))
    const bucket = await bucketOf('custom-formats', specs, day('2024-05-01T10:00Z'), day('2024-05-01T14:00Z'))
    const { athena: text, local } = await both({ bucket })
    expect(text).toBe(local)
    const plan = await planAthenaDigest({ client, s3, bucket })
    expect(new Set(plan.tables.map((table) => table.name)).size).toBe(versions.length)
  })

  test('two formats side by side, one flow log of each per account and region', async () => {
    const specs = [A, B].flatMap((account, i) => [
      { account, region: 'us-east-1', flowLogId: `fl-2${i}a`, layout: 'hive' as const, header: FORMATS.v2 },
      { account, region: 'us-east-1', flowLogId: `fl-2${i}b`, layout: 'hive' as const, header: FORMATS.v5, version: 5 },
    ])
    const bucket = await bucketOf('two-formats', specs, day('2024-05-01T10:00Z'), day('2024-05-01T12:00Z'), { minutes: 30 })
    const { athena: text, local } = await both({ bucket, prefix: 'AWSLogs/' })
    expect(text).toBe(local)
    expect(text.match(/^version /gm)).toHaveLength(2)
  })

  test('Parquet, beside text of the same format', async () => {
    const specs = [
      { account: A, region: 'us-east-1', flowLogId: 'fl-30', layout: 'hourly' as const, header: FORMATS.v5, version: 5, parquet: true },
      { account: A, region: 'us-east-1', flowLogId: 'fl-31', layout: 'hive-hourly' as const, header: FORMATS.v5, version: 5 },
      { account: B, region: 'us-east-1', flowLogId: 'fl-32', layout: 'default' as const, header: FORMATS.v2, parquet: true },
    ]
    const bucket = await bucketOf('parquet', specs, day('2024-05-01T10:00Z'), day('2024-05-01T13:00Z'))
    const { athena: text, local } = await both({ bucket })
    expect(text).toBe(local)
    const plan = await planAthenaDigest({ client, s3, bucket })
    expect(plan.tables.map((table) => table.storage).sort()).toEqual(['parquet', 'parquet', 'text'])
    expect(plan.ddl.filter((statement) => statement.includes('STORED AS PARQUET'))).toHaveLength(2)
  })

  test('Parquet and text files in the same folders are refused: a Parquet table would read the text files', async () => {
    const specs = [
      { account: A, region: 'us-east-1', flowLogId: 'fl-33', layout: 'default' as const, header: FORMATS.v2, parquet: true },
      { account: A, region: 'us-east-1', flowLogId: 'fl-34', layout: 'default' as const, header: FORMATS.v2 },
    ]
    const bucket = await bucketOf('parquet-beside-text', specs, day('2024-05-01T10:00Z'), day('2024-05-01T11:00Z'))
    const started = athena.count('StartQueryExecution')
    await expect(athenaText(client, s3, { bucket, flowLogIds: ['fl-33'] })).rejects.toThrow(
      `s3://parquet-beside-text/AWSLogs/${A}/vpcflowlogs/us-east-1/ holds Parquet and text flow log files side by side`,
    )
    expect(athena.count('StartQueryExecution')).toBe(started)
    // The text flow log alone is read: its table reads the Parquet files as text, which "$path" leaves out.
    const { athena: text, local } = await both({ bucket, flowLogIds: ['fl-34'] })
    expect(text).toBe(local)
  })

  test('a text format with a tag field is refused: its values may hold blanks, which a space-separated table cannot read', async () => {
    const specs = [{ account: A, region: 'us-east-1', flowLogId: 'fl-35', layout: 'default' as const, header: `${FORMATS.v2} instance-tag`, version: 11 }]
    const bucket = await bucketOf('tags', specs, day('2024-05-01T10:00Z'), day('2024-05-01T11:00Z'))
    const started = athena.count('StartQueryExecution')
    await expect(athenaText(client, s3, { bucket })).rejects.toThrow(/_fl-35_20240501T1000Z_h000000\.log\.gz: its format has instance-tag, tag values that may hold blanks/)
    expect(athena.count('StartQueryExecution')).toBe(started)
  })

  describe('digest options', () => {
    let bucket: string
    beforeAll(async () => {
      const specs = [
        { account: A, region: 'us-east-1', flowLogId: 'fl-40', layout: 'default' as const, header: FORMATS.v2 },
        { account: B, region: 'us-east-1', flowLogId: 'fl-41', layout: 'hive-hourly' as const, header: FORMATS.v3, version: 3 },
      ]
      bucket = await bucketOf('options', specs, day('2024-05-01T10:00Z'), day('2024-05-01T16:00Z'))
    })

    test("window: 'group'", async () => {
      const { athena: text, local } = await both({ bucket, window: 'group' })
      expect(text).toBe(local)
    })

    test('keyFields, which reduce both formats to one', async () => {
      const keyFields = ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action']
      const { athena: text, local } = await both({ bucket, keyFields })
      expect(text).toBe(local)
    })

    test('keyFields with the ports and a field only one format has, grouped per window', async () => {
      const { athena: text, local } = await both({ bucket, keyFields: ['srcaddr', 'srcport', 'dstport', 'vpc-id'], window: 'group' })
      expect(text).toBe(local)
    })

    test('a key field in none of the formats is refused before any statement runs', async () => {
      const started = athena.count('StartQueryExecution')
      await expect(athenaText(client, s3, { bucket, keyFields: ['srcadr'] })).rejects.toThrow(/keyFields srcadr: in none of the formats read/)
      expect(athena.count('StartQueryExecution')).toBe(started)
    })
  })

  test('a window across midnight, with accounts and regions filtered', async () => {
    const specs = [A, B, '777788889999'].flatMap((account, i) =>
      ['us-east-1', 'eu-west-1', 'ap-southeast-2'].map((region, j) => ({
        account,
        region,
        flowLogId: `fl-5${i}${j}`,
        layout: LAYOUTS[(i + j) % 4]!,
        header: (i + j) % 2 ? FORMATS.v2 : FORMATS.v8,
      })),
    )
    const bucket = await bucketOf('midnight', specs, day('2024-05-01T22:00Z'), day('2024-05-02T02:00Z'), { minutes: 20, count: 10 })
    const selection = { bucket, prefix: 'AWSLogs/', start: day('2024-05-01T23:10Z'), end: day('2024-05-02T00:50Z'), accounts: [A, B], regions: ['us-east-1', 'eu-west-1'] }
    const { athena: text, local } = await both(selection)
    expect(text).toBe(local)
    // The files outside the window, of other accounts and regions, are in the bucket and count for nothing.
    expect(await athenaText(client, s3, { bucket, prefix: 'AWSLogs/' })).not.toBe(text)
    const plan = await planAthenaDigest({ client, s3, ...selection })
    expect(plan.query).toContain(`"aws_account_id" IN ('${A}', '${B}')`)
    expect(plan.query).not.toContain('777788889999')
    expect(plan.query).toMatch(/"day" BETWEEN '2024\/05\/01' AND '2024\/05\/02'/)
    expect(plan.query).toMatch(/"hour" BETWEEN '2024\/05\/01\/23' AND '2024\/05\/02\/00'/)
    expect(plan.query).toMatch(/"day" BETWEEN 'year=2024\/month=05\/day=01' AND 'year=2024\/month=05\/day=02'/)
    expect(plan.query).toContain("BETWEEN '20240501T2320' AND '20240502T0040'")
  })

  test('a flow log id filter, and nothing to read', async () => {
    const specs = [
      { account: A, region: 'us-east-1', flowLogId: 'fl-60', layout: 'default' as const, header: FORMATS.v2 },
      { account: A, region: 'us-east-1', flowLogId: 'fl-61', layout: 'default' as const, header: FORMATS.v2 },
    ]
    const bucket = await bucketOf('flow-log-ids', specs, day('2024-05-01T10:00Z'), day('2024-05-01T14:00Z'))
    const { athena: text, local } = await both({ bucket, flowLogIds: ['fl-61'] })
    expect(text).toBe(local)
    const started = athena.count('StartQueryExecution')
    expect(await athenaText(client, s3, { bucket, start: day('2025-01-01T00:00Z') })).toBe('')
    expect(athena.count('StartQueryExecution')).toBe(started)
  })
})
