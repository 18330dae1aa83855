import { lazyImport } from '../lazyImport.js'

/** The AWS SDK's Athena module, loaded when a query is first run rather than by importing vpcflow, and loaded once. */
export const athenaSdk = lazyImport(() => import('@aws-sdk/client-athena'))
