/**
 * athenaDigest and the real Athena SDK client against the test endpoint on 127.0.0.1:
 * polling, failures, throttling, aborts in every state, paging, and tables made once.
 */
import { getEventListeners } from 'node:events'
import { gzipSync } from 'node:zlib'
import { AthenaClient } from '@aws-sdk/client-athena'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { athenaDigest, athenaPrice, FlowLogError, planAthenaDigest, type AthenaProgress } from 'vpcflow'
import { doubling, MAX_POLL_INTERVAL } from '../src/athena/queryExecution.js'
import type { AthenaEndpoint, State } from './support/athena.js'
import { athenaText, FORMATS, localDigest, putFlowLogs, startAthenaWorld, type AthenaWorld } from './support/athenaBucket.js'
import { collectText } from './support/text.js'
import { fileKey, HEADER } from './support/flowLogs.js'
import { createBucket, putObjects } from './support/s3.js'

const BUCKET = 'protocol'
const ACCOUNT = '111122223333'
let world: AthenaWorld
let s3: S3Client
let athena: AthenaEndpoint
let client: AthenaClient
let expected: string

beforeAll(async () => {
  world = await startAthenaWorld()
  ;({ s3, athena, client } = world)
  await createBucket(s3, BUCKET)
  const specs = [
    { account: ACCOUNT, region: 'us-east-1', flowLogId: 'fl-0a', layout: 'default' as const, header: FORMATS.v2 },
    { account: ACCOUNT, region: 'us-east-1', flowLogId: 'fl-0b', layout: 'default' as const, header: FORMATS.v3, version: 3 },
  ]
  await putFlowLogs(s3, BUCKET, specs, new Date('2024-05-01T10:00Z'), new Date('2024-05-01T12:00Z'))
  expected = await localDigest(s3, { bucket: BUCKET })
})
afterAll(() => world?.stop())
beforeEach(() => {
  athena.script = () => undefined
})

type StatementProgress = Extract<AthenaProgress, { step: 'table' | 'query' }>
/** The progress of the statements of one step. */
const ofStep = (progress: AthenaProgress[], step: 'table' | 'query'): StatementProgress[] =>
  progress.filter((event): event is StatementProgress => event.step === step)

/** Goes the digest query's way: the states its polls see, and a reason if it fails. */
const scriptQuery = (states: State[], reason?: string): void => {
  athena.script = (statement) => (statement.startsWith('SELECT') ? { states, reason } : undefined)
}

describe('running the statements', () => {
  test('polls with a growing wait through QUEUED and RUNNING to SUCCEEDED, and tells the state and the data scanned', async () => {
    scriptQuery(['QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'SUCCEEDED'])
    const polls: number[] = []
    const progress: AthenaProgress[] = []
    const text = await athenaText(client, s3, { bucket: BUCKET }, {
      pollInterval: (poll) => {
        polls.push(poll)
        return 0
      },
      onProgress: (event) => progress.push(event),
    })
    expect(text).toBe(expected)
    const query = ofStep(progress, 'query')
    expect(query.map((event) => event.state)).toEqual(['QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'SUCCEEDED'])
    const execution = athena.executions.at(-1)!
    expect(query.at(-1)).toMatchObject({ queryExecutionId: execution.id, dataScannedInBytes: execution.dataScanned })
    expect(execution.dataScanned).toBeGreaterThan(0)
    // Each statement's polls count from 1: CREATE DATABASE and CREATE TABLE twice (two formats) at one poll each, the query at five.
    expect(polls).toEqual([1, 1, 1, 1, 2, 3, 4, 5])
    expect(ofStep(progress, 'table').map((event) => event.state)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'])
    expect(progress.at(-1)).toEqual({ step: 'results', rows: expected.split('\n').length - 1 - 2 })
    expect(progress.find((event) => event.step === 'listing')).toMatchObject({ step: 'listing', files: 1 })
  })

  test('the default wait starts at 100 ms and doubles up to a second', () => {
    const wait = doubling(100)
    expect([1, 2, 3, 4, 5, 6].map(wait)).toEqual([100, 200, 400, 800, MAX_POLL_INTERVAL, MAX_POLL_INTERVAL])
  })

  test("a FAILED query rejects with Athena's reason, in one line", async () => {
    scriptQuery(['RUNNING', 'FAILED'], 'HIVE_BAD_DATA: Error parsing field value \'x\' for field 5: For input string: "x"')
    const error = await athenaText(client, s3, { bucket: BUCKET }).catch((error: unknown) => error)
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as FlowLogError).code).toBe('QUERY_FAILED')
    expect((error as Error).message).toBe(
      `the digest query: Athena query ${athena.executions.at(-1)!.id} failed: HIVE_BAD_DATA: Error parsing field value 'x' for field 5: For input string: "x"`,
    )
  })

  test('a query cancelled by someone else rejects, saying so', async () => {
    scriptQuery(['RUNNING', 'CANCELLED'])
    await expect(athenaText(client, s3, { bucket: BUCKET })).rejects.toThrow(/^the digest query: Athena query query-\d+ was cancelled$/)
  })

  test('a statement Athena refuses names the call, the status and the reason', async () => {
    await expect(athenaText(client, s3, { bucket: BUCKET }, { outputLocation: undefined })).rejects.toThrow(
      /^CREATE DATABASE IF NOT EXISTS `vpcflow`: StartQueryExecution failed \(HTTP 400\) after 1 attempt: InvalidRequestException: No output location provided/,
    )
  })

  test("throttling (TooManyRequestsException) is retried with the SDK's backoff", async () => {
    const standard = new AthenaClient({ endpoint: athena.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } })
    try {
      const before = { start: athena.count('StartQueryExecution'), get: athena.count('GetQueryExecution'), results: athena.count('GetQueryResults') }
      athena.throttle('StartQueryExecution', 1)
      athena.throttle('GetQueryExecution', 2)
      athena.throttle('GetQueryResults', 1)
      expect(await athenaText(standard, s3, { bucket: BUCKET })).toBe(expected)
      // 4 statements, 4 polls and 1 page, and the throttled requests again.
      expect(athena.count('StartQueryExecution') - before.start).toBe(4 + 1)
      expect(athena.count('GetQueryExecution') - before.get).toBe(4 + 2)
      expect(athena.count('GetQueryResults') - before.results).toBe(1 + 1)
    } finally {
      standard.destroy()
    }
  })

  test('results of many pages are read page after page, 1,000 rows at most', async () => {
    await createBucket(s3, 'pages')
    const lines = Array.from({ length: 2600 }, (_, i) => `2 ${ACCOUNT} eni-1 10.${i >> 8}.${i & 255}.1 10.0.0.9 40000 443 6 1 100 1714557600 1714557660 ACCEPT OK`)
    const key = fileKey({ account: ACCOUNT, region: 'us-east-1', flowLogId: 'fl-pages', time: new Date('2024-05-01T10:00Z'), hash: 'p1' })
    await putObjects(s3, 'pages', [{ key, body: gzipSync([HEADER, ...lines].join('\n') + '\n') }])
    const before = athena.count('GetQueryResults')
    const text = await athenaText(client, s3, { bucket: 'pages' })
    expect(text).toBe(await localDigest(s3, { bucket: 'pages' }))
    expect(text.split('\n')).toHaveLength(2600 + 2)
    expect(athena.count('GetQueryResults') - before).toBe(3) // 2,601 rows with the column names
    // The rows' digest keeps its groups in the memory it is given, spilling the rest to disk: the same text.
    expect(await athenaText(client, s3, { bucket: 'pages' }, { maxMemory: 16 * 1024 })).toBe(text)
  })

  test('tables are made once and found again: the same name for the same flow logs, CREATE ... IF NOT EXISTS', async () => {
    const database = 'reuse'
    expect(await athenaText(client, s3, { bucket: BUCKET }, { database })).toBe(expected)
    const tables = [...athena.tables.values()].filter((table) => table.database === database)
    expect(tables).toHaveLength(2)
    const created = athena.executions.filter((execution) => execution.statement.includes('CREATE EXTERNAL TABLE IF NOT EXISTS `reuse`'))
    expect(await athenaText(client, s3, { bucket: BUCKET }, { database })).toBe(expected)
    const again = athena.executions.filter((execution) => execution.statement.includes('CREATE EXTERNAL TABLE IF NOT EXISTS `reuse`')).slice(created.length)
    expect(again.map((execution) => execution.statement)).toEqual(created.map((execution) => execution.statement))
    // The catalog kept the tables of the first run.
    expect([...athena.tables.values()].filter((table) => table.database === database)).toEqual(tables)
    for (const table of tables) expect(athena.tables.get(`${database}.${table.name}`)).toBe(table)
  })
})

describe('stopping', () => {
  /** Aborts once the next request of `operation` has come, before it is answered. */
  const abortAtNext = (operation: string, abort: () => void): void => {
    const hold = athena.hold(operation)
    void hold.reached.then(() => {
      abort()
      hold.release()
    })
  }

  /** Aborts the digest when `when` says, then checks that it rejected with the reason and that no query runs. */
  async function abortWhen(when: (abort: () => void, progress: AthenaProgress) => void, setup: (abort: () => void) => void = () => {}): Promise<void> {
    const controller = new AbortController()
    const reason = new Error('stop here')
    const abort = (): void => controller.abort(reason)
    setup(abort)
    const before = athena.executions.length
    const text = athenaDigest({
      client,
      s3,
      bucket: BUCKET,
      outputLocation: 's3://results/',
      pollInterval: 0,
      signal: controller.signal,
      onProgress: (progress) => when(abort, progress),
    })
    await expect(collectText(text)).rejects.toBe(reason)
    expect(athena.running()).toEqual([])
    for (const execution of athena.executions.slice(before)) {
      expect(['SUCCEEDED', 'CANCELLED']).toContain(execution.state)
      if (execution.state === 'CANCELLED') expect(execution.stopped).toBe(true)
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  }

  test('while listing: no statement is started', async () => {
    const before = athena.count('StartQueryExecution')
    await abortWhen((abort, progress) => progress.step === 'listing' && abort())
    expect(athena.count('StartQueryExecution')).toBe(before)
  })

  test('while StartQueryExecution is in flight: the query it started is stopped', async () => {
    const stops = athena.count('StopQueryExecution')
    await abortWhen(
      () => {},
      (abort) => abortAtNext('StartQueryExecution', abort),
    )
    expect(athena.executions.at(-1)!.state).toBe('CANCELLED')
    expect(athena.count('StopQueryExecution')).toBe(stops + 1)
  })

  test.each<State>(['QUEUED', 'RUNNING'])('while the query is %s: it is stopped', async (state) => {
    scriptQuery(['QUEUED', 'RUNNING'])
    await abortWhen((abort, progress) => progress.step === 'query' && progress.state === state && abort())
    expect(athena.executions.at(-1)).toMatchObject({ state: 'CANCELLED', stopped: true })
  })

  test('while a table is being made: its statement is stopped and the query never starts', async () => {
    athena.script = (statement) => (statement.startsWith('CREATE EXTERNAL') ? { states: ['RUNNING'] } : undefined)
    await abortWhen((abort, progress) => progress.step === 'table' && progress.state === 'RUNNING' && abort())
    expect(athena.executions.at(-1)).toMatchObject({ state: 'CANCELLED', stopped: true })
    expect(athena.executions.at(-1)!.statement).toMatch(/^CREATE EXTERNAL TABLE/)
  })

  test('while GetQueryExecution is in flight: the query is stopped', async () => {
    scriptQuery(['RUNNING'])
    await abortWhen((abort, progress) => {
      if (progress.step === 'query' && progress.state === 'RUNNING') abortAtNext('GetQueryExecution', abort)
    })
    expect(athena.executions.at(-1)).toMatchObject({ state: 'CANCELLED', stopped: true })
  })

  test('while the results are read: the query has ended, nothing is left running', async () => {
    await abortWhen((abort, progress) => {
      if (progress.step === 'query' && progress.state === 'SUCCEEDED') abortAtNext('GetQueryResults', abort)
    })
    expect(athena.executions.at(-1)!.state).toBe('SUCCEEDED')
  })
})

describe('the plan', () => {
  test('planAthenaDigest lists and reads headers, and runs no statement', async () => {
    const before = athena.count('StartQueryExecution')
    const plan = await planAthenaDigest({ client, s3, bucket: BUCKET })
    expect(athena.count('StartQueryExecution')).toBe(before)
    expect(plan.ddl).toHaveLength(3)
    expect(plan.ddl[0]).toBe('CREATE DATABASE IF NOT EXISTS `vpcflow`')
    expect(plan.files).toBe(6)
    expect(plan.query).toMatch(/^SELECT 0 AS "format"/)
    expect(plan.ddl[1]).toContain(`"storage.location.template" = "s3://${BUCKET}/AWSLogs/\${aws_account_id}/vpcflowlogs/\${aws_region}/\${day}"`)
    expect(plan.ddl[1]).toContain('"skip.header.line.count" = "1"')
    expect(plan.ddl[1]).toContain('"projection.day.range" = "2015/01/01,NOW"')
  })

  test('the price of a query: $5 per TB, by the megabyte, 10 MB at least', () => {
    expect(athenaPrice(0)).toBe(0.00005)
    expect(athenaPrice(1e12)).toBe(5)
    expect(athenaPrice(2.5e9 + 1)).toBeCloseTo(0.012505, 9)
  })

  test('bad options are refused when athenaDigest is called, and nothing is sent before the first next()', async () => {
    const base = { client, s3, bucket: BUCKET }
    expect(() => athenaDigest({ ...base, client: undefined as never })).toThrow(/client must be an AthenaClient/)
    expect(() => athenaDigest({ ...base, s3: {} as never })).toThrow(/s3 must be an S3Client/)
    expect(() => athenaDigest({ ...base, bucket: '' })).toThrow(TypeError)
    expect(() => athenaDigest({ ...base, database: 'Flow-Logs' })).toThrow(/database must be/)
    expect(() => athenaDigest({ ...base, outputLocation: 'results/' })).toThrow(/outputLocation must be an s3:/)
    expect(() => athenaDigest({ ...base, pollInterval: -1 })).toThrow(/pollInterval/)
    expect(() => athenaDigest({ ...base, window: 'day' as 'group' })).toThrow(/window/)
    expect(() => athenaDigest({ ...base, keyFields: ['bytes'] })).toThrow(/aggregated fields: bytes/)
    expect(() => athenaDigest({ ...base, accounts: [] })).toThrow(/accounts/)
    expect(() => athenaDigest({ ...base, regions: ["us-east-1' OR 1=1"] })).toThrow(/regions/)
    expect(() => athenaDigest({ ...base, start: new Date('nope') })).toThrow(/start must be a valid Date/)
    expect(() => athenaDigest({ ...base, signal: 'stop' as never })).toThrow(/signal/)
    const before = athena.count('StartQueryExecution')
    const lazy = athenaDigest({ ...base, outputLocation: 's3://results/' })
    expect(athena.count('StartQueryExecution')).toBe(before)
    await lazy.return(undefined)
  })
})
