// Digest the flow logs a bucket received over the last hours and print the digest.
//
//   npx tsx examples/digest-bucket.ts <bucket> [prefix] [hours]
//
// Credentials and region come from the standard AWS chain (environment, profile, SSO).
import { S3Client } from '@aws-sdk/client-s3'
import { pipe } from 'it-pipe'
import { concatBodies, digest, listLogFiles, prefetch } from 'vpcflow'

const [bucket, prefix = 'AWSLogs/', hours = '24'] = process.argv.slice(2)
if (!bucket) {
  console.error('usage: digest-bucket.ts <bucket> [prefix] [hours]')
  process.exit(2)
}

const client = new S3Client({})
const end = new Date()
const start = new Date(end.getTime() - Number(hours) * 3600_000)

const text = pipe(
  // Given a window, the listing visits only the day folders that can hold it.
  listLogFiles({ client, bucket, prefix, start, end }),
  prefetch({ client, concurrency: 16 }),
  concatBodies(),
  digest(),
)
for await (const chunk of text) process.stdout.write(chunk)
client.destroy()
