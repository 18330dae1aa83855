import { pipe } from 'it-pipe'
import { describe, expect, test } from 'vitest'
import { digest, records, toText, type FlowLogRecord } from 'vpcflow'
import { collect } from './support/async.js'
import { collectText, sample, seededRandom, splitRandomly, SAMPLES } from './support/text.js'


/** The text with every run of blanks as one space, as vpcflow writes it. */
const normalised = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).join(' '))
    .filter(Boolean)
    .join('\n') + '\n'

describe('records()', () => {
  test('reads default-format records with numbers as numbers and absent fields absent', async () => {
    const all = await collect(pipe([sample('default-v2.log')], records()))
    expect(all).toHaveLength(7)
    expect(all[0]).toEqual({
      version: 2,
      accountId: '123456789010',
      interfaceId: 'eni-1235b8ca123456789',
      srcaddr: '172.31.16.139',
      dstaddr: '172.31.16.21',
      srcport: 20641,
      dstport: 22,
      protocol: 6,
      packets: 20,
      bytes: 4249,
      start: 1418530010,
      end: 1418530070,
      action: 'ACCEPT',
      logStatus: 'OK',
    })
    expect(all[2]).toEqual({
      version: 2,
      accountId: '123456789010',
      interfaceId: 'eni-1235b8ca123456789',
      start: 1431280876,
      end: 1431280934,
      logStatus: 'NODATA',
    })
    expect(all[6]).toMatchObject({
      srcaddr: '2001:db8:1234:a100:8d6e:3477:df66:f105',
      dstaddr: '2001:db8:1234:a102:3304:8879:34cf:4071',
    })
  })

  test('reads custom formats by their header, v5 fields in camelCase', async () => {
    const [ingress, egress] = await collect(pipe([sample('custom-v5-service-path.log')], records()))
    expect(ingress).toMatchObject({
      version: 5,
      pktSrcAwsService: 'S3',
      flowDirection: 'ingress',
      azId: 'apse2-az3',
      tcpFlags: 19,
      packets: 14,
      bytes: 15044,
    })
    expect(ingress).not.toHaveProperty('trafficPath')
    expect(ingress).not.toHaveProperty('sublocationType')
    expect(egress).toMatchObject({ pktDstAwsService: 'S3', trafficPath: 8, flowDirection: 'egress' })
    const nat = await collect(pipe([sample('custom-nat-no-version.log')], records()))
    expect(nat[0]).toEqual({
      interfaceId: 'eni-1235b8ca123456789',
      srcaddr: '10.0.1.5',
      dstaddr: '10.0.0.220',
      pktSrcaddr: '10.0.1.5',
      pktDstaddr: '203.0.113.5',
    })
  })

  test('carries fields it does not know as strings under their own names', async () => {
    const text = 'version srcaddr dstaddr future-status\n12 10.0.0.1 10.0.0.2 1\n'
    expect(await collect(pipe([text], records()))).toEqual([
      { version: 12, srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', 'future-status': '1' },
    ])
  })

  test('reads text without a header in the fields the caller names', async () => {
    const all = await collect(pipe(['10.0.0.1 10.0.0.2 443\n'], records({ fields: ['srcaddr', 'dstaddr', 'dstport'] })))
    expect(all).toEqual([{ srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', dstport: 443 }])
  })
})

describe('toText()', () => {
  test.each(SAMPLES)('writes %s back as the same records in the same format', async (name) => {
    const text = sample(name)
    const random = seededRandom(name.length)
    const written = await collectText(pipe(splitRandomly(text, random, 20), records(), toText()))
    expect(written).toBe(normalised(text))
  })

  test('writes a header again whenever the format changes', async () => {
    const mixed = sample('default-v2.log') + sample('custom-nat-no-version.log') + sample('default-v2.log')
    const written = await collectText(pipe([mixed], records(), toText()))
    expect(written).toBe(normalised(mixed))
  })

  test('writes records made elsewhere in the default format, or in the fields asked for', async () => {
    const made: FlowLogRecord[] = [{ srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', dstport: 443, action: 'ACCEPT' }]
    expect(await collectText(pipe(made, toText()))).toBe(
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n' +
        '- - - 10.0.0.1 10.0.0.2 - 443 - - - - - ACCEPT -\n',
    )
    expect(await collectText(pipe(made, toText({ fields: ['srcaddr', 'dstport'] })))).toBe('srcaddr dstport\n10.0.0.1 443\n')
  })

  test('filtered records digest like the text they came from', async () => {
    const accepted = async function* (all: AsyncIterable<FlowLogRecord>): AsyncGenerator<FlowLogRecord> {
      for await (const record of all) if (record.action === 'ACCEPT') yield record
    }
    const text = sample('default-v2.log')
    const viaRecords = await collectText(pipe([text], records(), accepted, toText(), digest()))
    const withoutRejects = text.split('\n').filter((line) => !line.includes('REJECT')).join('\n')
    expect(viaRecords).toBe(await collectText(pipe([withoutRejects], digest())))
  })

  test('rejects empty fields at the call', () => {
    expect(() => toText({ fields: [] })).toThrow(TypeError)
  })
})
