import { describe, expect, test } from 'vitest'
import { parseLogFileKey } from 'vpcflow'

const NAME = '123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz'

const EXPECTED = {
  account: '123456789012',
  region: 'us-east-1',
  flowLogId: 'fl-1234abcd',
  timestamp: new Date(Date.UTC(2018, 5, 20, 16, 20)),
  hash: 'fe123456',
  format: 'text',
}

describe('parseLogFileKey: the four AWS layouts, with and without a bucket prefix', () => {
  const layouts = {
    default: `AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/${NAME}`,
    hourly: `AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/16/${NAME}`,
    hive: `AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2018/month=06/day=20/${NAME}`,
    'hive hourly': `AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2018/month=06/day=20/hour=16/${NAME}`,
  }
  for (const [layout, key] of Object.entries(layouts)) {
    test(`${layout} layout`, () => {
      expect(parseLogFileKey(key)).toEqual(EXPECTED)
    })
    test(`${layout} layout under a one-level bucket prefix`, () => {
      expect(parseLogFileKey(`flow-logs/${key}`)).toEqual(EXPECTED)
    })
    test(`${layout} layout under a nested bucket prefix`, () => {
      expect(parseLogFileKey(`prod/network/vpc/${key}`)).toEqual(EXPECTED)
    })
  }
})

describe('parseLogFileKey: what the file name says', () => {
  test('the timestamp is a UTC Date with minute precision', () => {
    const parsed = parseLogFileKey(
      'AWSLogs/210987654321/vpcflowlogs/eu-west-1/2024/12/31/210987654321_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f60718_20241231T2355Z_0a1B2c3D.log.gz',
    )
    expect(parsed).toBeDefined()
    expect(parsed!.timestamp).toBeInstanceOf(Date)
    expect(parsed!.timestamp.toISOString()).toBe('2024-12-31T23:55:00.000Z')
    expect(parsed!.timestamp.getTime()).toBe(Date.UTC(2024, 11, 31, 23, 55))
    expect(parsed).toEqual({
      account: '210987654321',
      region: 'eu-west-1',
      flowLogId: 'fl-0a1b2c3d4e5f60718',
      timestamp: new Date('2024-12-31T23:55:00Z'),
      hash: '0a1B2c3D',
      format: 'text',
    })
  })

  test('.log.parquet files have format parquet', () => {
    const key =
      'AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2018/month=06/day=20/hour=16/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.parquet'
    expect(parseLogFileKey(key)).toEqual({ ...EXPECTED, format: 'parquet' })
  })

  test('regions with several dashes (GovCloud) and midnight / end-of-hour times', () => {
    const key =
      'AWSLogs/123456789012/vpcflowlogs/us-gov-west-1/2020/02/29/123456789012_vpcflowlogs_us-gov-west-1_fl-1234abcd_20200229T0000Z_abc.log.gz'
    expect(parseLogFileKey(key)).toEqual({
      account: '123456789012',
      region: 'us-gov-west-1',
      flowLogId: 'fl-1234abcd',
      timestamp: new Date('2020-02-29T00:00:00Z'),
      hash: 'abc',
      format: 'text',
    })
    const lastMinute =
      'AWSLogs/123456789012/vpcflowlogs/ap-southeast-2/2019/12/31/23/123456789012_vpcflowlogs_ap-southeast-2_fl-9z_20191231T2359Z_ff.log.gz'
    expect(parseLogFileKey(lastMinute)?.timestamp.toISOString()).toBe('2019-12-31T23:59:00.000Z')
  })
})

describe('parseLogFileKey: keys that are not flow log files', () => {
  const folder = 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/'
  test.each([
    ['a CloudTrail log', 'AWSLogs/123456789012/CloudTrail/us-east-1/2018/06/20/123456789012_CloudTrail_us-east-1_20180620T1620Z_fe123456.json.gz'],
    ['a CloudTrail digest', 'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2018/06/20/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20180620T162000Z.json.gz'],
    ['a folder marker', folder],
    ['a hive folder marker', 'AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2018/'],
    ['the empty key', ''],
    ['a stray text file', `${folder}README.txt`],
    ['an AWS permission check object', 'AWSLogs/123456789012/vpcflowlogs/aws-logs-write-test'],
    ['a file name without .gz', `${folder}123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log`],
    ['a file name with a further extension', `${folder}${NAME}.tmp`],
    ['another service', `${folder}123456789012_elasticloadbalancing_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz`],
    ['an 11-digit account', `${folder}12345678901_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz`],
    ['a flow log id without fl-', `${folder}123456789012_vpcflowlogs_us-east-1_1234abcd_20180620T1620Z_fe123456.log.gz`],
    ['a timestamp without Z', `${folder}123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620_fe123456.log.gz`],
    ['a timestamp with seconds', `${folder}123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T162000Z_fe123456.log.gz`],
  ])('%s', (_, key) => {
    expect(parseLogFileKey(key)).toBeUndefined()
  })
})

describe('parseLogFileKey: invalid dates and times are not flow log files', () => {
  const key = (stamp: string): string =>
    `AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_${stamp}_fe123456.log.gz`
  test.each([
    ['February 30', '20180230T1620Z'],
    ['February 29 of a common year', '20190229T1620Z'],
    ['April 31', '20180431T1620Z'],
    ['day 0', '20180600T1620Z'],
    ['month 0', '20180020T1620Z'],
    ['month 13', '20181320T1620Z'],
    ['hour 24', '20180620T2400Z'],
    ['minute 60', '20180620T1660Z'],
  ])('%s', (_, stamp) => {
    expect(parseLogFileKey(key(stamp))).toBeUndefined()
  })

  test('February 29 of a leap year is valid', () => {
    expect(parseLogFileKey(key('20240229T0005Z'))?.timestamp.toISOString()).toBe('2024-02-29T00:05:00.000Z')
  })
})

describe('parseLogFileKey: only the file name is read', () => {
  // The name says all there is to know, so a copy moved out of the AWS layouts still parses,
  // with the account and region its name gives.
  test.each([
    ['a bare file name at the bucket root', NAME],
    ['a copy under an unrelated folder', `backup/2018-06-20/${NAME}`],
    ['the vpcflowlogs folder of another account', `AWSLogs/210987654321/vpcflowlogs/us-east-1/2018/06/20/${NAME}`],
  ])('%s parses from its name', (_, key) => {
    expect(parseLogFileKey(key)).toMatchObject({ account: '123456789012', region: 'us-east-1', flowLogId: 'fl-1234abcd' })
  })
})

describe('parseLogFileKey: years before 100', () => {
  test('a four-digit year is taken as written, or the key is refused', () => {
    const parsed = parseLogFileKey(
      'AWSLogs/123456789012/vpcflowlogs/us-east-1/0099/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_00990620T1620Z_fe123456.log.gz',
    )
    if (parsed !== undefined) expect(parsed.timestamp.getUTCFullYear()).toBe(99)
  })
})
