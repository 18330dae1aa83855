/**
 * A bucket in memory that answers ListObjectsV2 as S3 does: keys in UTF-8 binary order,
 * `Prefix`, `Delimiter` (common prefixes count toward the page size), `StartAfter`
 * (ignored once a continuation token is given), pages of `MaxKeys` (at most 1000), and
 * opaque continuation tokens. It counts the requests, so listings can be measured without
 * a server. `test/listLogFilesWindow.test.ts` checks it against s3rver.
 */
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3'

export interface MemoryBucket {
  /** A client whose `send` answers ListObjectsV2 for this bucket. */
  readonly client: S3Client
  /** ListObjectsV2 requests answered so far. */
  readonly calls: number
  reset(): void
}

export function memoryBucket(name: string, objects: ReadonlyArray<{ key: string; size: number }>): MemoryBucket {
  const sorted = [...objects].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
  const keys = sorted.map((object) => object.key)
  let calls = 0

  /** Index of the first key after `key` (binary search; keys are ASCII here, so string order is byte order). */
  const after = (key: string): number => {
    let lo = 0
    let hi = keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (keys[mid]! <= key) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  function list(input: ListObjectsV2Command['input']): ListObjectsV2CommandOutput {
    if (input.Bucket !== name) throw Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' })
    const prefix = input.Prefix ?? ''
    const max = Math.min(input.MaxKeys ?? 1000, 1000)
    // A token names the last entry of the page before: a key, or a common prefix to step over.
    const token = input.ContinuationToken ? Buffer.from(input.ContinuationToken, 'base64url').toString() : undefined
    const startAfter = input.StartAfter && input.StartAfter >= prefix ? input.StartAfter : undefined
    let i =
      token !== undefined
        ? after(token.slice(2) + (token.startsWith('P:') ? '\uffff' : ''))
        : startAfter !== undefined
          ? after(startAfter)
          : after(prefix) - (keys[after(prefix) - 1] === prefix ? 1 : 0)
    const contents: Array<{ Key: string; Size: number }> = []
    const commonPrefixes: Array<{ Prefix: string }> = []
    let last: string | undefined
    while (i < keys.length && keys[i]!.startsWith(prefix)) {
      if (contents.length + commonPrefixes.length === max) {
        return page(contents, commonPrefixes, last)
      }
      const key = keys[i]!
      const cut = input.Delimiter ? key.indexOf(input.Delimiter, prefix.length) : -1
      if (cut >= 0) {
        const common = key.slice(0, cut + input.Delimiter!.length)
        commonPrefixes.push({ Prefix: common })
        last = `P:${common}`
        i = after(common + '\uffff') // past every key under it
      } else {
        contents.push({ Key: key, Size: sorted[i]!.size })
        last = `K:${key}`
        i++
      }
    }
    return page(contents, commonPrefixes, undefined)

    function page(Contents: typeof contents, CommonPrefixes: typeof commonPrefixes, next: string | undefined): ListObjectsV2CommandOutput {
      return {
        $metadata: {},
        Contents,
        CommonPrefixes,
        KeyCount: Contents.length + CommonPrefixes.length,
        IsTruncated: next !== undefined,
        NextContinuationToken: next === undefined ? undefined : Buffer.from(next).toString('base64url'),
      }
    }
  }

  const client = {
    async send(command: unknown) {
      if (!(command instanceof ListObjectsV2Command)) throw new Error('memoryBucket answers ListObjectsV2 only')
      calls++
      return list(command.input)
    },
  } as unknown as S3Client
  return {
    client,
    get calls() {
      return calls
    },
    reset: () => {
      calls = 0
    },
  }
}
