// Writes a local copy of a flow log bucket for a three-tier application, from a fixed seed:
//
//   npx tsx examples/make-three-tier-bucket.ts three-tier     (the folder to write; default three-tier)
//
// One VPC in one account: an internet-facing load balancer (two interfaces) in the public
// subnet with a NAT gateway, three web hosts, three app hosts, a PostgreSQL database, S3
// reached through a gateway endpoint, and scanners on the internet knocking on every host
// (DNS queries to the VPC's resolver are not there: flow logs leave them out). Six hours of 5-minute files in a custom format (vpc-id, subnet-id,
// flow-direction, pkt-*-aws-service...), every interface logging its own side of each
// conversation, as AWS does. network-interfaces.json beside the logs is what
// `aws ec2 describe-network-interfaces` would print for them: `--names` reads it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { seeded } from '../bench/generator.js'

export const THREE_TIER_FORMAT =
  'version account-id region vpc-id subnet-id instance-id interface-id srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol packets bytes start end action tcp-flags log-status flow-direction traffic-path pkt-src-aws-service pkt-dst-aws-service'

const ACCOUNT = '111122223333'
const REGION = 'us-east-1'
const VPC = 'vpc-0a1b2c3d4e5f67890'
const SUBNETS = { public: 'subnet-0aa11bb22cc33dd44', web: 'subnet-0bb22cc33dd44ee55', app: 'subnet-0cc33dd44ee55ff66', data: 'subnet-0dd44ee55ff66aa77' }

interface Host {
  readonly name: string
  readonly address: string
  readonly subnet: string
  readonly eni: string
  readonly instance?: string
  /** What `describe-network-interfaces` says of the interface beside its addresses. */
  readonly described: Record<string, unknown>
}

const host = (name: string, address: string, subnet: string, eni: string, instance: string | undefined, described: Record<string, unknown>): Host => ({
  name,
  address,
  subnet,
  eni,
  instance,
  described,
})
const instance = (name: string, address: string, subnet: string, n: number): Host =>
  host(name, address, subnet, `eni-0${n}a2b3c4d5e6f7a8b9`, `i-0${n}f1e2d3c4b5a6978`, {
    InterfaceType: 'interface',
    Description: 'Primary network interface',
    Attachment: { InstanceId: `i-0${n}f1e2d3c4b5a6978` },
    TagSet: [{ Key: 'Name', Value: name }],
  })

const LB = [1, 2].map((n) =>
  host(`lb-${n}`, `10.0.0.${10 + n}`, SUBNETS.public, `eni-0e1b${n}c3d4e5f6a7b8`, undefined, {
    InterfaceType: 'interface',
    Description: 'ELB app/shop/50dc6c495c0c9188',
    RequesterId: 'amazon-elb',
  }),
)
const NAT = host('nat', '10.0.0.20', SUBNETS.public, 'eni-0f9e8d7c6b5a40312', undefined, {
  InterfaceType: 'nat_gateway',
  Description: 'Interface for NAT Gateway nat-0c50d5961bcb2d47b',
  RequesterId: '036872051663',
  Association: { PublicIp: '3.210.12.34' },
})
const WEB = [1, 2, 3].map((n) => instance(`web-${n}`, `10.0.1.${10 + n}`, SUBNETS.web, n))
const APP = [1, 2, 3].map((n) => instance(`app-${n}`, `10.0.2.${10 + n}`, SUBNETS.app, n + 3))
const DB = host('db', '10.0.3.10', SUBNETS.data, 'eni-0d1b2c3d4e5f6a7b8', undefined, {
  InterfaceType: 'interface',
  Description: 'RDSNetworkInterface',
  RequesterId: 'amazon-rds',
})
const HOSTS = [...LB, NAT, ...WEB, ...APP, DB]

/** One conversation's records as each interface that logs it writes them: the request, and the reply unless rejected. */
interface Flow {
  client: string
  server: string
  clientPort: number
  port: number
  protocol: number
  packets: number
  bytes: number
  replyPackets: number
  replyBytes: number
  action: 'ACCEPT' | 'REJECT'
  /** The interfaces that log it: the client's (egress), the server's (ingress). */
  clientSide?: Host
  serverSide?: Host
  /** pkt-*-aws-service of the server's address (S3). */
  service?: string
  /** The address the packet was for, where the interface is not its end (a NAT gateway). */
  pktServer?: string
}

/**
 * The bucket's files (path within the folder and body) and the interfaces' description.
 *
 * @example threeTierBucket(20240501).files.length // 72
 */
export function threeTierBucket(seed = 20240501): { files: Array<{ path: string; body: Buffer }>; interfaces: unknown } {
  const random = seeded(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
  const ephemeral = () => between(32768, 60999)
  const publicAddress = (firsts: readonly number[]) => `${pick(firsts)}.${between(1, 254)}.${between(1, 254)}.${between(1, 254)}`
  const users = Array.from({ length: 400 }, () => publicAddress([24, 73, 81, 98, 174, 203]))
  const scanners = Array.from({ length: 60 }, () => publicAddress([45, 89, 185, 193]))
  const s3 = Array.from({ length: 6 }, () => `52.216.${between(0, 255)}.${between(1, 254)}`)
  const updates = ['151.101.1.63', '151.101.65.63', '104.16.24.35', '140.82.113.4']

  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')
  const files: Array<{ path: string; body: Buffer }> = []
  const start = Date.parse('2024-05-01T06:00:00Z') / 1000
  for (let window = 0; window < 72; window++) {
    const windowStart = start + window * 300
    const flows: Flow[] = []
    const tcp = (flow: Omit<Flow, 'clientPort' | 'protocol' | 'action'> & Partial<Flow>): void => {
      flows.push({ clientPort: ephemeral(), protocol: 6, action: 'ACCEPT', ...flow })
    }
    for (let i = 0; i < 24; i++) {
      const lb = pick(LB)
      const packets = between(8, 60)
      tcp({ client: pick(users), server: lb.address, port: 443, packets, bytes: packets * between(80, 400), replyPackets: packets * 3, replyBytes: packets * between(2000, 9000), serverSide: lb })
    }
    for (let i = 0; i < 16; i++) {
      const [lb, web] = [pick(LB), pick(WEB)]
      const packets = between(8, 60)
      tcp({ client: lb.address, server: web.address, port: 8080, packets, bytes: packets * between(80, 400), replyPackets: packets * 3, replyBytes: packets * between(2000, 9000), clientSide: lb, serverSide: web })
    }
    for (let i = 0; i < 14; i++) {
      const [web, app] = [pick(WEB), pick(APP)]
      const packets = between(6, 40)
      tcp({ client: web.address, server: app.address, port: 8443, packets, bytes: packets * between(100, 600), replyPackets: packets * 2, replyBytes: packets * between(800, 4000), clientSide: web, serverSide: app })
    }
    for (let i = 0; i < 10; i++) {
      const app = pick(APP)
      const packets = between(10, 80)
      tcp({ client: app.address, server: DB.address, port: 5432, packets, bytes: packets * between(100, 300), replyPackets: packets * 2, replyBytes: packets * between(500, 3000), clientSide: app, serverSide: DB })
    }
    for (let i = 0; i < 3; i++) {
      const app = pick(APP)
      const packets = between(40, 400)
      tcp({ client: app.address, server: pick(s3), port: 443, packets, bytes: packets * between(1000, 1400), replyPackets: packets, replyBytes: packets * 60, clientSide: app, service: 'S3' })
    }
    if (window % 6 === 0) {
      // software updates through the NAT gateway: the host's interface, then the gateway's two hops
      const [app, server] = [pick(APP), pick(updates)]
      const packets = between(100, 900)
      const flow = { packets: between(20, 60), bytes: between(2000, 6000), replyPackets: packets, replyBytes: packets * 1400 }
      tcp({ client: app.address, server, port: 443, ...flow, clientSide: app })
      tcp({ client: app.address, server: NAT.address, port: 443, ...flow, serverSide: NAT, pktServer: server })
      tcp({ client: NAT.address, server, port: 443, ...flow, clientSide: NAT })
    }
    if (window % 4 === 1) {
      // a web host tries the database directly: its security group does not let it in
      const web = pick(WEB)
      tcp({ client: web.address, server: DB.address, port: 5432, packets: 2, bytes: 120, replyPackets: 0, replyBytes: 0, action: 'REJECT', clientSide: web, serverSide: DB })
    }
    for (let i = 0; i < 30; i++) {
      // scanners knock on every host's commonly attacked ports
      const target = pick(HOSTS)
      const port = pick([22, 23, 445, 1433, 3389, 5900, 6379, 8080])
      tcp({ client: pick(scanners), server: target.address, port, packets: 1, bytes: 44, replyPackets: 0, replyBytes: 0, action: 'REJECT', serverSide: target })
    }

    const lines = [THREE_TIER_FORMAT]
    for (const flow of flows) {
      const first = windowStart - 60 + between(0, 200)
      const last = first + between(5, 60)
      const line = (side: Host, direction: 'ingress' | 'egress', reply: boolean): string => {
        const [src, dst] = reply ? [flow.server, flow.client] : [flow.client, flow.server]
        const [sport, dport] = reply ? [flow.port, flow.clientPort] : [flow.clientPort, flow.port]
        const [packets, bytes] = reply ? [flow.replyPackets, flow.replyBytes] : [flow.packets, flow.bytes]
        const [pktSrc, pktDst] = reply ? [flow.pktServer ?? src, dst] : [src, flow.pktServer ?? dst]
        const action = direction === 'ingress' ? flow.action : 'ACCEPT' // what leaves an interface is sent; what arrives may be rejected
        const flags = flow.protocol !== 6 ? '-' : flow.action === 'REJECT' ? '2' : reply ? '18' : '3'
        const path = direction === 'egress' ? (flow.service ? '7' : dst.startsWith('10.') ? '1' : '8') : '-'
        const service = (address: string) => (address === flow.server && flow.service) || '-'
        return [
          5, ACCOUNT, REGION, VPC, side.subnet, side.instance ?? '-', side.eni, src, dst, sport, dport, pktSrc, pktDst,
          flow.protocol, packets, bytes, first, last, action, flags, 'OK', direction, path, service(src), service(dst),
        ].join(' ')
      }
      if (flow.clientSide) {
        lines.push(line(flow.clientSide, 'egress', false))
        if (flow.replyPackets > 0) lines.push(line(flow.clientSide, 'ingress', true))
      }
      if (flow.serverSide) {
        lines.push(line(flow.serverSide, 'ingress', false))
        if (flow.replyPackets > 0 && flow.action === 'ACCEPT') lines.push(line(flow.serverSide, 'egress', true))
      }
    }
    const time = new Date(windowStart * 1000).toISOString()
    const [yyyy, mm, dd, HH, MM] = [time.slice(0, 4), time.slice(5, 7), time.slice(8, 10), time.slice(11, 13), time.slice(14, 16)]
    files.push({
      path: `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/${yyyy}/${mm}/${dd}/${ACCOUNT}_vpcflowlogs_${REGION}_fl-0e1f2a3b4c5d6e7f8_${yyyy}${mm}${dd}T${HH}${MM}Z_${hex(8)}.log.gz`,
      body: gzipSync(lines.join('\n') + '\n', { level: 9 }),
    })
  }
  const interfaces = {
    NetworkInterfaces: HOSTS.map((h) => ({
      NetworkInterfaceId: h.eni,
      SubnetId: h.subnet,
      VpcId: VPC,
      OwnerId: ACCOUNT,
      PrivateIpAddress: h.address,
      PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: h.address }],
      ...h.described,
    })),
  }
  return { files, interfaces }
}

/** Writes the bucket into `folder`, replacing what was there. */
export function writeThreeTierBucket(folder: string, seed?: number): void {
  const { files, interfaces } = threeTierBucket(seed)
  rmSync(folder, { recursive: true, force: true })
  for (const { path, body } of files) {
    mkdirSync(dirname(join(folder, path)), { recursive: true })
    writeFileSync(join(folder, path), body)
  }
  writeFileSync(join(folder, 'network-interfaces.json'), JSON.stringify(interfaces, null, 2) + '\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const folder = process.argv[2] ?? 'three-tier'
  writeThreeTierBucket(folder)
  console.log(`wrote ${folder}`)
}
