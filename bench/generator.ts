/**
 * A seeded generator of realistic default-format (version 2) flow log records, shared by
 * the benchmark and the bundled sample bucket: a few hundred ENIs, each talking to a few
 * dozen of a few thousand addresses, skewed service ports, ephemeral ports 32768-60999 (Linux), both
 * directions of each conversation, about 5% REJECT and 1% NODATA or SKIPDATA. Traffic that
 * faces the internet adds probes from addresses never seen before, each a group of its own.
 */

export const V2_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'

/** mulberry32: a small, fast PRNG with a 32-bit seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Service ports by weight: most traffic is HTTPS, then a long tail. [port, protocol, weight] */
const SERVICES: ReadonlyArray<readonly [number, number, number]> = [
  [443, 6, 40], [80, 6, 12], [5432, 6, 8], [6379, 6, 7], [53, 17, 7], [22, 6, 5], [3306, 6, 4],
  [8080, 6, 4], [9092, 6, 3], [2049, 6, 2], [123, 17, 2], [9200, 6, 2], [27017, 6, 2], [11211, 6, 1], [3389, 6, 1],
]
/** Ports scanners knock on. */
const PROBED = [22, 23, 445, 1433, 3389, 5900, 8080, 8443]
const TOTAL_WEIGHT = SERVICES.reduce((sum, [, , weight]) => sum + weight, 0)

/** A host: its address and the service it offers when it is the server. */
interface Host {
  readonly address: string
  readonly service: readonly [port: number, protocol: number]
}

export interface Network {
  readonly account: string
  /** Each interface talks to its own few peers, as hosts do. */
  readonly enis: ReadonlyArray<Host & { readonly id: string; readonly peers: readonly Host[] }>
  readonly peers: readonly Host[]
  /** The few outside addresses that knock on closed ports. */
  readonly scanners: readonly string[]
  /** An outside address not given before (a walk through all 2^32, from a seeded start). */
  fresh(): string
}

/**
 * A network of `enis` interfaces in one account and `peers` addresses (internal and
 * public); each interface talks to `fanOut` of the peers, and `peers / 50` outside
 * addresses scan them all.
 */
export function network(random: () => number, account: string, enis = 200, peers = 2400, fanOut = 40): Network {
  const byte = () => Math.floor(random() * 254) + 1
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')
  const hosts: Host[] = Array.from({ length: peers }, (_, i) => ({
    address: i % 4 === 0 ? `${[52, 54, 3, 18, 35][i % 5]}.${byte()}.${byte()}.${byte()}` : `10.${byte()}.${byte()}.${byte()}`,
    service: service(random),
  }))
  return {
    account,
    enis: Array.from({ length: enis }, () => ({
      id: `eni-${hex(17)}`,
      address: `10.${byte()}.${byte()}.${byte()}`,
      service: service(random),
      peers: Array.from({ length: Math.min(fanOut, peers) }, () => hosts[Math.floor(random() * hosts.length)]!),
    })),
    peers: hosts,
    scanners: Array.from({ length: Math.max(1, Math.floor(peers / 50)) }, () => `${[45, 185, 89][Math.floor(random() * 3)]}.${byte()}.${byte()}.${byte()}`),
    fresh: freshAddresses(Math.floor(random() * 2 ** 32)),
  }
}

/** Addresses that never repeat: an odd multiplier makes i -> i * m a permutation of 32-bit numbers. */
function freshAddresses(start: number): () => string {
  let i = start
  return () => {
    const n = Math.imul(i++, 0x9e3779b1) >>> 0
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
  }
}

/** A skewed pick: low indexes far more often than high ones. */
function skewed<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() ** 3 * items.length)]!
}

function service(random: () => number): readonly [number, number] {
  let pick = random() * TOTAL_WEIGHT
  for (const [port, protocol, weight] of SERVICES) {
    if ((pick -= weight) < 0) return [port, protocol]
  }
  return [443, 6]
}

/**
 * `count` record lines (no header) for the 5-minute window starting at `windowStart`
 * (Unix seconds): records end inside the window, as AWS delivers them. A share `internet`
 * of them (0 to 1) are probes from an address never seen before, each a group of its own.
 */
export function* records(random: () => number, net: Network, windowStart: number, count: number, internet = 0): Generator<string> {
  let written = 0
  let probes = 0
  while (written < count) {
    const eni = skewed(random, net.enis)
    const start = windowStart - 60 + Math.floor(random() * 240)
    const end = start + 60
    if (probes < internet * (written + 1)) {
      probes++
      const port = PROBED[Math.floor(random() * PROBED.length)]
      yield `2 ${net.account} ${eni.id} ${net.fresh()} ${eni.address} ${32768 + Math.floor(random() * 28232)} ${port} 6 1 44 ${start} ${end} REJECT OK`
      written++
      continue
    }
    const roll = random()
    if (roll < 0.01) {
      yield `2 ${net.account} ${eni.id} - - - - - - - ${start} ${end} - ${roll < 0.007 ? 'NODATA' : 'SKIPDATA'}`
      written++
      continue
    }
    const peer = skewed(random, eni.peers)
    const ephemeral = 32768 + Math.floor(random() * 28232)
    if (roll < 0.06) {
      // a probe from outside for a commonly attacked port, rejected by a security group
      const port = PROBED[Math.floor(random() * PROBED.length)]
      const scanner = net.scanners[Math.floor(random() * net.scanners.length)]
      yield `2 ${net.account} ${eni.id} ${scanner} ${eni.address} ${ephemeral} ${port} 6 1 44 ${start} ${end} REJECT OK`
      written++
      continue
    }
    const packets = 1 + Math.floor(random() ** 4 * 2000)
    const bytes = packets * (40 + Math.floor(random() * 1460))
    const outbound = random() < 0.6
    const [client, server] = outbound ? [eni.address, peer.address] : [peer.address, eni.address]
    const [port, protocol] = outbound ? peer.service : eni.service
    yield `2 ${net.account} ${eni.id} ${client} ${server} ${ephemeral} ${port} ${protocol} ${packets} ${bytes} ${start} ${end} ACCEPT OK`
    written++
    if (written < count) {
      const back = Math.max(1, Math.floor(packets * 0.8))
      yield `2 ${net.account} ${eni.id} ${server} ${client} ${port} ${ephemeral} ${protocol} ${back} ${back * 60} ${start} ${end} ACCEPT OK`
      written++
    }
  }
}
