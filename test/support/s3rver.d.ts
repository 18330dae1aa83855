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

declare module 's3rver/lib/stores/filesystem.js' {
  interface Listing {
    objects: Array<{ key: string }>
    commonPrefixes: string[]
    isTruncated: boolean
  }
  interface ListOptions {
    delimiter?: string
    startAfter?: string
    prefix?: string
    maxKeys?: number
  }
  export default class FilesystemStore {
    listObjects(bucket: string, options: ListOptions): Promise<Listing>
  }
}
