/**
 * The network map's builder: conversations from digest lines and raw records, the outside
 * world folded, grouping, clusters, counting once what two interfaces both recorded, and the
 * address rules it rests on.
 */
import { pipe } from 'it-pipe'
import { describe, expect, test } from 'vitest'
import { buildNetworkMap, digest, FlowLogError, toNetworkMap, type MapEdge, type NetworkMap, type NetworkMapOptions } from 'vpcflow'
import { addressBytes, blockOf, isPrivate } from '../src/map/addresses.js'
import { asAsync, collectText } from './support/text.js'

const V2 = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'
/** A custom format with the interface's VPC and subnet, its direction, and the AWS service fields. */
const V5 = 'version account-id interface-id vpc-id subnet-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service'

/** A v2 line: `eni src dst sport dport protocol packets bytes action`, times fixed. */
function v2(eni: string, src: string, dst: string, sport: number, dport: number, protocol: number, packets: number | string, bytes: number | string, action = 'ACCEPT', account = '111122223333'): string {
  return `2 ${account} ${eni} ${src} ${dst} ${sport} ${dport} ${protocol} ${packets} ${bytes} 1714521600 1714525200 ${action} OK`
}

async function mapOf(lines: string[], options: NetworkMapOptions = {}): Promise<NetworkMap> {
  return buildNetworkMap(asAsync([`${lines.join('\n')}\n`]), options)
}

const edge = (map: NetworkMap, from: string, to: string): MapEdge => {
  const found = map.edges.find((e) => e.from === from && e.to === to)
  if (!found) throw new Error(`no edge ${from} -> ${to} in ${map.edges.map((e) => e.id).join(', ')}`)
  return found
}

describe('conversations', () => {
  test('a request and its reply fold into one edge, client to server, counted each way', async () => {
    const map = await mapOf([V2, v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 10, 1000), v2('eni-a', '10.0.2.9', '10.0.1.5', 443, 0, 6, 8, 5000)])
    expect(map.edges).toHaveLength(1)
    const e = map.edges[0]!
    expect([e.from, e.to, e.action, e.records, e.sources, e.targets]).toEqual(['10.0.1.5', '10.0.2.9', 'ACCEPT', 2, 1, 1])
    expect(e.forward).toEqual({ accepted: { bytes: 1000, packets: 10 }, rejected: { bytes: 0, packets: 0 } })
    expect(e.reverse).toEqual({ accepted: { bytes: 5000, packets: 8 }, rejected: { bytes: 0, packets: 0 } })
    expect(e.services.map((s) => [s.label, s.protocol, s.port])).toEqual([['tcp/443', 6, 443]])
    expect(map.window).toEqual({ start: 1714521600, end: 1714525200 })
  })

  test('raw records (both ports set) give the same map as their digest', async () => {
    const raw = [
      V2,
      v2('eni-a', '10.0.1.5', '10.0.2.9', 40001, 443, 6, 10, 1000),
      v2('eni-a', '10.0.2.9', '10.0.1.5', 443, 40001, 6, 8, 5000),
      v2('eni-a', '10.0.1.5', '10.0.2.9', 51000, 443, 6, 3, 300),
      v2('eni-a', '10.0.2.9', '10.0.1.5', 22, 33000, 6, 1, 60),
      v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 0, 1, 2, 168),
      v2('eni-a', '198.51.100.7', '10.0.1.5', 53, 53, 17, 1, 90), // equal ports: srcport is the ephemeral one
    ]
    const direct = await mapOf(raw)
    const digested = await buildNetworkMap(pipe(asAsync([raw.join('\n') + '\n']), digest()))
    // the same but for `records`, which counts the lines folded in: fewer in a digest
    const withoutRecords = (map: NetworkMap): unknown => JSON.parse(JSON.stringify(map, (key, value: unknown) => (key === 'records' ? undefined : value)))
    expect(withoutRecords(digested)).toEqual(withoutRecords(direct))
    expect(digested.edges[0]!.records).toBeLessThan(direct.edges[0]!.records)
    expect(direct.edges.map((e) => [e.id, e.services.map((s) => s.label)])).toEqual([
      ['10.0.1.5 -> 10.0.2.9', ['tcp/443', 'icmp', 'tcp/22']], // the reply from port 22 folds in: no edge back
      ['internet:in -> 10.0.1.5', ['udp/53']],
    ])
    expect(edge(direct, '10.0.1.5', '10.0.2.9').forward.accepted).toEqual({ bytes: 1468, packets: 15 })
  })

  test('accepted and rejected are counted apart, and an edge with both says BOTH', async () => {
    const map = await mapOf([
      V2,
      v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 10, 1000),
      v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 22, 6, 3, 180, 'REJECT'),
      v2('eni-a', '10.0.1.5', '10.0.3.3', 0, 3306, 6, 2, 120, 'REJECT'),
    ])
    const both = edge(map, '10.0.1.5', '10.0.2.9')
    expect(both.action).toBe('BOTH')
    expect(both.forward).toEqual({ accepted: { bytes: 1000, packets: 10 }, rejected: { bytes: 180, packets: 3 } })
    expect(both.services.map((s) => [s.label, s.forward.rejected.packets])).toEqual([['tcp/443', 0], ['tcp/22', 3]])
    expect(edge(map, '10.0.1.5', '10.0.3.3').action).toBe('REJECT')
  })

  test('a scan from many public addresses is one red edge from the internet, with its sources counted', async () => {
    const scanners = Array.from({ length: 40 }, (_, i) => `203.0.113.${i + 1}`)
    const lines = [V2, ...scanners.flatMap((address, i) => [22, 23, 3389].map((port) => v2('eni-a', address, '10.0.1.5', 40000 + i, port, 6, 1, 44, 'REJECT')))]
    const map = await mapOf(lines)
    expect(map.edges).toHaveLength(1)
    const scan = map.edges[0]!
    expect([scan.from, scan.to, scan.action, scan.sources, scan.targets, scan.records]).toEqual(['internet:in', '10.0.1.5', 'REJECT', 40, 1, 120])
    expect(scan.forward.rejected).toEqual({ bytes: 40 * 3 * 44, packets: 120 })
    const internet = map.nodes.find((node) => node.id === 'internet:in')!
    expect([internet.kind, internet.label, internet.addressCount, internet.addresses.length]).toEqual(['internet', 'internet', 40, 40])
    expect(internet.addresses.slice(0, 3)).toEqual(['203.0.113.1', '203.0.113.10', '203.0.113.11']) // byte order
  })

  test('lines that are not OK are left out; a record without addresses is an error naming its line, or skipped when lenient', async () => {
    const lines = [V2, '2 111122223333 eni-a - - - - - - - 1714521600 1714525200 - NODATA', v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 60)]
    expect((await mapOf(lines)).edges).toHaveLength(1)
    const bad = [V2, v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 60), '2 111122223333 eni-a - 10.0.2.9 0 443 6 1 60 1714521600 1714525200 ACCEPT OK']
    const error = await mapOf(bad).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLogError)
    expect((error as FlowLogError).message).toBe('line 3: a record to map needs srcaddr and dstaddr')
    const skipped: FlowLogError[] = []
    expect((await mapOf(bad, { onError: (e) => skipped.push(e) })).edges).toHaveLength(1)
    expect(skipped.map((e) => [e.code, e.line])).toEqual([['MISSING_FIELD', 3]])
  })

  test('a protocol past 255 or a port past 65535 is an error naming its line, never another conversation', async () => {
    const good = v2('eni-a', '10.0.0.1', '10.0.0.3', 0, 22, 88, 1, 60)
    for (const bad of [v2('eni-a', '10.0.0.1', '10.0.0.2', 0, 22, 600, 1, 60), v2('eni-a', '10.0.0.1', '10.0.0.2', 80000, 90000, 6, 1, 60)]) {
      const error = await mapOf([V2, bad, good]).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(FlowLogError)
      expect((error as FlowLogError).message).toBe('line 2: a record to map needs a protocol of 0 to 255 and ports of 0 to 65535')
      const skipped: FlowLogError[] = []
      const map = await mapOf([V2, bad, good], { onError: (e) => skipped.push(e) })
      expect(map.edges.map((e) => [e.from, e.to, e.services.map((s) => s.label)])).toEqual([['10.0.0.1', '10.0.0.3', ['protocol 88/22']]])
      expect(skipped.map((e) => [e.code, e.line])).toEqual([['NOT_A_NUMBER', 2]])
    }
  })

  test('sums past 2^53 stay exact, as bigints', async () => {
    const big = 2n ** 53n + 1n
    const map = await mapOf([V2, v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, big.toString()), v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, big.toString())])
    expect(map.edges[0]!.forward.accepted).toEqual({ bytes: 2n * big, packets: 2 })
    expect(map.edges[0]!.services[0]!.forward.accepted.bytes).toBe(2n * big)
  })

  test('a conversation recorded by both interfaces counts once, the larger record each way', async () => {
    const lines = [
      V2,
      // the client's interface, then the server's, see the same request and reply
      v2('eni-client', '10.0.1.5', '10.0.2.9', 0, 443, 6, 10, 1000),
      v2('eni-client', '10.0.2.9', '10.0.1.5', 443, 0, 6, 8, 5000),
      v2('eni-server', '10.0.1.5', '10.0.2.9', 0, 443, 6, 11, 1100),
      v2('eni-server', '10.0.2.9', '10.0.1.5', 443, 0, 6, 8, 5000),
    ]
    const e = (await mapOf(lines)).edges[0]!
    expect(e.forward.accepted).toEqual({ bytes: 1100, packets: 11 })
    expect(e.reverse.accepted).toEqual({ bytes: 5000, packets: 8 })
    expect(e.records).toBe(4)
  })

  test('what the client\'s interface let out and the server\'s rejected is rejected, not both', async () => {
    const map = await mapOf([
      V2,
      v2('eni-client', '10.0.1.5', '10.0.3.10', 0, 5432, 6, 2, 120),
      v2('eni-server', '10.0.1.5', '10.0.3.10', 0, 5432, 6, 2, 120, 'REJECT'),
    ])
    const e = map.edges[0]!
    expect([e.action, e.forward.accepted.packets, e.forward.rejected.packets]).toEqual(['REJECT', 0, 2])
  })

  test('the map is the same whatever the order of the lines', async () => {
    const lines = [
      v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 10, 1000),
      v2('eni-b', '10.0.1.5', '10.0.2.9', 0, 443, 6, 12, 1000),
      v2('eni-a', '10.0.1.5', '52.0.0.1', 0, 443, 6, 1, 1),
      v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 80, 6, 3, 2000),
      v2('eni-b', '198.51.100.1', '10.0.2.9', 0, 22, 6, 1, 44, 'REJECT'),
    ]
    const forward = await mapOf([V2, ...lines])
    expect(await mapOf([V2, ...lines.reverse()])).toEqual(forward)
  })
})

describe('the outside world', () => {
  const lines = [
    V5,
    `5 111122223333 eni-app vpc-1 subnet-app 10.0.2.9 52.216.1.2 0 443 6 10 9000 1714521600 1714525200 ACCEPT OK egress 10.0.2.9 52.216.1.2 - S3`,
    `5 111122223333 eni-app vpc-1 subnet-app 52.216.1.2 10.0.2.9 443 0 6 20 90000 1714521600 1714525200 ACCEPT OK ingress 52.216.1.2 10.0.2.9 S3 -`,
    `5 111122223333 eni-app vpc-1 subnet-app 10.0.2.9 52.94.0.7 0 443 6 1 100 1714521600 1714525200 ACCEPT OK egress 10.0.2.9 52.94.0.7 - DYNAMODB`,
    `5 111122223333 eni-app vpc-1 subnet-app 10.0.2.9 93.184.216.34 0 443 6 1 100 1714521600 1714525200 ACCEPT OK egress 10.0.2.9 93.184.216.34 - -`,
    `5 111122223333 eni-web vpc-1 subnet-web 198.51.100.4 10.0.1.5 0 443 6 1 100 1714521600 1714525200 ACCEPT OK ingress 198.51.100.4 10.0.1.5 - -`,
    `5 111122223333 eni-web vpc-1 subnet-web 10.0.1.5 198.51.100.4 443 0 6 1 100 1714521600 1714525200 ACCEPT OK egress 10.0.1.5 198.51.100.4 - -`,
  ]

  test('public addresses fold into internet:in (clients) and internet:out (servers); an AWS service is a node of its own', async () => {
    const map = await mapOf(lines)
    expect(map.nodes.map((node) => [node.id, node.kind, node.label, node.addresses])).toEqual([
      ['10.0.1.5', 'address', '10.0.1.5', ['10.0.1.5']],
      ['10.0.2.9', 'address', '10.0.2.9', ['10.0.2.9']],
      ['aws:DYNAMODB', 'aws-service', 'DYNAMODB', ['52.94.0.7']],
      ['aws:S3', 'aws-service', 'S3', ['52.216.1.2']],
      ['internet:in', 'internet', 'internet', ['198.51.100.4']],
      ['internet:out', 'internet', 'internet', ['93.184.216.34']],
    ])
    expect(map.edges.map((e) => e.id)).toEqual(['10.0.2.9 -> aws:DYNAMODB', '10.0.2.9 -> aws:S3', '10.0.2.9 -> internet:out', 'internet:in -> 10.0.1.5'])
    expect(edge(map, '10.0.2.9', 'aws:S3').reverse.accepted).toEqual({ bytes: 90000, packets: 20 })
  })

  test('keepPublic keeps each public address as a node', async () => {
    const map = await mapOf(lines, { keepPublic: true })
    expect(map.nodes.filter((node) => node.kind === 'public').map((node) => [node.id, node.label])).toEqual([
      ['198.51.100.4', '198.51.100.4'],
      ['52.216.1.2', 'S3 52.216.1.2'],
      ['52.94.0.7', 'DYNAMODB 52.94.0.7'],
      ['93.184.216.34', '93.184.216.34'],
    ])
    expect(map.nodes.some((node) => node.kind === 'internet')).toBe(false)
  })

  test('IPv6: unique local addresses are private, others public; blocks are /64 where a subnet is unknown', async () => {
    const lines = [V2, v2('eni-a', 'fd00:10::5', '2600:1f18:aaaa::9', 0, 443, 6, 1, 60), v2('eni-a', 'fd00:10::5', 'fd00:20::7', 0, 8080, 6, 1, 60)]
    const byAddress = await mapOf(lines)
    expect(byAddress.edges.map((e) => e.id)).toEqual(['fd00:10::5 -> fd00:20::7', 'fd00:10::5 -> internet:out'])
    const bySubnet = await mapOf(lines, { groupBy: 'subnet', onWarning: () => {} })
    expect(bySubnet.nodes.map((node) => node.id)).toEqual(['fd00:10::/64', 'fd00:20::/64', 'internet:out'])
  })

  test('a public address seen as an interface\'s own is not the internet', async () => {
    const map = await mapOf([V2, v2('eni-a', '54.1.2.3', '10.0.0.8', 0, 443, 6, 1, 60), v2('eni-a', '54.1.2.3', '10.0.0.9', 0, 443, 6, 1, 60)])
    expect(map.nodes.map((node) => [node.id, node.kind])).toEqual([['10.0.0.8', 'address'], ['10.0.0.9', 'address'], ['54.1.2.3', 'address']])
  })
})

describe('groups and clusters', () => {
  const lines = [
    V5,
    `5 111122223333 eni-web vpc-1 subnet-web 10.0.1.5 10.0.2.9 0 8080 6 10 1000 1714521600 1714525200 ACCEPT OK egress 10.0.1.5 10.0.2.9 - -`,
    `5 111122223333 eni-web2 vpc-1 subnet-web 10.0.1.6 10.0.2.9 0 8080 6 10 1000 1714521600 1714525200 ACCEPT OK egress 10.0.1.6 10.0.2.9 - -`,
    `5 111122223333 eni-app vpc-1 subnet-app 10.0.1.5 10.0.2.9 0 8080 6 10 1000 1714521600 1714525200 ACCEPT OK ingress 10.0.1.5 10.0.2.9 - -`,
    `5 444455556666 eni-other vpc-2 subnet-other 10.1.0.4 10.0.2.9 0 5432 6 1 60 1714521600 1714525200 REJECT OK egress 10.1.0.4 10.0.2.9 - -`,
    `5 444455556666 eni-other vpc-2 subnet-other 10.1.0.4 172.16.9.9 0 53 17 1 60 1714521600 1714525200 ACCEPT OK egress 10.1.0.4 172.16.9.9 - -`,
  ]

  test('by subnet: learned from the records where an address is the interface\'s own; the rest by cidr/24, with a warning', async () => {
    const warnings: string[] = []
    const map = await mapOf(lines, { groupBy: 'subnet', onWarning: (message) => warnings.push(message) })
    expect(map.nodes.map((node) => [node.id, node.kind, node.addresses, node.cluster])).toEqual([
      ['172.16.9.0/24', 'group', ['172.16.9.9'], undefined],
      ['subnet-app', 'group', ['10.0.2.9'], 'vpc-1'],
      ['subnet-other', 'group', ['10.1.0.4'], 'vpc-2'],
      ['subnet-web', 'group', ['10.0.1.5', '10.0.1.6'], 'vpc-1'],
    ])
    expect(warnings).toEqual(["1 of the private addresses were never an interface's own address in the records: grouped by cidr/24 (cidr/64 for IPv6) instead of subnet"])
    const web = edge(map, 'subnet-web', 'subnet-app')
    expect([web.sources, web.targets, web.forward.accepted.bytes]).toEqual([2, 1, 2000]) // 10.0.1.5's request counted once
    expect(map.clusters).toEqual([
      { id: '111122223333', label: 'account 111122223333', kind: 'account' },
      { id: '444455556666', label: 'account 444455556666', kind: 'account' },
      { id: 'vpc-1', label: 'vpc-1', kind: 'vpc', parent: '111122223333' },
      { id: 'vpc-2', label: 'vpc-2', kind: 'vpc', parent: '444455556666' },
    ])
  })

  test('by vpc: just the VPCs (in their accounts) and the rest', async () => {
    const map = await mapOf(lines, { groupBy: 'vpc', onWarning: () => {} })
    expect(map.nodes.map((node) => [node.id, node.cluster])).toEqual([['172.16.9.0/24', undefined], ['vpc-1', '111122223333'], ['vpc-2', '444455556666']])
    expect(map.edges.map((e) => [e.id, e.action])).toEqual([['vpc-1 -> vpc-1', 'ACCEPT'], ['vpc-2 -> 172.16.9.0/24', 'ACCEPT'], ['vpc-2 -> vpc-1', 'REJECT']])
  })

  test('by account and by cidr/N', async () => {
    const byAccount = await mapOf(lines, { groupBy: 'account', onWarning: () => {} })
    expect(byAccount.nodes.map((node) => node.id)).toEqual(['111122223333', '172.16.9.0/24', '444455556666'])
    expect(byAccount.clusters).toEqual([])
    const by16 = await mapOf(lines, { groupBy: 'cidr/16' })
    expect(by16.nodes.map((node) => [node.id, node.addressCount, node.cluster])).toEqual([['10.0.0.0/16', 3, 'vpc-1'], ['10.1.0.0/16', 1, 'vpc-2'], ['172.16.0.0/16', 1, undefined]])
  })

  test('without subnet-id in the records, subnet grouping falls back to cidr/24 and says why', async () => {
    const warnings: string[] = []
    const map = await mapOf([V2, v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 60)], { groupBy: 'subnet', onWarning: (message) => warnings.push(message) })
    expect(map.nodes.map((node) => node.id)).toEqual(['10.0.1.0/24', '10.0.2.0/24'])
    expect(warnings).toEqual(['the records have no subnet-id field: addresses grouped by cidr/24 (cidr/64 for IPv6) instead of subnet'])
  })

  test('without flow-direction, an interface\'s own address is the one in all its records', async () => {
    const map = await mapOf(
      [V2, v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 60), v2('eni-a', '10.0.2.8', '10.0.1.5', 0, 22, 6, 1, 60), v2('eni-b', '10.0.2.9', '10.0.1.5', 443, 0, 6, 1, 60, 'ACCEPT', '444455556666')],
      { groupBy: 'account', onWarning: () => {} },
    )
    expect(map.nodes.map((node) => [node.id, node.addresses])).toEqual([['10.0.2.0/24', ['10.0.2.8', '10.0.2.9']], ['111122223333', ['10.0.1.5']]])
  })

  test('regions come from the region field and from the log files\' names', async () => {
    const chunk = Object.defineProperty(Buffer.from(`${V2}\n${v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 60)}\n`), 'source', {
      value: { bucket: 'b', key: 'AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/05/01/111122223333_vpcflowlogs_eu-west-1_fl-1234abcd_20240501T0005Z_abcd1234.log.gz' },
    })
    const regional = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status region\n${v2('eni-b', '10.0.1.5', '10.0.2.9', 0, 80, 6, 1, 60)} us-east-1\n`
    const map = await buildNetworkMap(asAsync([chunk, regional]))
    expect(map.regions).toEqual(['eu-west-1', 'us-east-1'])
  })
})

describe('the stage', () => {
  test('options are checked when the stage is made', () => {
    expect(() => toNetworkMap({ groupBy: 'host' as never })).toThrow(new TypeError('groupBy must be address, subnet, vpc, account or cidr/N (N from 0 to 128), got host'))
    expect(() => toNetworkMap({ groupBy: 'cidr/129' })).toThrow(/groupBy must be/)
    expect(() => toNetworkMap({ keepPublic: 'yes' as never })).toThrow(/keepPublic must be a boolean/)
    expect(() => toNetworkMap({ names: {} as never })).toThrow(/names must be a Map/)
    expect(() => toNetworkMap({ onWarning: 1 as never })).toThrow(/onWarning must be a function/)
    expect(() => toNetworkMap({ signal: {} as never })).toThrow(/signal must be an AbortSignal/)
  })

  test('yields one map, the names applied; the signal stops it with its reason', async () => {
    const text = `${V2}\n${v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, 60)}\n`
    const maps: NetworkMap[] = []
    for await (const map of pipe(asAsync([text]), toNetworkMap({ names: new Map([['10.0.2.9', 'db-1']]), source: 'here' }))) maps.push(map)
    expect(maps).toHaveLength(1)
    expect(maps[0]!.source).toBe('here')
    expect(maps[0]!.nodes.map((node) => node.label)).toEqual(['10.0.1.5', 'db-1'])
    const controller = new AbortController()
    const never = (async function* () {
      yield text
      await new Promise(() => {})
    })()
    const built = buildNetworkMap(never, { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(built).rejects.toThrow('stop')
  })

  test('the JSON of a map round-trips once bigints are written as strings', async () => {
    const map = await mapOf([V2, v2('eni-a', '10.0.1.5', '10.0.2.9', 0, 443, 6, 1, (2n ** 60n).toString())])
    const text = await collectText(asAsync([JSON.stringify(map, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))]))
    expect(JSON.parse(text).edges[0].forward.accepted.bytes).toBe((2n ** 60n).toString())
  })
})

describe('addresses', () => {
  test('private: RFC 1918, RFC 6598, link-local, IPv6 unique local and link-local', () => {
    const privates = ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.255', '169.254.169.254', 'fd00::1', 'fc00::1', 'fe80::1', 'febf::1']
    const publics = ['172.32.0.1', '172.15.0.1', '100.128.0.1', '100.63.0.1', '8.8.8.8', '2600:1f18::1', 'fec0::1', '192.169.0.1']
    expect(privates.filter((address) => !isPrivate(addressBytes(address)))).toEqual([])
    expect(publics.filter((address) => isPrivate(addressBytes(address)))).toEqual([])
  })

  test('blocks of a prefix length, IPv4 and IPv6 in their shortest form', () => {
    expect(blockOf(addressBytes('10.0.1.200')!, 24)).toBe('10.0.1.0/24')
    expect(blockOf(addressBytes('10.0.1.200')!, 20)).toBe('10.0.0.0/20')
    expect(blockOf(addressBytes('10.0.1.200')!, 64)).toBe('10.0.1.200/32')
    expect(blockOf(addressBytes('2600:1f18:0:1:abcd::5')!, 64)).toBe('2600:1f18:0:1::/64')
    expect(blockOf(addressBytes('2001:db8::ffff:10.0.0.1')!, 128)).toBe('2001:db8::ffff:a00:1/128')
    expect(blockOf(addressBytes('fd00:0:0:1::1')!, 48)).toBe('fd00::/48')
    expect(['1.2.3', '1.2.3.256', '::1::2', 'x', '1:2:3:4:5:6:7:8:9'].map(addressBytes)).toEqual([undefined, undefined, undefined, undefined, undefined])
  })
})
