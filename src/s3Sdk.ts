import { lazyImport } from './lazyImport.js'

/**
 * The AWS SDK's S3 module, loaded when a bucket is first read rather than by importing
 * vpcflow, and loaded once.
 */
export const s3Sdk = lazyImport(() => import('@aws-sdk/client-s3'))
