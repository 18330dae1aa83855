import { abortable } from './abortable.js'
import type { FlowLogError } from './errors.js'
import { propertyOf, type Format } from './format.js'
import { BIG, textReader, type LogText } from './flowLogText.js'
import { abortSignal, callback, fieldList } from './options.js'

/**
 * A flow log record. Known fields are camelCase properties (`account-id` is `accountId`);
 * numeric fields are numbers; fields AWS added after this version are strings under their
 * own names. Absent fields (`-` in text) are absent.
 */
export interface FlowLogRecord {
  version?: number
  accountId?: string
  interfaceId?: string
  srcaddr?: string
  dstaddr?: string
  srcport?: number
  dstport?: number
  protocol?: number
  /** A bigint in the rare digest whose sum passed 2^53. */
  packets?: number | bigint
  /** A bigint in the rare digest whose sum passed 2^53. */
  bytes?: number | bigint
  start?: number
  end?: number
  action?: string
  logStatus?: string
  vpcId?: string
  subnetId?: string
  instanceId?: string
  tcpFlags?: number
  type?: string
  pktSrcaddr?: string
  pktDstaddr?: string
  region?: string
  azId?: string
  sublocationType?: string
  sublocationId?: string
  pktSrcAwsService?: string
  pktDstAwsService?: string
  flowDirection?: string
  trafficPath?: number
  rejectReason?: string
  encryptionStatus?: number
  resourceId?: string
  interfaceType?: string
  nextHopInterfaceId?: string
  nextHopSubnetId?: string
  nextHopAzId?: string
  nextHopVpcId?: string
  nextHopInterfaceType?: string
  /** Tag values: they may hold blanks (see the README's Formats). */
  instanceTag?: string
  instanceTag2?: string
  interfaceTag?: string
  interfaceTag2?: string
  asgTag?: string
  asgTag2?: string
  [field: string]: string | number | bigint | undefined
}

export interface RecordsOptions {
  /** The fields of text without a header line. Default: the default format (version 2). */
  fields?: readonly string[]
  /** Lenient reading: malformed lines are skipped and reported here. Default: they throw. */
  onError?: (error: FlowLogError) => void
  /** Stops reading; the iteration then rejects with the signal's reason. */
  signal?: AbortSignal
}

/** The format each record was read in, so that `toText` can write it back the same way. */
export const formatOfRecord = new WeakMap<FlowLogRecord, Format>()

/**
 * Reads flow log text (raw, digested, from files or S3) into record objects, every
 * line in the format its header gives. Records with any log-status are yielded.
 *
 * @example
 * ```ts
 * for await (const record of pipe(createReadStream('flows.log'), records())) {
 *   if (record.action === 'REJECT') console.log(record.srcaddr, '->', record.dstaddr, record.dstport)
 * }
 * ```
 */
export function records(
  options: RecordsOptions = {},
): (text: AsyncIterable<LogText | string> | Iterable<LogText | string>) => AsyncGenerator<FlowLogRecord> {
  const fields = fieldList('fields', options.fields)
  const onError = callback('onError', options.onError)
  const signal = abortSignal('signal', options.signal)
  return async function* (text) {
    let batch: FlowLogRecord[] = []
    const properties = new Map<Format, string[]>()
    const reader = textReader({
      fields,
      onError,
      onRecord({ format, bytes, starts, ends, numbers }) {
        let names = properties.get(format)
        if (!names) properties.set(format, (names = format.fields.map(propertyOf)))
        const record: FlowLogRecord = {}
        for (let i = 0; i < names.length; i++) {
          if (format.numeric[i]) {
            if (numbers[i] === BIG) record[names[i]!] = BigInt(bytes.toString('latin1', starts[i], ends[i]))
            else if (numbers[i]! >= 0) record[names[i]!] = numbers[i]!
          } else if (ends[i]! - starts[i]! !== 1 || bytes[starts[i]!] !== 45) {
            record[names[i]!] = bytes.toString('utf8', starts[i], ends[i])
          }
        }
        formatOfRecord.set(record, format)
        batch.push(record)
      },
    })
    for await (const chunk of abortable(text, signal)) {
      reader.push(chunk)
      yield* batch
      batch = []
    }
    reader.end()
    yield* batch
  }
}
