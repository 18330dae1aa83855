/**
 * `vpcflow digest --max-memory --temp-dir`: groups past the budget go to temporary files
 * and come back merged, the same bytes; the files go however the command ends.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { network, records, seeded, V2_HEADER } from '../bench/generator.js'
import { finished, killRunning, runInProcess, spawnCli, untilOutput } from './support/cli.js'

let dir: string
let temp: string
/** Records of many groups, a quarter of them probes from addresses never seen before. */
let input: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vpcflow-cli-spill-'))
  const random = seeded(8)
  input = [V2_HEADER, ...records(random, network(random, '123456789012'), 1714521600, 200_000, 0.25)].join('\n') + '\n'
})
afterAll(() => rm(dir, { recursive: true, force: true }))
afterEach(async () => {
  killRunning()
  if (temp) await rm(temp, { recursive: true, force: true })
})
const tempDir = async (): Promise<string> => (temp = await mkdtemp(join(dir, 'temp-')))

describe('vpcflow digest past --max-memory', () => {
  test('the same bytes through temporary files, said with --verbose, and none left', async () => {
    const held = await runInProcess(['digest', '-'], { input })
    expect(held.code).toBe(0)
    const folder = await tempDir()
    const spilled = await runInProcess(['digest', '-', '--max-memory', '1MiB', '--temp-dir', folder, '--verbose'], { input })
    expect(spilled.code).toBe(0)
    expect(spilled.stdout).toBe(held.stdout)
    expect(spilled.stderr).toMatch(/groups past --max-memory: run 2 written \(/)
    expect(await readdir(folder)).toEqual([])
  })

  test('a temporary folder that is not there, or a bad size: one line naming it', async () => {
    const missing = join(dir, 'no-such-folder')
    const result = await runInProcess(['digest', '-', '--max-memory', '1MiB', '--temp-dir', missing], { input })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`vpcflow: cannot write the digest's runs in ${missing}: no such folder\n`)
    const bad = await runInProcess(['digest', '-', '--max-memory', 'lots'], { input })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--max-memory must be a size such as 256MiB')
  })

  test('Ctrl-C once groups have spilled: exit code 130, and the temporary files gone', async () => {
    const folder = await tempDir()
    const file = join(dir, 'records.log')
    await writeFile(file, input.repeat(4))
    const child = spawnCli(['digest', file, '--max-memory', '1MiB', '--temp-dir', folder, '--verbose', '-o', join(dir, 'out.log')])
    const done = finished(child)
    await untilOutput(child.stderr, (text) => text.includes('run 1 written'))
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(130)
    expect(await readdir(folder)).toEqual([])
  })
})
