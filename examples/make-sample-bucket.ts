// Regenerates examples/sample-bucket/: a small copy of a flow log bucket, as `aws s3 sync`
// leaves it, from a fixed seed, so the same files come out every time.
//
//   npx tsx examples/make-sample-bucket.ts
//
// Two accounts, two regions, three days: account 111122223333 in the default layout with
// one custom-format flow log beside its default one; account 444455556666 in the
// Hive-compatible layout with hourly partitions; plus objects that are not flow logs.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { network, records, seeded, V2_HEADER } from '../bench/generator.js'

const root = join(dirname(fileURLToPath(import.meta.url)), 'sample-bucket')
const random = seeded(20240501)
const CUSTOM_HEADER =
  'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status flow-direction traffic-path'

const accounts = [
  { account: '111122223333', layout: 'default' as const, flowLogs: ['fl-0a1b2c3d4e5f60718', 'fl-0c0ffee0c0ffee123'] },
  { account: '444455556666', layout: 'hive' as const, flowLogs: ['fl-09f8e7d6c5b4a3921'] },
]
const regions = ['us-east-1', 'eu-west-1']
const days = ['2024-05-01', '2024-05-02', '2024-05-03']
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')
const pad = (n: number) => String(n).padStart(2, '0')

function write(key: string, body: Uint8Array | string): void {
  const path = join(root, key)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, body)
}

/** A default-format record in the custom format: VPC, subnet, instance, tcp-flags, direction, path. */
function customised(line: string, vpc: string, subnet: string): string {
  const [, account, eni, src, dst, sport, dport, protocol, packets, bytes, start, end, action, status] = line.split(' ')
  if (status !== 'OK') return `3 ${vpc} ${subnet} - ${eni} ${account} - - - - - - - - - - ${start} ${end} - - ${status} - -`
  const instance = `i-${eni!.slice(4)}` // one instance per interface
  const flags = protocol === '6' ? (action === 'REJECT' ? '2' : ['3', '19', '18', '1'][Math.floor(random() * 4)]) : '-'
  const ingress = !src!.startsWith('10.')
  const path = ingress ? '-' : dst!.startsWith('10.') ? '1' : '8' // 1: same VPC, 8: internet gateway
  return `3 ${vpc} ${subnet} ${instance} ${eni} ${account} IPv4 ${src} ${dst} ${sport} ${dport} ${src} ${dst} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${flags} ${status} ${ingress ? 'ingress' : 'egress'} ${path}`
}

rmSync(root, { recursive: true, force: true })
for (const { account, layout, flowLogs } of accounts) {
  for (const region of regions) {
    const net = network(random, account, 4, 8)
    const vpc = `vpc-${hex(17)}`
    const subnet = `subnet-${hex(17)}`
    for (const day of days) {
      const [yyyy, mm, dd] = day.split('-')
      for (let hour = 0; hour < 24; hour += 3) {
        const HH = pad(hour)
        const windowStart = Date.parse(`${day}T${HH}:05:00Z`) / 1000
        for (const flowLogId of flowLogs) {
          const custom = flowLogId === 'fl-0c0ffee0c0ffee123'
          if (custom && region !== 'us-east-1') continue
          const lines = [...records(random, net, windowStart, 16 + Math.floor(random() * 16))]
          const text = custom
            ? [CUSTOM_HEADER, ...lines.map((line) => customised(line, vpc, subnet))].join('\n') + '\n'
            : [V2_HEADER, ...lines].join('\n') + '\n'
          const name = `${account}_vpcflowlogs_${region}_${flowLogId}_${yyyy}${mm}${dd}T${HH}05Z_${hex(8)}.log.gz`
          const folder =
            layout === 'default'
              ? `AWSLogs/${account}/vpcflowlogs/${region}/${yyyy}/${mm}/${dd}`
              : `AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=${yyyy}/month=${mm}/day=${dd}/hour=${HH}`
          write(`${folder}/${name}`, gzipSync(text, { level: 9 }))
        }
      }
    }
  }
}

// What else lives in a real flow log bucket: CloudTrail logs, a stray file, an empty upload.
write(
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T0000Z_a1b2c3d4e5f6a7b8.json.gz',
  gzipSync(JSON.stringify({ Records: [{ eventName: 'CreateFlowLogs', awsRegion: 'us-east-1' }] })),
)
write('README.txt', 'A sample of a VPC Flow Logs bucket, made by examples/make-sample-bucket.ts.\n')
write(`AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/03/111122223333_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_20240503T2355Z_${hex(8)}.log.gz`, '')
console.log(`wrote ${root}`)
