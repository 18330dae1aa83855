// s3rver ships no type declarations: just the part of its API the tests use.
declare module 's3rver' {
  import type { Server } from 'node:http'

  interface S3rverOptions {
    address?: string
    port?: number
    directory?: string
    silent?: boolean
    resetOnClose?: boolean
    allowMismatchedSignatures?: boolean
    vhostBuckets?: boolean
  }

  export default class S3rver {
    constructor(options?: S3rverOptions)
    httpServer?: Server
    /** Starts listening; resolves with the bound address. */
    run(): Promise<{ address: string; port: number; family: string }>
    close(): Promise<void>
  }
}
