/**
 * The S3 test server for the prefetch benchmark, in a process of its own as a real server
 * would be, so that serving does not take CPU from the client being measured: s3rver with
 * `objects` objects of 64 KiB, behind a proxy that holds each request `latency` ms. Prints
 * the proxy's endpoint, s3rver's own (no added latency) and the bucket as one JSON line,
 * then serves until its input closes.
 *
 *   tsx bench/latencyServer.ts <objects> <latency ms>
 */
import { fileKey } from '../test/support/flowLogs.js'
import { startProxy } from '../test/support/proxy.js'
import { closeAll, createBucket, putObjects, s3Client, startS3rver } from '../test/support/s3.js'

const [objects, latency] = process.argv.slice(2).map(Number) as [number, number]
const s3 = await startS3rver()
const proxy = await startProxy(s3.endpoint)
const direct = s3Client(s3.endpoint)
await createBucket(direct, 'latency')
const body = Buffer.alloc(64 * 1024, 'x')
const keys = Array.from({ length: objects }, (_, i) =>
  fileKey({ account: '123456789012', region: 'us-east-1', flowLogId: 'fl-1', time: new Date(Date.UTC(2024, 0, 1) + i * 300_000), hash: String(i).padStart(8, '0') }),
)
await putObjects(direct, 'latency', keys.map((key) => ({ key, body })))
proxy.hook = () => ({ type: 'forward', hold: new Promise((resolve) => setTimeout(resolve, latency)) })
console.log(JSON.stringify({ endpoint: proxy.endpoint, direct: s3.endpoint, bucket: 'latency' }))
process.stdin.resume()
process.stdin.on('end', () => void closeAll(direct, proxy, s3))
