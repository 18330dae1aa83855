/**
 * The fold from flow log records to conversations between addresses (a client, a server, a
 * service, the counts each way, as each interface logged them), and what the records say of
 * the addresses and interfaces on the way: an address's own interface, its AWS service, an
 * interface's account, VPC and subnet, the regions and the time window.
 */
import type { FlowLogError } from '../errors.js'
import { BIG, lineError, textReader, type RecordLine } from '../flowLogText.js'
import type { Format } from '../format.js'
import { parseLogFileKey, type LogObject } from '../parseLogFileKey.js'
import { addressBytes, isPrivate } from './addresses.js'
import { add, type Count } from './counts.js'

/** The fields the map reads, by the name its code uses. */
const FIELDS = {
  srcaddr: 'srcaddr',
  dstaddr: 'dstaddr',
  srcport: 'srcport',
  dstport: 'dstport',
  protocol: 'protocol',
  packets: 'packets',
  bytes: 'bytes',
  start: 'start',
  end: 'end',
  action: 'action',
  logStatus: 'log-status',
  account: 'account-id',
  interfaceId: 'interface-id',
  vpc: 'vpc-id',
  subnet: 'subnet-id',
  region: 'region',
  pktSrcaddr: 'pkt-srcaddr',
  pktDstaddr: 'pkt-dstaddr',
  pktSrcService: 'pkt-src-aws-service',
  pktDstService: 'pkt-dst-aws-service',
  flowDirection: 'flow-direction',
} as const

/** The positions of the fields the map reads in one format, -1 where it lacks one. */
type Positions = Record<keyof typeof FIELDS, number>

/** A network interface (or, where the format has no interface-id, the account, VPC and subnet of the records). */
export interface Interface {
  readonly id: string
  /** The interface's own account, VPC and subnet, from the first of its records that has them. */
  account: string | undefined
  vpc: string | undefined
  subnet: string | undefined
  /** Addresses in every record of the interface so far (-1: none), for formats without flow-direction. */
  a: number
  b: number
}

/**
 * Counts of a conversation as one interface recorded them: bytes and packets of the request
 * accepted, the request rejected, the reply accepted and the reply rejected, then the lines of each.
 */
export const STRIDE = 12

/**
 * The conversations between addresses, as columns: client, server, service (protocol and
 * port) and the first observer's counts in typed arrays, so that memory stays a few dozen
 * bytes a conversation; the rare further observers (both ends of a conversation logging)
 * and counts past 2^53 aside.
 */
export class Conversations {
  size = 0
  client = new Int32Array(1024)
  server = new Int32Array(1024)
  /** (protocol + 1) * 65536 + port. */
  service = new Int32Array(1024)
  observer = new Int32Array(1024)
  records = new Float64Array(1024)
  counts = new Float64Array(1024 * STRIDE)
  /** Counts past 2^53, by their place in `counts`. */
  readonly big = new Map<number, bigint>()
  /** The counts of observers after the first, by conversation. */
  readonly others = new Map<number, Array<{ observer: number; counts: Count[] }>>()
  readonly byKey = new Map<number | string, number>()
  readonly pairs = new Map<number | string, number>()

  /** The conversation of a client and server on a service, made if new. */
  of(client: number, server: number, service: number, observer: number): number {
    const pairKey = client < 2 ** 22 && server < 2 ** 22 ? client * 2 ** 22 + server : `${client} ${server}`
    let pair = this.pairs.get(pairKey)
    if (pair === undefined) this.pairs.set(pairKey, (pair = this.pairs.size))
    const key = pair < 2 ** 27 ? pair * 2 ** 25 + service : `${pair} ${service}`
    let at = this.byKey.get(key)
    if (at === undefined) {
      this.byKey.set(key, (at = this.size++))
      if (at === this.client.length) this.grow()
      this.client[at] = client
      this.server[at] = server
      this.service[at] = service
      this.observer[at] = observer
    }
    return at
  }

  /** Adds to a count of a conversation as an observer recorded it. */
  add(at: number, observer: number, index: number, value: Count): void {
    if (this.observer[at] !== observer) {
      const others = this.others.get(at) ?? []
      if (others.length === 0) this.others.set(at, others)
      let other = others.find((o) => o.observer === observer)
      if (!other) others.push((other = { observer, counts: new Array<Count>(STRIDE).fill(0) }))
      other.counts[index] = add(other.counts[index]!, value)
      return
    }
    const place = at * STRIDE + index
    const big = this.big.get(place)
    const sum = this.counts[place]! + Number(value)
    if (big !== undefined || typeof value === 'bigint' || sum > Number.MAX_SAFE_INTEGER) this.big.set(place, BigInt(big ?? this.counts[place]!) + BigInt(value))
    else this.counts[place] = sum
  }

  /**
   * A conversation's counts, each way, as one observer recorded them: the one that rejected
   * most (the receiver has the last word: what a sender's interface let out, the receiver's
   * may reject), then the one with the most bytes, since two interfaces that both log see the
   * same packets.
   */
  observed(at: number, into: Count[]): void {
    for (let i = 0; i < STRIDE; i++) into[i] = this.counts[at * STRIDE + i]!
    if (this.big.size > 0) for (let i = 0; i < STRIDE; i++) into[i] = this.big.get(at * STRIDE + i) ?? into[i]!
    const others = this.others.get(at)
    if (!others) return
    const first = into.slice()
    const all = [first, ...others.map((other) => other.counts)]
    const chosen: Count[] = new Array<Count>(STRIDE).fill(0)
    for (const kinds of [[0, 1], [2, 3]] as const) {
      const [accepted, rejected] = kinds.map((kind) => 2 * kind) as [number, number]
      const score = (counts: Count[]): Count[] => [counts[rejected + 1]!, counts[rejected]!, add(counts[accepted]!, counts[rejected]!), add(counts[accepted + 1]!, counts[rejected + 1]!)]
      let best = first
      let top = score(first)
      for (const counts of all.slice(1)) {
        const next = score(counts)
        const order = next.findIndex((value, i) => value !== top[i])
        if (order >= 0 && next[order]! > top[order]!) [best, top] = [counts, next]
      }
      for (const kind of kinds) {
        chosen[2 * kind] = best[2 * kind]!
        chosen[2 * kind + 1] = best[2 * kind + 1]!
        chosen[8 + kind] = best[8 + kind]!
      }
    }
    for (let i = 0; i < STRIDE; i++) into[i] = chosen[i]!
  }

  private grow(): void {
    const larger = <T extends Int32Array | Float64Array>(array: T, size: number): T => {
      const copy = new (array.constructor as new (size: number) => T)(size)
      copy.set(array)
      return copy
    }
    const size = this.client.length * 2
    this.client = larger(this.client, size)
    this.server = larger(this.server, size)
    this.service = larger(this.service, size)
    this.observer = larger(this.observer, size)
    this.records = larger(this.records, size)
    this.counts = larger(this.counts, size * STRIDE)
  }
}

/** A field's text, or undefined for `-` or a field the format lacks. */
function fieldText({ bytes, starts, ends }: RecordLine, p: number): string | undefined {
  return p < 0 || (ends[p]! - starts[p]! === 1 && bytes[starts[p]!] === 45) ? undefined : bytes.toString('utf8', starts[p], ends[p])
}

/** A count as the record has it: 0 when absent, a bigint past 2^53. */
function countOf({ bytes, starts, ends, numbers }: RecordLine, p: number): Count {
  if (p < 0) return 0
  const value = numbers[p]!
  if (value >= 0) return value
  return value === BIG ? BigInt(bytes.toString('latin1', starts[p], ends[p])) : 0
}

const NO_ADDRESS = -1

/** The fold from records to conversations: text pushed in chunks, and what it gathered once it ended. */
export function conversations(settings: { readonly fields: readonly string[] | undefined; readonly onError: ((error: FlowLogError) => void) | undefined }) {
  const plans = new Map<Format, Positions>()
  const addressIds = new Map<string, number>()
  const addresses: string[] = []
  /** For each address: the interface it is the own address of, -1 when none is known. */
  const ownInterface: number[] = []
  /** For each address: the AWS service its range belongs to (pkt-*-aws-service), if any. */
  const services: Array<string | undefined> = []
  const interfaceIds = new Map<string, number>()
  const interfaces: Interface[] = []
  const table = new Conversations()
  const regions = new Set<string>()
  /** The fields some format had: what grouping can rely on. */
  const present = new Set<string>()
  let start = Infinity
  let end = -Infinity
  let lastSource: LogObject | undefined

  const planOf = (format: Format): Positions => {
    let plan = plans.get(format)
    if (!plan) {
      plan = Object.fromEntries(Object.entries(FIELDS).map(([name, field]) => [name, format.positions.get(field) ?? -1])) as Positions
      for (const field of format.fields) present.add(field)
      plans.set(format, plan)
    }
    return plan
  }

  const addressOf = (text: string): number => {
    let id = addressIds.get(text)
    if (id === undefined) {
      addressIds.set(text, (id = addresses.length))
      addresses.push(text)
      ownInterface.push(-1)
      services.push(undefined)
    }
    return id
  }

  function onRecord(record: RecordLine): void {
    const { numbers } = record
    const plan = planOf(record.format)
    if (plan.logStatus >= 0 && fieldText(record, plan.logStatus) !== 'OK') return
    const srcText = fieldText(record, plan.srcaddr)
    const dstText = fieldText(record, plan.dstaddr)
    if (srcText === undefined || dstText === undefined) throw lineError(record, 'MISSING_FIELD', 'a record to map needs srcaddr and dstaddr')
    const src = addressOf(srcText)
    const dst = addressOf(dstText)

    // Who is the client: the side whose port is 0 once the ephemeral one is taken as 0.
    let srcport = plan.srcport < 0 ? 0 : Math.max(0, numbers[plan.srcport]!)
    let dstport = plan.dstport < 0 ? 0 : Math.max(0, numbers[plan.dstport]!)
    if (srcport > 0 && dstport > 0) {
      if (srcport >= dstport) srcport = 0
      else dstport = 0
    }
    const reply = srcport > 0 && dstport === 0
    const client = reply ? dst : src
    const server = reply ? src : dst
    const protocol = plan.protocol < 0 ? -1 : numbers[plan.protocol]!
    // A conversation's service packs the protocol and the server's port into one number.
    if (protocol < -1 || protocol > 255 || !isPort(record, plan.srcport) || !isPort(record, plan.dstport)) {
      throw lineError(record, 'NOT_A_NUMBER', 'a record to map needs a protocol of 0 to 255 and ports of 0 to 65535')
    }

    // The interface that recorded it, and what the record says of the interface's own address.
    const interfaceKey =
      fieldText(record, plan.interfaceId) ?? [plan.account, plan.vpc, plan.subnet].map((p) => fieldText(record, p)).join(' ').trim()
    let observer = -1
    if (interfaceKey !== '') {
      let id = interfaceIds.get(interfaceKey)
      if (id === undefined) {
        interfaceIds.set(interfaceKey, (id = interfaces.length))
        interfaces.push({ id: interfaceKey, account: undefined, vpc: undefined, subnet: undefined, a: src, b: dst })
        const region = fieldText(record, plan.region)
        if (region) regions.add(region)
      }
      observer = id
      const own = interfaces[id]!
      // One interface can be in several flow logs, of formats with and without these fields.
      if (own.vpc === undefined && plan.vpc >= 0) own.vpc = fieldText(record, plan.vpc)
      if (own.subnet === undefined && plan.subnet >= 0) own.subnet = fieldText(record, plan.subnet)
      if (own.account === undefined && plan.account >= 0) own.account = fieldText(record, plan.account)
      const direction = plan.flowDirection < 0 ? undefined : fieldText(record, plan.flowDirection)
      if (direction === 'egress' || direction === 'ingress') {
        const address = direction === 'egress' ? src : dst
        if (ownInterface[address] === -1) ownInterface[address] = id
        own.a = own.b = NO_ADDRESS - 1 // known from flow-direction: no guessing needed
      } else if (own.a >= NO_ADDRESS) {
        if (own.a !== src && own.a !== dst) own.a = NO_ADDRESS
        if (own.b !== src && own.b !== dst) own.b = NO_ADDRESS
      }
    }
    if (plan.pktSrcService >= 0) learnService(record, plan.pktSrcService, plan.pktSrcaddr, src)
    if (plan.pktDstService >= 0) learnService(record, plan.pktDstService, plan.pktDstaddr, dst)
    if (record.source !== lastSource) {
      lastSource = record.source
      const region = record.source && parseLogFileKey(record.source.key)?.region
      if (region) regions.add(region)
    }
    const first = plan.start < 0 ? -1 : numbers[plan.start]!
    const last = plan.end < 0 ? -1 : numbers[plan.end]!
    if (first >= 0 && first < start) start = first
    if (last > end) end = last

    const at = table.of(client, server, (protocol + 1) * 65536 + (reply ? srcport : dstport), observer)
    const rejected = plan.action >= 0 && fieldText(record, plan.action) === 'REJECT'
    const kind = (reply ? 2 : 0) + (rejected ? 1 : 0)
    table.add(at, observer, 2 * kind, countOf(record, plan.bytes))
    table.add(at, observer, 2 * kind + 1, countOf(record, plan.packets))
    table.add(at, observer, 8 + kind, 1)
    table.records[at]!++
  }

  /** The service pkt-*-aws-service names is its pkt-*addr's: the address's where the two agree. */
  function learnService(record: RecordLine, p: number, pkt: number, address: number): void {
    const service = fieldText(record, p)
    if (service !== undefined && (pkt < 0 || fieldText(record, pkt) === addresses[address]) && (services[address] ?? 'AMAZON') === 'AMAZON') services[address] = service
  }

  const reader = textReader({ fields: settings.fields, onError: settings.onError, onRecord })
  return {
    push: reader.push,
    end: reader.end,
    gathered: (): Gathered => {
      // Interfaces without flow-direction: the one address in all their records is their own.
      interfaces.forEach((own, id) => {
        const candidates = [own.a, own.b].filter((address, i, all) => address >= 0 && all.indexOf(address) === i)
        const privates = candidates.filter((address) => isPrivate(addressBytes(addresses[address]!)))
        const address = candidates.length === 1 ? candidates[0] : privates.length === 1 ? privates[0] : undefined
        if (address !== undefined && ownInterface[address] === -1) ownInterface[address] = id
      })
      return { addresses, ownInterface, services, interfaces, conversations: table, regions, present, window: start <= end ? { start, end } : undefined }
    },
  }
}

/** What the fold gathered, for the map to be made of. */
export interface Gathered {
  readonly addresses: readonly string[]
  readonly ownInterface: readonly number[]
  readonly services: ReadonlyArray<string | undefined>
  readonly interfaces: readonly Interface[]
  readonly conversations: Conversations
  readonly regions: ReadonlySet<string>
  readonly present: ReadonlySet<string>
  readonly window: { start: number; end: number } | undefined
}

/** Whether the field at `p` is absent or a port (0 to 65535). */
function isPort(record: RecordLine, p: number): boolean {
  const value = p < 0 ? -1 : record.numbers[p]!
  return value >= -1 && value <= 65535
}
