/**
 * A bucket of flow logs for the Athena tests: seeded records in any format (header
 * first, gzip text or Parquet), delivered under the four layouts, and the two ways to
 * digest them: the local stages over the objects, and `athenaDigest` against the test
 * endpoint. Both are given the same selection (window, accounts, regions, flow logs).
 */
import { gzipSync } from 'node:zlib'
import { AthenaClient } from '@aws-sdk/client-athena'
import type { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { NUMERIC_FIELDS } from '../../src/format.js'
import { athenaDigest, byFlowLogId, digest, filterLogFiles, listLogFiles, prefetch, type AthenaDigestOptions } from 'vpcflow'
import { seeded } from '../../bench/generator.js'
import { fileKey, type Layout } from './flowLogs.js'
import { toParquet } from './parquet.js'
import { startAthena, type AthenaEndpoint } from './athena.js'
import { closeAll, fastRetryStrategy, putObjects, s3Client, startS3rver, type S3Server } from './s3.js'
import { collectText } from './text.js'

/** The fields of formats by version, as AWS added them. */
export const FORMATS = {
  v2: 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  v3: 'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status',
  v4: 'version account-id region az-id sublocation-type sublocation-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  v5: 'version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status',
  v6: 'version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service',
  v7: 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id',
  v8: 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status reject-reason tcp-flags',
  v11: 'version srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status reject-reason resource-id encryption-status interface-type next-hop-interface-id next-hop-vpc-id',
  noVersion: 'instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr',
} as const

export interface FlowLogSpec {
  readonly account: string
  readonly region: string
  readonly flowLogId: string
  readonly layout: Layout
  readonly header: string
  readonly parquet?: boolean
  /** The value of the version field: the highest version of the format's fields. Default 2. */
  readonly version?: number
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!

/**
 * `count` records of the flow log's format for a file at `time`: few addresses,
 * interfaces and services, so that records share groups, ephemeral ports on either
 * side or both, ICMP with ports 0, REJECTs, NODATA and SKIPDATA, tcp-flags, absent values.
 */
export function records(spec: FlowLogSpec, time: Date, count: number, random: () => number): string[] {
  const fields = spec.header.split(' ')
  const t = Math.floor(time.getTime() / 1000)
  return Array.from({ length: count }, () => {
    const icmp = random() < 0.1
    const service = pick(random, [443, 22, 80, 5432])
    const ephemeral = 32768 + Math.floor(random() * 40)
    const inbound = random() < 0.5
    // Equal ports above 0: srcport is the ephemeral one.
    const same = random() < 0.1
    const status = random() < 0.05 ? pick(random, ['NODATA', 'SKIPDATA']) : 'OK'
    const start = t - 60 + Math.floor(random() * 50)
    const value = (field: string): string => {
      if (status !== 'OK' && !['version', 'account-id', 'interface-id', 'start', 'end', 'log-status'].includes(field)) return '-'
      switch (field) {
        case 'version': return String(spec.version ?? 2)
        case 'account-id': return spec.account
        case 'interface-id': return pick(random, ['eni-0a1', 'eni-0b2'])
        case 'srcaddr': case 'pkt-srcaddr': return pick(random, ['10.0.0.5', '10.0.1.7', '2001:db8::1'])
        case 'dstaddr': case 'pkt-dstaddr': return pick(random, ['10.0.0.9', '52.95.128.179'])
        case 'srcport': return icmp ? '0' : String(same || inbound ? ephemeral : service)
        case 'dstport': return icmp ? '0' : String(same ? ephemeral : inbound ? service : random() < 0.2 ? ephemeral : ephemeral + 1)
        case 'protocol': return icmp ? '1' : pick(random, ['6', '6', '17'])
        case 'packets': return String(1 + Math.floor(random() * 20))
        case 'bytes': return String(40 + Math.floor(random() * 100000))
        case 'start': return String(start)
        case 'end': return String(start + 1 + Math.floor(random() * 59))
        case 'action': return random() < 0.1 ? 'REJECT' : 'ACCEPT'
        case 'log-status': return status
        case 'tcp-flags': return pick(random, ['0', '1', '2', '3', '18', '19', '-'])
        case 'type': return 'IPv4'
        case 'region': return spec.region
        case 'traffic-path': return pick(random, ['1', '8', '-'])
        case 'flow-direction': return pick(random, ['ingress', 'egress'])
        case 'pkt-src-aws-service': case 'pkt-dst-aws-service': return pick(random, ['S3', '-'])
        case 'reject-reason': return pick(random, ['BPA', '-'])
        case 'resource-type': return 'TransitGateway'
        default:
          if (NUMERIC_FIELDS.has(field)) return pick(random, ['0', '3', '-'])
          return pick(random, [`${field}-1`, '-'])
      }
    }
    return fields.map(value).join(' ')
  })
}

/** The objects of a flow log: a file every `minutes` from `from` to `to`, each of `count` records. */
export async function flowLogObjects(
  spec: FlowLogSpec,
  from: Date,
  to: Date,
  options: { minutes?: number; count?: number; seed?: number } = {},
): Promise<Array<{ key: string; body: Uint8Array }>> {
  const { minutes = 60, count = 20, seed = 1 } = options
  const random = seeded(seed)
  const objects: Array<{ key: string; body: Uint8Array }> = []
  for (let t = from.getTime(), i = 0; t <= to.getTime(); t += minutes * 60_000, i++) {
    const time = new Date(t)
    const text = [spec.header, ...records(spec, time, count, random)].join('\n') + '\n'
    const body = spec.parquet ? await toParquet(text, { rename: (field) => field.replaceAll('-', '_') }) : gzipSync(text)
    const key = fileKey({ ...spec, time, hash: `h${String(i).padStart(6, '0')}`, extension: spec.parquet ? 'log.parquet' : 'log.gz' })
    objects.push({ key, body })
  }
  return objects
}

/** Puts the objects of these flow logs, each from `from` to `to`. */
export async function putFlowLogs(s3: S3Client, bucket: string, specs: readonly FlowLogSpec[], from: Date, to: Date, options: { minutes?: number; count?: number } = {}): Promise<void> {
  const all = await Promise.all(specs.map((spec, i) => flowLogObjects(spec, from, to, { ...options, seed: i + 1 })))
  await putObjects(s3, bucket, all.flat())
}

/** An AthenaClient for the test endpoint, retrying throttling at once. */
export function athenaClient(endpoint: string): AthenaClient {
  return new AthenaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    retryStrategy: fastRetryStrategy(3),
  })
}

/** The S3 test server, the Athena test endpoint over its objects, and a client of each. */
export interface AthenaWorld {
  readonly s3server: S3Server
  readonly s3: S3Client
  readonly athena: AthenaEndpoint
  readonly client: AthenaClient
  /** Destroys the clients and stops the servers. */
  stop(): Promise<void>
}

/** Starts the S3 test server and the Athena test endpoint over it. */
export async function startAthenaWorld(): Promise<AthenaWorld> {
  const s3server = await startS3rver()
  const s3 = s3Client(s3server.endpoint)
  const athena = await startAthena(s3server.directory)
  const client = athenaClient(athena.endpoint)
  return {
    s3server,
    s3,
    athena,
    client,
    async stop() {
      client.destroy()
      await athena.stop()
      await closeAll(s3, s3server)
    },
  }
}

export type Selection = Pick<AthenaDigestOptions, 'bucket' | 'prefix' | 'start' | 'end' | 'accounts' | 'regions' | 'flowLogIds' | 'keyFields' | 'window'>

/** The digest of the selected objects, read and digested here. */
export async function localDigest(s3: S3Client, selection: Selection): Promise<string> {
  const { bucket, prefix, start, end, accounts, regions, flowLogIds, keyFields, window } = selection
  const files = listLogFiles({ client: s3, bucket, prefix, start, end, accounts, regions })
  const chosen = flowLogIds ? pipe(files, filterLogFiles(byFlowLogId(...flowLogIds))) : files
  return collectText(pipe(chosen, prefetch({ client: s3 }), digest({ keyFields, window })))
}

/** The digest of the selected objects, computed by the test endpoint. */
export function athenaText(client: AthenaClient, s3: S3Client, selection: Selection, options: Partial<AthenaDigestOptions> = {}): Promise<string> {
  return collectText(athenaDigest({ client, s3, outputLocation: 's3://results/vpcflow/', pollInterval: 0, ...selection, ...options }))
}
