/**
 * The four ways AWS lays out flow log files in S3, as an Athena table sees them: the
 * folders under the bucket prefix, and the partition column that stands for the time
 * folders, with its date format for partition projection.
 */

export type LayoutName = 'default' | 'hourly' | 'hive' | 'hive-hourly'

export interface Layout {
  readonly name: LayoutName
  /** The partition column of the time folders: `day`, or `hour` for hourly partitions. */
  readonly timeColumn: 'day' | 'hour'
  /** The time folders' date format, as partition projection reads it (Java's DateTimeFormatter). */
  readonly dateFormat: string
  /** The step between time folders, in partition projection's units. */
  readonly unit: 'DAYS' | 'HOURS'
  /** The folders under the root, as a `storage.location.template`: `${aws_account_id}`, `${aws_region}`, and the time column. */
  readonly template: string
  /** The time folder of a moment, as the date format writes it (UTC). */
  folder(time: Date): string
}

/** The partition columns of the account and the region (names no flow log field has). */
export const ACCOUNT_COLUMN = 'aws_account_id'
export const REGION_COLUMN = 'aws_region'

const two = (n: number): string => String(n).padStart(2, '0')
const parts = (time: Date) => ({
  y: String(time.getUTCFullYear()),
  m: two(time.getUTCMonth() + 1),
  d: two(time.getUTCDate()),
  h: two(time.getUTCHours()),
})

const LAYOUTS: Record<LayoutName, Layout> = {
  default: {
    name: 'default',
    timeColumn: 'day',
    dateFormat: 'yyyy/MM/dd',
    unit: 'DAYS',
    template: '${aws_account_id}/vpcflowlogs/${aws_region}/${day}',
    folder: (time) => {
      const { y, m, d } = parts(time)
      return `${y}/${m}/${d}`
    },
  },
  hourly: {
    name: 'hourly',
    timeColumn: 'hour',
    dateFormat: 'yyyy/MM/dd/HH',
    unit: 'HOURS',
    template: '${aws_account_id}/vpcflowlogs/${aws_region}/${hour}',
    folder: (time) => {
      const { y, m, d, h } = parts(time)
      return `${y}/${m}/${d}/${h}`
    },
  },
  hive: {
    name: 'hive',
    timeColumn: 'day',
    dateFormat: "'year='yyyy'/month='MM'/day='dd",
    unit: 'DAYS',
    template: 'aws-account-id=${aws_account_id}/aws-service=vpcflowlogs/aws-region=${aws_region}/${day}',
    folder: (time) => {
      const { y, m, d } = parts(time)
      return `year=${y}/month=${m}/day=${d}`
    },
  },
  'hive-hourly': {
    name: 'hive-hourly',
    timeColumn: 'hour',
    dateFormat: "'year='yyyy'/month='MM'/day='dd'/hour='HH",
    unit: 'HOURS',
    template: 'aws-account-id=${aws_account_id}/aws-service=vpcflowlogs/aws-region=${aws_region}/${hour}',
    folder: (time) => {
      const { y, m, d, h } = parts(time)
      return `year=${y}/month=${m}/day=${d}/hour=${h}`
    },
  },
}

const PLAIN = /^((.*)\d{12}\/vpcflowlogs\/[a-z0-9-]+\/)\d{4}\/\d\d\/\d\d\/(\d\d\/)?[^/]+$/
const HIVE = /^((.*)aws-account-id=\d{12}\/aws-service=vpcflowlogs\/aws-region=[a-z0-9-]+\/)year=\d{4}\/month=\d\d\/day=\d\d\/(hour=\d\d\/)?[^/]+$/

/**
 * The layout of a flow log file's key, its root (the folder its account folders lie in,
 * e.g. `AWSLogs/` or `my/prefix/AWSLogs/`) and its region's folder (the time folders lie
 * in it), or undefined for a key in none of the four layouts, which no partition
 * projection can reach.
 */
export function layoutOf(key: string): { layout: Layout; root: string; region: string } | undefined {
  const plain = PLAIN.exec(key)
  if (plain) return { layout: LAYOUTS[plain[3] ? 'hourly' : 'default'], root: plain[2]!, region: plain[1]! }
  const hive = HIVE.exec(key)
  if (hive) return { layout: LAYOUTS[hive[3] ? 'hive-hourly' : 'hive'], root: hive[2]!, region: hive[1]! }
  return undefined
}
