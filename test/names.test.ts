/** Names for the map: from the JSON of describe-network-interfaces and from CSV, and how nodes take them. */
import { describe, expect, test } from 'vitest'
import { buildNetworkMap, interfaceName, nameNodes, readNames } from 'vpcflow'
import { DESCRIBED } from './support/interfaces.js'
import { asAsync } from './support/text.js'

describe('readNames', () => {
  test('the JSON of describe-network-interfaces: every address of an interface, named by tag, type or description', () => {
    expect(Object.fromEntries(readNames(JSON.stringify(DESCRIBED, null, 2)))).toEqual({
      '10.0.1.5': 'web-1 (i-0abc1234def567890)',
      '54.1.2.3': 'web-1 (i-0abc1234def567890)',
      '10.0.1.55': 'web-1 (i-0abc1234def567890)',
      '2600:1f18::5': 'web-1 (i-0abc1234def567890)',
      '10.0.0.9': 'NAT gateway nat-0123456789abcdef0',
      '10.0.0.20': 'ELB app/shop/50dc6c495c0c9188',
      '10.0.2.30': 'Lambda orders',
      '10.0.3.10': 'RDS',
      '10.0.2.40': 'VPC endpoint vpce-0a1b2c3d4e5f60789',
      '10.0.2.60': 'EFS mount target for fs-0123 (fsmt-0456)',
    })
    expect(readNames(JSON.stringify(DESCRIBED.NetworkInterfaces)).get('10.0.3.10')).toBe('RDS') // the array alone
  })

  test('an instance without a Name tag is its instance id', () => {
    expect(interfaceName({ Attachment: { InstanceId: 'i-0abc' }, Description: 'Primary network interface' })).toBe('i-0abc')
    expect(interfaceName({ Description: '' })).toBeUndefined()
  })

  test('CSV of address,name, with a header, blanks, quotes and CRLF', () => {
    const names = readNames('address,name\r\n10.0.1.5,web-1\r\n\r\n2600:1f18::5, "db, primary ""east"""\r\n')
    expect(Object.fromEntries(names)).toEqual({ '10.0.1.5': 'web-1', '2600:1f18::5': 'db, primary "east"' })
  })

  test('mistakes name the file and the line', () => {
    expect(() => readNames('10.0.1.5,web-1\nweb-2\n', 'names.csv')).toThrow('names.csv line 2: expected address,name (an IPv4 or IPv6 address, a comma, a name), got "web-2"')
    expect(() => readNames('10.0.1.500,web\n', 'names.csv')).toThrow(/^names.csv line 1: expected address,name/)
    expect(() => readNames('{\n  "NetworkInterfaces": [\n    {"a": 1},,\n  ]\n}', 'enis.json')).toThrow(/^enis.json line 3: not valid JSON/)
    expect(() => readNames('{"Reservations": []}', 'enis.json')).toThrow('enis.json: expected the JSON of aws ec2 describe-network-interfaces ({ "NetworkInterfaces": [...] })')
  })
})

describe('nameNodes', () => {
  test('a node of one address takes its name; a group lists the names inside', async () => {
    const text = [
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      '2 111122223333 eni-a 10.0.1.5 10.0.2.30 0 443 6 1 60 1714521600 1714525200 ACCEPT OK',
      '',
    ].join('\n')
    const names = readNames(JSON.stringify(DESCRIBED))
    const byAddress = nameNodes(await buildNetworkMap(asAsync([text])), names)
    expect(byAddress.nodes.map((node) => [node.id, node.label, node.names])).toEqual([
      ['10.0.1.5', 'web-1 (i-0abc1234def567890)', undefined],
      ['10.0.2.30', 'Lambda orders', undefined],
    ])
    const grouped = await buildNetworkMap(asAsync([text]), { groupBy: 'cidr/16', names })
    expect(grouped.nodes.map((node) => [node.id, node.label, node.names])).toEqual([
      ['10.0.0.0/16', '10.0.0.0/16', { '10.0.1.5': 'web-1 (i-0abc1234def567890)', '10.0.2.30': 'Lambda orders' }],
    ])
  })
})
