/**
 * Names for the map's addresses: from the JSON that `aws ec2 describe-network-interfaces`
 * prints (or the SDK returns), or from a CSV of `address,name` rows.
 */
import { addressBytes } from './addresses.js'
import type { NetworkMap } from './networkMap.js'

/** What the map reads of a network interface, as EC2's DescribeNetworkInterfaces describes it. */
export interface NetworkInterfaceDescription {
  NetworkInterfaceId?: string
  Description?: string
  InterfaceType?: string
  RequesterId?: string
  PrivateIpAddress?: string
  PrivateIpAddresses?: Array<{ PrivateIpAddress?: string; Association?: { PublicIp?: string } }>
  Ipv6Addresses?: Array<{ Ipv6Address?: string }>
  Association?: { PublicIp?: string }
  Attachment?: { InstanceId?: string }
  TagSet?: Array<{ Key?: string; Value?: string }>
}

/**
 * A person's name for an interface: its Name tag with its instance (`web-1 (i-0abc12)`),
 * or what its type says (`NAT gateway nat-0abc`, `ELB app/shop/50dc6c`, `Lambda orders`,
 * `RDS`, `VPC endpoint vpce-0abc`), its instance, or its description. Undefined when it has
 * none of them: the map then shows the address.
 *
 * @example
 * ```ts
 * interfaceName({ InterfaceType: 'nat_gateway', Description: 'Interface for NAT Gateway nat-0abc' }) // 'NAT gateway nat-0abc'
 * ```
 */
export function interfaceName(description: NetworkInterfaceDescription): string | undefined {
  const { InterfaceType: type, RequesterId: requester, Attachment } = description
  const text = description.Description?.trim() ?? ''
  const tag = description.TagSet?.find((tag) => tag.Key === 'Name')?.Value?.trim()
  const instance = Attachment?.InstanceId
  if (tag) return instance ? `${tag} (${instance})` : tag
  if (type === 'nat_gateway') return `NAT gateway ${/nat-[0-9a-f]+/.exec(text)?.[0] ?? ''}`.trim()
  if (/^ELB /.test(text)) return text
  if (type === 'lambda' || text.startsWith('AWS Lambda VPC ENI')) {
    // AWS Lambda VPC ENI-<function>-<uuid>
    const fn = /^AWS Lambda VPC ENI-(.+?)(?:-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$/.exec(text)?.[1]
    return fn ? `Lambda ${fn}` : 'Lambda'
  }
  if (requester === 'amazon-rds' || text === 'RDSNetworkInterface') return 'RDS'
  if (type === 'vpc_endpoint') return `VPC endpoint ${/vpce-[0-9a-f]+/.exec(text)?.[0] ?? ''}`.trim()
  if (instance) return instance
  return text || undefined
}

/** The addresses of an interface: private, public and IPv6. */
function interfaceAddresses(description: NetworkInterfaceDescription): string[] {
  const { PrivateIpAddress, PrivateIpAddresses = [], Ipv6Addresses = [], Association } = description
  return [
    PrivateIpAddress,
    Association?.PublicIp,
    ...PrivateIpAddresses.flatMap((address) => [address.PrivateIpAddress, address.Association?.PublicIp]),
    ...Ipv6Addresses.map((address) => address.Ipv6Address),
  ].filter((address): address is string => typeof address === 'string' && address !== '')
}

/**
 * Names by address for these interfaces (as `aws ec2 describe-network-interfaces` or the
 * SDK give them), by {@link interfaceName}.
 *
 * @example
 * ```ts
 * const names = namesOfInterfaces(JSON.parse(text).NetworkInterfaces)
 * ```
 */
export function namesOfInterfaces(descriptions: Iterable<NetworkInterfaceDescription>): Map<string, string> {
  const names = new Map<string, string>()
  for (const description of descriptions) {
    const name = interfaceName(description)
    if (name === undefined) continue
    for (const address of interfaceAddresses(description)) if (!names.has(address)) names.set(address, name)
  }
  return names
}

/**
 * Reads names of addresses from text: the JSON of `aws ec2 describe-network-interfaces`
 * (`{ "NetworkInterfaces": [...] }`, or the array alone), or CSV lines `address,name` (a
 * header line `address,name` and blank lines are passed over; a name may be quoted, `""`
 * for a quote). A mistake throws an Error naming `file` and the line.
 *
 * @example
 * ```ts
 * const names = readNames(await readFile('names.csv', 'utf8'), 'names.csv')
 * const map = await buildNetworkMap(text, { names })
 * ```
 */
export function readNames(text: string, file = 'names'): Map<string, string> {
  const body = text.replace(/^\uFEFF/, '')
  return /^\s*[[{]/.test(body) ? namesOfJson(body, file) : namesOfCsv(body, file)
}

function namesOfJson(text: string, file: string): Map<string, string> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    const line = text.slice(0, jsonErrorAt(text)).split('\n').length
    throw new Error(`${file} line ${line}: not valid JSON: ${line1((error as Error).message)}`)
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { NetworkInterfaces?: unknown } | null)?.NetworkInterfaces
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'object' || item === null)) {
    throw new Error(`${file}: expected the JSON of aws ec2 describe-network-interfaces ({ "NetworkInterfaces": [...] })`)
  }
  return namesOfInterfaces(list as NetworkInterfaceDescription[])
}

const line1 = (message: string): string => message.split('\n')[0]!

const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y

/** Where JSON text goes wrong: the offset of the first character a JSON reader cannot take (Node 20's JSON.parse does not say). */
function jsonErrorAt(text: string): number {
  let i = 0
  const space = (): void => {
    while (/\s/.test(text[i] ?? '')) i++
  }
  const expect = (c: string): void => {
    space()
    if (text[i] !== c) throw i
    i++
  }
  const value = (): void => {
    space()
    const c = text[i]
    if (c === '{' || c === '[') {
      i++
      space()
      const close = c === '{' ? '}' : ']'
      if (text[i] === close) return void i++
      for (;;) {
        if (c === '{') {
          string()
          expect(':')
        }
        value()
        space()
        if (text[i] === close) return void i++
        expect(',')
      }
    }
    if (c === '"') return string()
    i = token(LITERAL)
  }
  const string = (): void => {
    space()
    i = token(STRING)
  }
  /** The end of the token that `pattern` (sticky) finds at i; throws i when there is none. */
  const token = (pattern: RegExp): number => {
    pattern.lastIndex = i
    if (!pattern.test(text)) throw i
    return pattern.lastIndex
  }
  try {
    value()
    space()
    return i
  } catch (at) {
    return at as number
  }
}

function namesOfCsv(text: string, file: string): Map<string, string> {
  const names = new Map<string, string>()
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || (i === 0 && /^\s*address\s*,\s*name\s*$/i.test(line))) return
    const comma = line.indexOf(',')
    const address = line.slice(0, comma).trim()
    let name = line.slice(comma + 1).trim()
    if (/^".*"$/.test(name)) name = name.slice(1, -1).replaceAll('""', '"')
    if (comma < 0 || !addressBytes(address) || name === '') {
      throw new Error(`${file} line ${i + 1}: expected address,name (an IPv4 or IPv6 address, a comma, a name), got ${JSON.stringify(line.slice(0, 80))}`)
    }
    names.set(address, name)
  })
  return names
}

/**
 * Labels the map's nodes with names: a node of one address takes its name; a group keeps
 * its label and lists the names of the addresses it holds in `names`. Changes the map and
 * returns it.
 *
 * @example
 * ```ts
 * nameNodes(map, new Map([['10.0.1.5', 'web-1']]))
 * ```
 */
export function nameNodes(map: NetworkMap, names: ReadonlyMap<string, string>): NetworkMap {
  for (const node of map.nodes) {
    if (node.kind === 'address' || (node.kind === 'public' && node.addressCount === 1 && node.id === node.addresses[0])) {
      const name = names.get(node.id)
      if (name !== undefined) node.label = name
      continue
    }
    const inside = node.addresses.flatMap((address) => {
      const name = names.get(address)
      return name === undefined ? [] : [[address, name] as const]
    })
    if (inside.length > 0) node.names = Object.fromEntries(inside)
  }
  return map
}
