import type * as ClientS3 from '@aws-sdk/client-s3'

let loading: Promise<typeof ClientS3> | undefined

/**
 * The AWS SDK's S3 module, loaded when a bucket is first read rather than by importing
 * vpcflow, and loaded once: a dynamic import per request costs a module resolution each
 * time (a round trip to the loader's thread where loader hooks are registered).
 */
export function s3Sdk(): Promise<typeof ClientS3> {
  loading ??= import('@aws-sdk/client-s3').catch((error: unknown) => {
    // a failed load is tried again next time
    loading = undefined
    throw error
  })
  return loading
}
