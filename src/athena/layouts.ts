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

/**
 * A moment (UTC) as partition projection writes it with a Java DateTimeFormatter
 * pattern: `yyyy`, `MM`, `dd`, `HH`, and text between single quotes as it is.
 */
function formatDate(time: Date, pattern: string): string {
  const two = (n: number): string => String(n).padStart(2, '0')
  const fields: Record<string, string> = {
    yyyy: String(time.getUTCFullYear()),
    MM: two(time.getUTCMonth() + 1),
    dd: two(time.getUTCDate()),
    HH: two(time.getUTCHours()),
  }
  return (pattern.match(/'[^']*'|yyyy|MM|dd|HH|[^'yMdH]+/g) ?? []).map((token) => (token.startsWith("'") ? token.slice(1, -1) : (fields[token] ?? token))).join('')
}

/** A layout whose time folders are what `dateFormat` writes. */
function layout(name: LayoutName, dateFormat: string, folders: string): Layout {
  const timeColumn = dateFormat.includes('HH') ? 'hour' : 'day'
  return {
    name,
    timeColumn,
    dateFormat,
    unit: timeColumn === 'hour' ? 'HOURS' : 'DAYS',
    template: `${folders}/\${${timeColumn}}`,
    folder: (time) => formatDate(time, dateFormat),
  }
}

const PLAIN_FOLDERS = '${aws_account_id}/vpcflowlogs/${aws_region}'
const HIVE_FOLDERS = 'aws-account-id=${aws_account_id}/aws-service=vpcflowlogs/aws-region=${aws_region}'

const LAYOUTS: Record<LayoutName, Layout> = {
  default: layout('default', 'yyyy/MM/dd', PLAIN_FOLDERS),
  hourly: layout('hourly', 'yyyy/MM/dd/HH', PLAIN_FOLDERS),
  hive: layout('hive', "'year='yyyy'/month='MM'/day='dd", HIVE_FOLDERS),
  'hive-hourly': layout('hive-hourly', "'year='yyyy'/month='MM'/day='dd'/hour='HH", HIVE_FOLDERS),
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
