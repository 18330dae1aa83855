/**
 * A map diff as people and programs read it: a line per change, in text (`+`, `-`, `~`,
 * as `diff` marks lines) or NDJSON.
 */
import { bigintText } from '../flowLogText.js'
import type { MapChange, MapDiff, ServiceChange } from './diffMaps.js'
import { bytes } from './mapToDot.js'
import type { Volume } from './networkMap.js'

/** Services named on a text line, per action, before `+N`. */
const SHOWN_SERVICES = 3

const MARKS: Readonly<Record<MapChange['change'], string>> = { new: '+', vanished: '-', changed: '~' }

/**
 * The changes as text, one line each: `+` new, `-` vanished, `~` changed; then client and
 * server (their labels), the services concerned by action, and bytes. Services new on an edge
 * both periods have, or gone from one, say so; a changed edge shows its bytes before and after
 * and the factor. Empty when nothing changed.
 *
 * @example
 * ```ts
 * process.stdout.write(diffToText(diffMaps(before, after)))
 * // + web-1 -> internet  tcp/443, udp/123 ACCEPT  1.2 MB
 * // + web-1 -> db  tcp/5433 ACCEPT  12.0 kB  new on a known edge
 * // - app-2 -> db  tcp/5432 ACCEPT  4.1 MB
 * // ~ app-1 -> db  tcp/5432 ACCEPT  1.2 MB -> 40.3 MB  x33.6
 * ```
 */
export function diffToText(diff: MapDiff): string {
  const label = labels(diff)
  return diff.changes
    .map((change) => {
      const parts = [`${MARKS[change.change]} ${label(change.from)} -> ${label(change.to)}`, services(change.services)]
      if (change.change === 'changed') {
        parts.push(`${bytes(change.before.bytes)} -> ${bytes(change.after.bytes)}`, ratio(change.before.bytes, change.after.bytes))
      } else {
        const side = change.change === 'new' ? 'after' : 'before'
        parts.push(bytes(change.services.reduce<bigint>((sum, service) => sum + BigInt(service[side].bytes), 0n)))
        if (change.scope === 'services') parts.push(change.change === 'new' ? 'new on a known edge' : 'gone from a known edge')
      }
      return `${parts.join('  ')}\n`
    })
    .join('')
}

/**
 * The changes as NDJSON, one object per line: a `MapChange` with the client's and server's
 * labels (`fromLabel`, `toLabel`); counts past 2^53 are strings of digits.
 *
 * @example
 * ```ts
 * for (const line of diffToNdjson(diff).split('\n').filter(Boolean)) {
 *   const { change, from, to, services } = JSON.parse(line)
 * }
 * ```
 */
export function diffToNdjson(diff: MapDiff): string {
  const label = labels(diff)
  return diff.changes
    .map(({ change, scope, edge, from, to, services, before, after }) => {
      const line = { change, scope, edge, from, fromLabel: label(from), to, toLabel: label(to), services, before, after }
      return `${JSON.stringify(line, bigintText)}\n`
    })
    .join('')
}

/** A node's label by id (the id itself when the map has no such node). */
function labels(diff: MapDiff): (id: string) => string {
  const byId = new Map(diff.map.nodes.map((node) => [node.id, node.label]))
  return (id) => byId.get(id) ?? id
}

/** `tcp/443, udp/123 ACCEPT; tcp/22, tcp/23, tcp/445 +5 REJECT`: services in the order given, by action. */
function services(list: readonly ServiceChange[]): string {
  const byAction = new Map<string, string[]>()
  for (const { action, label } of list) {
    byAction.set(action, [...(byAction.get(action) ?? []), label])
  }
  return [...byAction]
    .map(([action, labels]) => {
      const more = labels.length - SHOWN_SERVICES
      return `${labels.slice(0, SHOWN_SERVICES).join(', ')}${more > 0 ? ` +${more}` : ''} ${action}`
    })
    .join('; ')
}

/** How many times more (`x33.6`) or fewer (`/33.6`) bytes there are after. */
function ratio(before: Volume['bytes'], after: Volume['bytes']): string {
  const [b, a] = [Number(before), Number(after)]
  if (b === 0) return 'none before'
  if (a === 0) return 'none after'
  const times = a >= b ? a / b : b / a
  return `${a >= b ? 'x' : '/'}${times >= 100 ? times.toFixed(0) : times.toFixed(1)}`
}
