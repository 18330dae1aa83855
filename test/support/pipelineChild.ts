/**
 * Run by test/hygiene.test.ts in a child process: a small pipeline (list, prefetch,
 * concatenate) against the S3 endpoint given, stopped after its first chunk by a `break`
 * or an abort, as a user's script would be. It leaves no cleanup to do (it does not even
 * destroy its client): if anything it started still held a socket, a timer or a pending
 * request, the process would not exit by itself, which is what the test looks at.
 *
 * Usage: node --import tsx pipelineChild.ts ENDPOINT BUCKET break|abort
 */
import { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { concatBodies, listLogFiles, prefetch } from '../../src/index.js'

const [endpoint, bucket, mode] = process.argv.slice(2)
if (!endpoint || !bucket || (mode !== 'break' && mode !== 'abort')) throw new Error('usage: ENDPOINT BUCKET break|abort')

const client = new S3Client({
  endpoint,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
})
const controller = new AbortController()
const reason = new Error('stopped by the child')
const stages = pipe(
  listLogFiles({ client, bucket, signal: controller.signal }),
  prefetch({ client, concurrency: 4, signal: controller.signal }),
  concatBodies({ signal: controller.signal }),
)

let chunks = 0
try {
  for await (const chunk of stages) {
    chunks += chunk.byteLength > 0 ? 1 : 0
    if (mode === 'break') break
    controller.abort(reason)
  }
  console.log(`stopped after ${chunks} chunk(s) by break`)
} catch (error) {
  if (error !== reason) throw error
  console.log(`stopped after ${chunks} chunk(s) by abort`)
}
