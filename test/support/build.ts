/**
 * The tests' global setup: builds the package (dist/), which the tests import as `vpcflow`,
 * so that they run what users run, worker threads included, and never a stale build.
 */
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, ['src/digest/core/build.mjs'], { cwd: root, stdio: 'inherit' })
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
}
