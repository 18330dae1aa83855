// Digest a bucket's flow logs of a time window with Amazon Athena and print the digest,
// then what the query scanned and its price; Ctrl-C stops the query.
//
//   npx tsx examples/athena-digest.ts <bucket> <s3://athena-results/prefix/> <start> <end>
//   npx tsx examples/athena-digest.ts my-flow-logs s3://my-athena-results/vpcflow/ 2024-05-01T00:00Z 2024-05-31T23:55Z
//
// Credentials and region come from the standard AWS chain (environment, profile, SSO);
// AWS_ENDPOINT_URL_ATHENA and AWS_ENDPOINT_URL_S3 point the clients elsewhere.
import { AthenaClient } from '@aws-sdk/client-athena'
import { S3Client } from '@aws-sdk/client-s3'
import { athenaDigest, athenaPrice } from 'vpcflow'

const [bucket, outputLocation, start, end] = process.argv.slice(2)
if (!bucket || !outputLocation || !start || !end) {
  console.error('usage: athena-digest.ts <bucket> <s3://athena-results/prefix/> <start> <end>')
  process.exit(2)
}

const controller = new AbortController()
process.once('SIGINT', () => controller.abort(new Error('interrupted')))
const client = new AthenaClient({})
const s3 = new S3Client({})
let scanned = 0
try {
  const text = athenaDigest({
    client,
    s3,
    bucket,
    prefix: 'AWSLogs/',
    start: new Date(start),
    end: new Date(end),
    outputLocation,
    signal: controller.signal,
    onProgress: (progress) => {
      if (progress.step === 'query') scanned = progress.dataScannedInBytes
    },
  })
  for await (const chunk of text) process.stdout.write(chunk)
  console.error(`Athena scanned ${scanned} bytes: $${athenaPrice(scanned).toFixed(5)} at $5 per TB`)
} finally {
  client.destroy()
  s3.destroy()
}
