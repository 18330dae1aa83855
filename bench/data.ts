/**
 * The benchmark's input: seeded, realistic default-format records as gzip flow log files
 * in a local folder laid out like a bucket, made once and kept in the system's temp folder.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { network, records, seeded, V2_HEADER } from './generator.js'

export interface BenchData {
  /** The folder, laid out like a bucket. */
  readonly dir: string
  readonly files: number
  readonly records: number
}

/**
 * `files` gzip files of `perFile` records each, a share `internet` of them probes from new
 * addresses (see `records`), made once per (generator, files, perFile, internet, seed).
 */
export function benchData(files: number, perFile: number, internet = 0, seed = 42): BenchData {
  const generator = createHash('sha256').update(readFileSync(new URL('./generator.ts', import.meta.url))).digest('hex').slice(0, 8)
  const dir = join(tmpdir(), `vpcflow-bench-${generator}-${seed}-${files}x${perFile}-${internet}`)
  if (!existsSync(join(dir, 'complete'))) {
    const building = `${dir}.${process.pid}`
    const random = seeded(seed)
    const net = network(random, '123456789012')
    const start = Date.UTC(2024, 4, 1) / 1000
    for (let f = 0; f < files; f++) {
      const windowStart = start + f * 300
      const stamp = new Date(windowStart * 1000).toISOString().replace(/[-:]/g, '').slice(0, 13)
      const folder = join(building, 'AWSLogs/123456789012/vpcflowlogs/us-east-1', new Date(windowStart * 1000).toISOString().slice(0, 10).replaceAll('-', '/'))
      mkdirSync(folder, { recursive: true })
      const text = [V2_HEADER, ...records(random, net, windowStart, perFile, internet)].join('\n') + '\n'
      const name = `123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_${stamp}Z_${String(f).padStart(8, '0')}.log.gz`
      writeFileSync(join(folder, name), gzipSync(text))
    }
    writeFileSync(join(building, 'complete'), '')
    renameSync(building, dir)
  }
  return { dir, files, records: files * perFile }
}
