/**
 * How long the network map takes to build from a digest, and the memory it holds:
 *
 *   npm run build && npx tsx bench/map.ts [lines...]     (default: 125000 250000 500000)
 *
 * Each size is a fresh process. The digest is of the default format: 2,000 interfaces each
 * talking to some of 60,000 addresses (a third of them public) on ten services, 5% rejected,
 * requests and replies; it is made before the clock starts and only its chunks are kept.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { seeded, V2_HEADER } from './generator.js'

const child = process.argv[2] === '--child'
if (!child) {
  const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [125_000, 250_000, 500_000]
  console.log('| digest lines | nodes | edges | seconds | CPU seconds | heap growth MiB |')
  console.log('|---|---|---|---|---|---|')
  for (const lines of sizes) {
    const args = ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(lines)]
    process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8' }))
  }
} else {
  const { buildNetworkMap } = await import('../dist/index.js')
  const lines = Number(process.argv[3])
  const chunks = digestText(lines)
  ;(globalThis as { gc?: () => void }).gc?.()
  const heap = process.memoryUsage().heapUsed
  const cpu = process.cpuUsage()
  const started = performance.now()
  const map = await buildNetworkMap(chunks)
  const seconds = (performance.now() - started) / 1000
  const { user, system } = process.cpuUsage(cpu)
  const cells = [lines, map.nodes.length, map.edges.length].map((n) => n.toLocaleString('en-US'))
  cells.push(seconds.toFixed(2), ((user + system) / 1e6).toFixed(2), ((process.memoryUsage().heapUsed - heap) / 2 ** 20).toFixed(0))
  console.log(`| ${cells.join(' | ')} |`)
}

/** A digest of `count` lines, in chunks of a megabyte. */
function digestText(count: number): Buffer[] {
  const random = seeded(11)
  const byte = () => 1 + Math.floor(random() * 254)
  const enis = Array.from({ length: 2000 }, (_, i) => ({ id: `eni-${i.toString(16).padStart(17, '0')}`, address: `10.${i >> 8}.${i & 255}.${byte()}` }))
  const peers = Array.from({ length: 60_000 }, (_, i) => (i % 3 === 0 ? `${[52, 54, 3, 18][i % 4]}.${byte()}.${byte()}.${byte()}` : `10.${byte()}.${byte()}.${byte()}`))
  const ports = [443, 80, 5432, 6379, 53, 22, 3306, 8080, 9092, 2049]
  const lines = [V2_HEADER]
  const line = (eni: string, src: string, dst: string, sport: number, dport: number, action: string) =>
    `2 111122223333 ${eni} ${src} ${dst} ${sport} ${dport} 6 ${1 + Math.floor(random() * 100)} ${1000 + Math.floor(random() * 100_000)} 1714521600 1714780800 ${action} OK`
  while (lines.length <= count) {
    const eni = enis[Math.floor(random() ** 2 * enis.length)]!
    const peer = peers[Math.floor(random() * peers.length)]!
    const port = ports[Math.floor(random() ** 2 * ports.length)]!
    const action = random() < 0.05 ? 'REJECT' : 'ACCEPT'
    const [client, server] = random() < 0.6 ? [eni.address, peer] : [peer, eni.address]
    lines.push(line(eni.id, client, server, 0, port, action))
    if (lines.length <= count && action === 'ACCEPT') lines.push(line(eni.id, server, client, port, 0, action))
  }
  const text = Buffer.from(lines.join('\n') + '\n')
  return Array.from({ length: Math.ceil(text.length / 2 ** 20) }, (_, i) => text.subarray(i * 2 ** 20, (i + 1) * 2 ** 20))
}
