/** How the renderers show a diff's union map: the colours of changes and the title naming both periods. */
import type { MapStatus } from './diffMaps.js'
import type { NetworkMap } from './networkMap.js'

/** A renderer's `status` option: undefined, or a MapStatus as diffMaps gives it; else a TypeError naming it. */
export function statusOption(status: MapStatus | undefined): MapStatus | undefined {
  if (status !== undefined && !(status.nodes instanceof Map && status.edges instanceof Map)) {
    throw new TypeError('status must be a MapStatus ({ nodes, edges } Maps of id to status), as diffMaps gives it')
  }
  return status
}

/** What a label says of a change. */
export const CHANGE_MARKS = { new: 'new', vanished: 'gone', changed: 'changed' } as const

/** New things stand out in violet (apart from the green, red and orange of actions); vanished ones are grey; unchanged text fades. */
export const CHANGE_COLORS = { new: '#6a1b9a', vanished: '#9e9e9e', unchanged: '#90a4ae' } as const

/** `2024-05-01 00:04 – 2024-05-01 21:08 UTC`. */
export function windowText(window: NetworkMap['window']): string | undefined {
  const time = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')
  return window && `${time(window.start)} – ${time(window.end)} UTC`
}

/** `vpcflow diff by vpc of s3://bucket/AWSLogs/: before 2024-05-01 00:04 – 2024-05-01 23:58 UTC, after ...`. */
export function changeTitle(map: NetworkMap, status: MapStatus): string {
  const grouping = map.groupBy === 'address' ? '' : ` by ${map.groupBy}`
  const periods = [['before', status.before], ['after', status.after]].flatMap(([side, window]) => {
    const text = windowText(window as NetworkMap['window'])
    return text ? [`${side as string} ${text}`] : []
  })
  return `vpcflow diff${grouping}${map.source === undefined ? '' : ` of ${map.source}`}${periods.length > 0 ? `: ${periods.join(', ')}` : ''}`
}
