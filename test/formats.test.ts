import { pipe } from 'it-pipe'
import { describe, expect, test } from 'vitest'
import { digest, toDot } from 'vpcflow'
import { collectText, sample, ORIGINAL_README } from './support/text.js'

const README = ORIGINAL_README.join('\n')
const V2_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'

describe('digest options', () => {
  test("window: 'group' gives each line its own earliest start and latest end", async () => {
    expect(await collectText(pipe([README], digest({ window: 'group' })))).toBe(
      `${V2_HEADER}\n` +
        '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 80 4000 1418530010 1818530070 ACCEPT OK\n' +
        '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 20 1000 1718530010 1718530070 REJECT OK\n',
    )
  })

  test('keyFields keeps only the chosen fields and the aggregated ones, grouping on the chosen', async () => {
    const out = await collectText(
      pipe([sample('default-v2.log')], digest({ keyFields: ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action'] })),
    )
    const window = '1418530010 1477913820'
    expect(out).toBe(
      [
        'srcaddr dstaddr dstport protocol packets bytes start end action',
        `172.31.16.139 172.31.16.21 22 6 20 4249 ${window} ACCEPT`,
        `172.31.16.139 203.0.113.12 0 1 4 336 ${window} REJECT`,
        `172.31.9.69 172.31.9.12 3389 6 20 4249 ${window} REJECT`,
        `2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 22 6 54 8855 ${window} ACCEPT`,
        `203.0.113.12 172.31.16.139 0 1 4 336 ${window} ACCEPT`,
      ].join('\n') + '\n',
    )
  })

  test('dropping interface-id merges the ENIs of one host', async () => {
    const text = [
      V2_HEADER,
      '2 123456789010 eni-a 10.0.0.5 10.0.0.9 50000 443 6 1 10 100 160 ACCEPT OK',
      '2 123456789010 eni-b 10.0.0.5 10.0.0.9 50001 443 6 2 20 200 260 ACCEPT OK',
    ].join('\n')
    const keyFields = ['version', 'account-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'action', 'log-status']
    expect(await collectText(pipe([text], digest({ keyFields })))).toBe(
      'version account-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n' +
        '2 123456789010 10.0.0.5 10.0.0.9 0 443 6 3 30 100 260 ACCEPT OK\n',
    )
  })

  test('formats that reduce to the same key fields merge into one block', async () => {
    const a = 'version srcaddr dstaddr bytes\n2 10.0.0.1 10.0.0.2 5\n'
    const b = 'srcaddr vpc-id dstaddr bytes\n10.0.0.1 vpc-1 10.0.0.2 7\n10.0.0.3 vpc-1 10.0.0.2 1\n'
    expect(await collectText(pipe([a, b], digest({ keyFields: ['srcaddr', 'dstaddr'] })))).toBe(
      'srcaddr dstaddr bytes\n10.0.0.1 10.0.0.2 12\n10.0.0.3 10.0.0.2 1\n',
    )
  })

  test('without keyFields, mixed formats give one block per format, ordered by header', async () => {
    const a = 'version srcaddr dstaddr bytes\n2 10.0.0.1 10.0.0.2 5\n'
    const b = 'srcaddr vpc-id dstaddr bytes\n10.0.0.1 vpc-1 10.0.0.2 7\n'
    const expected = 'srcaddr vpc-id dstaddr bytes\n10.0.0.1 vpc-1 10.0.0.2 7\nversion srcaddr dstaddr bytes\n2 10.0.0.1 10.0.0.2 5\n'
    expect(await collectText(pipe([a, b], digest()))).toBe(expected)
    expect(await collectText(pipe([b, a], digest()))).toBe(expected)
  })

  test('a byte order mark before the header is passed over', async () => {
    expect(await collectText(pipe([`\ufeff${V2_HEADER}\n${ORIGINAL_README[0]}\n`], digest()))).toBe(
      await collectText(pipe([`${V2_HEADER}\n${ORIGINAL_README[0]}\n`], digest())),
    )
  })

  test('headerless text is read in the fields the caller names', async () => {
    const text = '10.0.0.1 10.0.0.2 443 5\n10.0.0.1 10.0.0.2 443 6\n'
    expect(await collectText(pipe([text], digest({ fields: ['srcaddr', 'dstaddr', 'dstport', 'bytes'] })))).toBe(
      'srcaddr dstaddr dstport bytes\n10.0.0.1 10.0.0.2 443 11\n',
    )
  })

  test('a key field in none of the formats read is an error, not one group of everything', async () => {
    await expect(collectText(pipe([README], digest({ keyFields: ['srcadr', 'dstaddr'] })))).rejects.toThrow(/keyFields srcadr: in none of the formats read/)
  })

  test('bad options throw TypeError at the call', () => {
    expect(() => digest({ window: 'day' as 'group' })).toThrow(TypeError)
    expect(() => digest({ keyFields: [] })).toThrow(TypeError)
    expect(() => digest({ keyFields: ['srcaddr', 'bytes'] })).toThrow(/aggregated fields: bytes/)
    expect(() => digest({ fields: [] })).toThrow(TypeError)
    expect(() => digest({ onError: 'skip' as never })).toThrow(TypeError)
    expect(() => toDot({ fields: [] })).toThrow(TypeError)
  })
})

describe('drawing any format', () => {
  test('every present field of a v5 record is an edge attribute; absent ones are left out', async () => {
    const dot = await collectText(pipe([sample('custom-v5-service-path.log')], toDot()))
    const ingress = dot.split('\n').find((line) => line.includes('"52.95.128.179" -> "10.0.0.71"'))!
    expect(ingress).toContain('vpcflow_pkt_src_aws_service="S3"')
    expect(ingress).toContain('vpcflow_flow_direction="ingress"')
    expect(ingress).toContain('vpcflow_tcp_flags="19"')
    expect(ingress).toContain('vpcflow_az_id="apse2-az3"')
    expect(ingress).not.toContain('vpcflow_traffic_path')
    expect(ingress).not.toContain('vpcflow_pkt_dst_aws_service')
    // 1616729292 is 2021-03-26T03:28:12Z, 1616729349 is 03:29:09 the same day
    expect(ingress).toContain('label="123456789012 eni-1235b8ca123456789\\ntcp 80 → 34210\\n14 packets, 15044 bytes\\n2021-03-26 03:28 – 03:29Z"')
    const egress = dot.split('\n').find((line) => line.includes('"10.0.0.71" -> "52.95.128.179"'))!
    expect(egress).toContain('vpcflow_traffic_path="8"')
  })

  test('IPv6 end to end: digest keys, DOT nodes and labels', async () => {
    const text = [
      V2_HEADER,
      '2 123456789010 eni-1 2001:db8::1 2001:db8::2 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK',
      '2 123456789010 eni-1 2001:db8::1 2001:db8::2 34893 22 6 6 145 1477913708 1477913830 ACCEPT OK',
      '2 123456789010 eni-1 2001:db8::12 2001:db8::2 34892 22 6 1 1 1477913708 1477913820 REJECT OK',
    ].join('\n')
    const digested = await collectText(pipe([text], digest()))
    expect(digested).toBe(
      `${V2_HEADER}\n` +
        '2 123456789010 eni-1 2001:db8::1 2001:db8::2 0 22 6 60 9000 1477913708 1477913830 ACCEPT OK\n' +
        '2 123456789010 eni-1 2001:db8::12 2001:db8::2 0 22 6 1 1 1477913708 1477913830 REJECT OK\n',
    )
    const dot = await collectText(pipe([digested], toDot()))
    expect(dot).toContain('"2001:db8::1" -> "2001:db8::2" [color=green')
    expect(dot).toContain('"2001:db8::12" -> "2001:db8::2" [color=red')
    expect(dot).toContain('"2001:db8::1" [label="2001:db8::1"];')
    expect(dot).toContain('"2001:db8::12" [label="2001:db8::12"];')
    expect(dot.match(/\[label=/g)).toHaveLength(3)
  })
})
