/** The fields of the default format (version 2), in order. */
export const DEFAULT_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport',
  'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status',
] as const

/**
 * A field of AWS's "Flow log records" table: the version that introduced it, and what its
 * values are: whole numbers (`-` when absent), strings without blanks, or tag values (the
 * value of an EC2 tag, which may hold blanks).
 */
export interface FieldInfo {
  readonly version: number
  readonly type: 'number' | 'string' | 'tag'
}

const field = (version: number, type: FieldInfo['type'], names: string): Array<[string, FieldInfo]> =>
  names.split(' ').map((name) => [name, { version, type }])

/**
 * Every field AWS documents, by the version that introduced it (a record's `version` is the
 * highest among its format's fields). Other names are accepted and read as strings.
 *
 * @example FIELDS.get('encryption-status') // { version: 9, type: 'number' }
 */
export const FIELDS: ReadonlyMap<string, FieldInfo> = new Map([
  ...field(2, 'number', 'version srcport dstport protocol packets bytes start end'),
  ...field(2, 'string', 'account-id interface-id srcaddr dstaddr action log-status'),
  ...field(3, 'number', 'tcp-flags'),
  ...field(3, 'string', 'vpc-id subnet-id instance-id type pkt-srcaddr pkt-dstaddr'),
  ...field(4, 'string', 'region az-id sublocation-type sublocation-id'),
  ...field(5, 'number', 'traffic-path'),
  ...field(5, 'string', 'pkt-src-aws-service pkt-dst-aws-service flow-direction'),
  ...field(6, 'number', 'packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired'),
  ...field(
    6,
    'string',
    'resource-type tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id ' +
      'tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id',
  ),
  ...field(
    7,
    'string',
    'ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id ' +
      'ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id',
  ),
  ...field(8, 'string', 'reject-reason'),
  ...field(9, 'number', 'encryption-status'),
  ...field(10, 'string', 'resource-id'),
  ...field(11, 'string', 'interface-type next-hop-interface-id next-hop-subnet-id next-hop-az-id next-hop-vpc-id next-hop-interface-type'),
  ...field(11, 'tag', 'instance-tag instance-tag-2 interface-tag interface-tag-2 asg-tag asg-tag-2'),
])

/** Every field AWS documents (the names of {@link FIELDS}). Other names are accepted and read as strings. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set(FIELDS.keys())

/** Fields whose values are whole numbers (or `-`): what the JavaScript reader and the digest's core both check. */
export const NUMERIC_FIELDS: ReadonlySet<string> = new Set([...FIELDS].flatMap(([name, info]) => (info.type === 'number' ? [name] : [])))

/** The layout of a flow log: its field names in order, as its header line gives them. */
export interface Format {
  readonly fields: readonly string[]
  /** The header line, without line end. */
  readonly header: string
  /** Position of each field by name. */
  readonly positions: ReadonlyMap<string, number>
  /** For each position, 1 if the field is numeric, else 0. */
  readonly numeric: Uint8Array
  /** For each position, whether the field is a count (packets, bytes) that may pass 2^53 once summed. */
  readonly counts: readonly boolean[]
  /** The positions of tag fields, whose values may hold blanks. */
  readonly tags: readonly number[]
}

const formats = new Map<string, Format>()

/** The format with these fields, one shared object per distinct layout. */
export function formatOf(fields: readonly string[]): Format {
  const header = fields.join(' ')
  let format = formats.get(header)
  if (!format) {
    format = {
      fields: [...fields],
      header,
      positions: new Map(fields.map((name, i) => [name, i])),
      numeric: Uint8Array.from(fields, (name) => (NUMERIC_FIELDS.has(name) ? 1 : 0)),
      counts: fields.map((name) => name === 'packets' || name === 'bytes'),
      tags: fields.flatMap((name, i) => (FIELDS.get(name)?.type === 'tag' ? [i] : [])),
    }
    formats.set(header, format)
  }
  return format
}

/** The default format (version 2). */
export const DEFAULT_FORMAT = formatOf(DEFAULT_FIELDS)

const PROPERTY_OF = new Map([...KNOWN_FIELDS].map((name) => [name, name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())]))

/** The record property of a field: known fields in camelCase (`account-id` is `accountId`, `asg-tag-2` is `asgTag2`), others as they are. */
export function propertyOf(field: string): string {
  return PROPERTY_OF.get(field) ?? field
}
