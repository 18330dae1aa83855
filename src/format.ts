/** The fields of the default format (version 2), in order. */
export const DEFAULT_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport',
  'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status',
] as const

/** Every field AWS documents, versions 2 to 8. Other names are accepted and read as strings. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  ...DEFAULT_FIELDS,
  'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr',
  'region', 'az-id', 'sublocation-type', 'sublocation-id',
  'pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path',
  'resource-type', 'tgw-id', 'tgw-attachment-id', 'tgw-src-vpc-account-id', 'tgw-dst-vpc-account-id',
  'tgw-src-vpc-id', 'tgw-dst-vpc-id', 'tgw-src-subnet-id', 'tgw-dst-subnet-id', 'tgw-src-eni',
  'tgw-dst-eni', 'tgw-src-az-id', 'tgw-dst-az-id', 'tgw-pair-attachment-id',
  'packets-lost-no-route', 'packets-lost-blackhole', 'packets-lost-mtu-exceeded', 'packets-lost-ttl-expired',
  'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id',
  'ecs-container-id', 'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn',
  'ecs-task-arn', 'ecs-task-id', 'reject-reason',
])

/** Fields whose values are whole numbers (or `-`). */
export const NUMERIC_FIELDS: ReadonlySet<string> = new Set([
  'version', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'tcp-flags',
  'traffic-path', 'packets-lost-no-route', 'packets-lost-blackhole', 'packets-lost-mtu-exceeded',
  'packets-lost-ttl-expired',
])

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
    }
    formats.set(header, format)
  }
  return format
}

/** The default format (version 2). */
export const DEFAULT_FORMAT = formatOf(DEFAULT_FIELDS)

const PROPERTY_OF = new Map([...KNOWN_FIELDS].map((field) => [field, field.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())]))

/** The record property of a field: known fields in camelCase (`account-id` is `accountId`), others as they are. */
export function propertyOf(field: string): string {
  return PROPERTY_OF.get(field) ?? field
}
