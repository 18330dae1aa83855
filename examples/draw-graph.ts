// Draw who talks to whom in one region of a bucket as a Graphviz DOT file.
//
//   npx tsx examples/draw-graph.ts <bucket> <region> [out.dot]
//   dot -Tsvg graph.dot > graph.svg
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { byRegion, concatBodies, digest, filterLogFiles, listLogFiles, prefetch, toDot } from 'vpcflow'

const [bucket, region, out = 'graph.dot'] = process.argv.slice(2)
if (!bucket || !region) {
  console.error('usage: draw-graph.ts <bucket> <region> [out.dot]')
  process.exit(2)
}

const client = new S3Client({})
const controller = new AbortController()
process.once('SIGINT', () => controller.abort(new Error('interrupted')))
const { signal } = controller

const dot = pipe(
  listLogFiles({ client, bucket, prefix: 'AWSLogs/', signal }),
  filterLogFiles(byRegion(region)),
  prefetch({ client, signal }),
  concatBodies({ signal }),
  digest({ signal }),
  toDot({ signal }),
)
// Node streams at the edge: an async iterable pipes straight into a file.
await pipeline(dot, createWriteStream(out))
client.destroy()
console.error(`wrote ${out}`)
