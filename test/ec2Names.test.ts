/**
 * Names fetched live from EC2, by the SDK's real client against a small EC2 endpoint on
 * 127.0.0.1 (the query protocol, paged XML), found through AWS_ENDPOINT_URL_EC2 as a user's
 * environment would point it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { ec2Names, readNames } from 'vpcflow'
import { startEc2Server, type Ec2Server } from './support/ec2.js'
import { DESCRIBED } from './support/interfaces.js'

let ec2: Ec2Server
const saved = { ...process.env }

beforeAll(async () => {
  // us-east-1 has every interface; eu-west-1 one of them
  ec2 = await startEc2Server((region) => (region === 'us-east-1' ? DESCRIBED.NetworkInterfaces : DESCRIBED.NetworkInterfaces.slice(4, 5)))
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EC2: ec2.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLETEST00000',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  })
})
afterAll(async () => {
  await ec2.close()
  for (const name of ['AWS_ENDPOINT_URL_EC2', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
})
afterEach(() => {
  ec2.requests.length = 0
  ec2.fail = undefined
})

describe('ec2Names', () => {
  test('every page of every region, named as the JSON of describe-network-interfaces is', async () => {
    const names = await ec2Names({ regions: ['us-east-1', 'eu-west-1'] })
    const expected = readNames(JSON.stringify(DESCRIBED))
    expect(Object.fromEntries(names)).toEqual(Object.fromEntries(expected))
    // 8 interfaces at 3 a page in us-east-1, then one page in eu-west-1
    expect(ec2.requests.map((r) => [r.action, r.region, r.nextToken !== undefined])).toEqual([
      ['DescribeNetworkInterfaces', 'us-east-1', false],
      ['DescribeNetworkInterfaces', 'us-east-1', true],
      ['DescribeNetworkInterfaces', 'us-east-1', true],
      ['DescribeNetworkInterfaces', 'eu-west-1', false],
    ])
  })

  test('an EC2 error names the call and the region, without credentials', async () => {
    ec2.fail = { status: 401, code: 'AuthFailure', message: 'AWS was not able to validate the provided access credentials AKIAEXAMPLETEST00000' }
    const error = await ec2Names({ regions: ['us-east-1'] }).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/^EC2 DescribeNetworkInterfaces in us-east-1 failed: AuthFailure: AWS was not able to validate/)
    expect((error as Error).message).not.toContain('AKIAEXAMPLETEST00000')
  })

  test('the signal stops it with its reason; options are checked', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(ec2Names({ regions: ['us-east-1'], signal: controller.signal })).rejects.toThrow('stop')
    await expect(ec2Names({ regions: 'us-east-1' as never })).rejects.toThrow(new TypeError('regions must be an array of region names, got "us-east-1"'))
    await expect(ec2Names({ regions: [], client: 'x' as never })).rejects.toThrow(/client must be a function/)
  })
})
