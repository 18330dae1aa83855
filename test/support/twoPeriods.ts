/**
 * Two days of flow logs with known changes between them, as files laid out like a bucket:
 * two VPCs of one account, hosts with their own interfaces, conversations logged at the
 * interfaces of both ends (the request and the reply, as AWS does), traffic to the
 * internet, and scanners. The same conversations go on both days, with bytes a little
 * different (at most 1.25 times); on the second day a few things change, and the
 * generator says which, at the address and at the VPC grouping.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { MapChange } from 'vpcflow'
import { seededRandom } from './text.js'

export const TWO_PERIODS_HEADER =
  'version account-id vpc-id subnet-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction'

const ACCOUNT = '111122223333'
const REGION = 'us-east-1'
const FLOW_LOG = 'fl-0d1ff0d1ff0d1ff01'

/** The days: the first is `before`, the second `after`, as ISO dates (both ends of each, the end excluded). */
export const BEFORE = { start: '2024-06-01T00:00Z', end: '2024-06-02T00:00Z' }
export const AFTER = { start: '2024-06-02T00:00Z', end: '2024-06-03T00:00Z' }

/** Hours of the day whose 5-minute window gets a file (at HH:05). */
const HOURS = [0, 6, 12, 18]

interface Host {
  readonly address: string
  readonly vpc: string
  readonly subnet: string
  readonly eni: string
}

/** A conversation: client to server on a service, so many bytes a day (the request side; the reply carries a third). */
interface Conversation {
  readonly client: Host | string
  readonly server: Host | string
  readonly port: number
  readonly protocol: number
  readonly bytes: number
  readonly action: 'ACCEPT' | 'REJECT'
}

/** The changes, each as `new|vanished|changed from -> to [service action]`, at a grouping. */
export interface KnownChanges {
  readonly new: string[]
  readonly vanished: string[]
  readonly changed: string[]
}

/** Changes as the generator states them: a line per service of what is new or vanished, a line per changed edge. */
export function stated(changes: readonly MapChange[]): KnownChanges {
  const lines = (change: MapChange['change']) =>
    changes
      .filter((c) => c.change === change)
      .flatMap((c) => (change === 'changed' ? [`changed ${c.from} -> ${c.to}`] : c.services.map((s) => `${change} ${c.from} -> ${c.to} ${s.label} ${s.action}`)))
      .sort()
  return { new: lines('new'), vanished: lines('vanished'), changed: lines('changed') }
}

export interface TwoPeriods {
  /** The files of both days: key (as in a bucket) and gzip body. */
  readonly files: { key: string; body: Buffer }[]
  /** What changed from the first day to the second, grouped by address and by VPC. */
  readonly expected: { readonly address: KnownChanges; readonly vpc: KnownChanges }
  /** Writes the files into a folder laid out like the bucket. */
  writeTo(dir: string): void
}

/** The two days from `seed`: the same changes whatever the seed, different addresses, ids and bytes. */
export function twoPeriods(seed = 20240601): TwoPeriods {
  const random = seededRandom(seed)
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')
  const used = new Set<string>()
  const address = (prefix: string): string => {
    for (;;) {
      const candidate = `${prefix}.${1 + Math.floor(random() * 250)}`
      if (!used.has(candidate)) return used.add(candidate), candidate
    }
  }
  const vpcA = `vpc-${hex(17)}`
  const vpcB = `vpc-${hex(17)}`
  const subnets = { a1: `subnet-${hex(17)}`, a2: `subnet-${hex(17)}`, b1: `subnet-${hex(17)}` }
  const host = (vpc: string, subnet: string, prefix: string): Host => ({ address: address(prefix), vpc, subnet, eni: `eni-${hex(17)}` })

  const web = Array.from({ length: 4 }, () => host(vpcA, subnets.a1, '10.1.1'))
  const app = Array.from({ length: 3 }, () => host(vpcA, subnets.a2, '10.1.2'))
  const [database, cache, batch] = [host(vpcB, subnets.b1, '10.2.1'), host(vpcB, subnets.b1, '10.2.1'), host(vpcB, subnets.b1, '10.2.1')]
  const leaving = host(vpcA, subnets.a2, '10.1.2') // only before
  const newcomer = host(vpcA, subnets.a1, '10.1.1') // only after
  const outside = (): string => `${[52, 54, 3][Math.floor(random() * 3)]}.${1 + Math.floor(random() * 250)}.${Math.floor(random() * 250)}.${1 + Math.floor(random() * 250)}`
  const scanners = Array.from({ length: 5 }, () => `${[45, 185][Math.floor(random() * 2)]}.${1 + Math.floor(random() * 250)}.${Math.floor(random() * 250)}.${1 + Math.floor(random() * 250)}`)
  const size = (low: number, high: number): number => Math.floor(low + random() * (high - low))

  const both: Conversation[] = [
    ...web.flatMap((w) => app.map((a) => ({ client: w, server: a, port: 8080, protocol: 6, bytes: size(2e6, 4e6), action: 'ACCEPT' as const }))),
    ...app.map((a) => ({ client: a, server: database, port: 5432, protocol: 6, bytes: size(5e6, 9e6), action: 'ACCEPT' as const })),
    ...web.map((w) => ({ client: w, server: outside(), port: 443, protocol: 6, bytes: size(1e6, 2e6), action: 'ACCEPT' as const })),
    ...[...web, ...app].map((h) => ({ client: h, server: '10.1.0.2', port: 53, protocol: 17, bytes: size(2e4, 4e4), action: 'ACCEPT' as const })),
    ...[...web, database].map((h) => ({ client: scanners[Math.floor(random() * scanners.length)]!, server: h, port: 22, protocol: 6, bytes: size(400, 800), action: 'REJECT' as const })),
    { client: batch, server: cache, port: 6379, protocol: 6, bytes: size(3e5, 5e5), action: 'ACCEPT' },
  ]
  // a small conversation that grows fifty times: changed at the address, lost in the VPCs' totals
  const growing = { client: app[0]!, server: app[1]!, port: 9100, protocol: 6, bytes: size(2e4, 3e4), action: 'ACCEPT' as const }
  const onlyBefore: Conversation[] = [
    // a host that goes away; its VPCs keep talking on the service
    { client: leaving, server: database, port: 5432, protocol: 6, bytes: size(1e6, 2e6), action: 'ACCEPT' },
    growing,
  ]
  const onlyAfter: Conversation[] = [
    // a new host in a known subnet, on a service its VPC already uses: new by address, not by VPC
    { client: newcomer, server: database, port: 5432, protocol: 6, bytes: size(1e6, 2e6), action: 'ACCEPT' },
    // a new port on a known edge, and on a known pair of VPCs
    { client: app[0]!, server: database, port: 5433, protocol: 6, bytes: size(2e5, 4e5), action: 'ACCEPT' },
    // a host that never spoke to the internet now does, the first of its VPC
    { client: batch, server: outside(), port: 443, protocol: 6, bytes: size(5e5, 8e5), action: 'ACCEPT' },
    { ...growing, bytes: growing.bytes * 50 },
  ]

  // the outside world folds into internet:in (public clients) and internet:out (public servers)
  type Role = 'client' | 'server'
  const folded = (end: string, role: Role): string => (end.startsWith('10.') ? end : role === 'client' ? 'internet:in' : 'internet:out')
  const id = (end: Host | string, role: Role): string => (typeof end === 'string' ? folded(end, role) : end.address)
  const vpcOf = (end: Host | string, role: Role): string => (typeof end === 'string' ? folded(end, role) : end.vpc)
  const line = (change: string, c: Conversation, by: (end: Host | string, role: Role) => string, service = true): string =>
    `${change} ${by(c.client, 'client')} -> ${by(c.server, 'server')}${service ? ` ${c.protocol === 17 ? 'udp' : 'tcp'}/${c.port} ${c.action}` : ''}`
  const expected = {
    address: {
      new: [line('new', onlyAfter[0]!, id), line('new', onlyAfter[1]!, id), line('new', onlyAfter[2]!, id)].sort(),
      vanished: [line('vanished', onlyBefore[0]!, id)],
      changed: [line('changed', growing, id, false)],
    },
    vpc: {
      new: [line('new', onlyAfter[1]!, vpcOf), line('new', onlyAfter[2]!, vpcOf)].sort(),
      vanished: [],
      changed: [],
    },
  }

  const files: { key: string; body: Buffer }[] = []
  const day = (date: string, conversations: Conversation[]): void => {
    const [yyyy, mm, dd] = date.split('-') as [string, string, string]
    // each conversation's day split over the files, a little different on each day (up to 1.25 times)
    const lines = new Map(HOURS.map((hour) => [hour, [] as string[]]))
    for (const c of conversations) {
      const total = c === onlyAfter[3] || c === growing ? c.bytes : Math.floor(c.bytes * (0.9 + random() * 0.2))
      for (const hour of HOURS) {
        const start = Date.parse(`${date}T${String(hour).padStart(2, '0')}:05:00Z`) / 1000 - 60 + Math.floor(random() * 200)
        lines.get(hour)!.push(...records(c, Math.floor(total / HOURS.length), start, 32768 + Math.floor(random() * 28000)))
      }
    }
    for (const hour of HOURS) {
      const HH = String(hour).padStart(2, '0')
      const name = `${ACCOUNT}_vpcflowlogs_${REGION}_${FLOW_LOG}_${yyyy}${mm}${dd}T${HH}05Z_${hex(8)}.log.gz`
      const text = [TWO_PERIODS_HEADER, ...lines.get(hour)!, `5 ${ACCOUNT} ${vpcA} ${subnets.a1} ${web[0]!.eni} - - - - - - - ${Date.parse(`${date}T${HH}:00:00Z`) / 1000} ${Date.parse(`${date}T${HH}:05:00Z`) / 1000} - NODATA -`]
      files.push({ key: `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/${yyyy}/${mm}/${dd}/${name}`, body: gzipSync(`${text.join('\n')}\n`) })
    }
  }
  day('2024-06-01', [...both, ...onlyBefore])
  day('2024-06-02', [...both, ...onlyAfter])

  return {
    files,
    expected,
    writeTo(dir: string): void {
      for (const { key, body } of files) {
        mkdirSync(dirname(join(dir, key)), { recursive: true })
        writeFileSync(join(dir, key), body)
      }
    },
  }
}

/**
 * The records of `bytes` of a conversation in one file: the request and the reply (a third of
 * the bytes), at the client's interface and, for a host, at the server's.
 */
function records(c: Conversation, bytes: number, start: number, ephemeral: number): string[] {
  const end = start + 60
  const reply = c.action === 'ACCEPT' ? Math.max(1, Math.floor(bytes / 3)) : 0
  const line = (at: Host, src: string, dst: string, sport: number, dport: number, count: number, direction: 'ingress' | 'egress'): string =>
    `5 ${ACCOUNT} ${at.vpc} ${at.subnet} ${at.eni} ${src} ${dst} ${sport} ${dport} ${c.protocol} ${Math.max(1, Math.floor(count / 500))} ${count} ${start} ${end} ${c.action} OK ${direction}`
  const [client, server] = [typeof c.client === 'string' ? c.client : c.client.address, typeof c.server === 'string' ? c.server : c.server.address]
  const out: string[] = []
  if (typeof c.client !== 'string') {
    out.push(line(c.client, client, server, ephemeral, c.port, bytes, 'egress'))
    if (reply > 0) out.push(line(c.client, server, client, c.port, ephemeral, reply, 'ingress'))
  }
  if (typeof c.server !== 'string') {
    out.push(line(c.server, client, server, ephemeral, c.port, bytes, 'ingress'))
    if (reply > 0) out.push(line(c.server, server, client, c.port, ephemeral, reply, 'egress'))
  }
  return out
}
