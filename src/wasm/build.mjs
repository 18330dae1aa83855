// Compiles the digest's WebAssembly core (groups.ts, AssemblyScript) and writes it, as
// base64, into src/groupsWasm.ts: a module that loads anywhere the package's JavaScript
// does (threads, bundles), with no file to find at run time. Run by `npm run build` and
// before the tests; the output is generated, not kept in git.
import { writeFileSync } from 'node:fs'
import asc from 'assemblyscript/asc'

const source = new URL('./groups.ts', import.meta.url)
const target = new URL('../groupsWasm.ts', import.meta.url)
let binary
const { error, stderr } = await asc.main(
  // --debug keeps the functions' names, so that CPU profiles name them; the code is as optimised.
  [source.pathname, '--outFile', 'groups.wasm', '-O3', '--runtime', 'minimal', '--noAssert', '--debug'],
  { writeFile: (name, contents) => name.endsWith('.wasm') && (binary = contents) },
)
if (error || !binary) {
  console.error(stderr.toString())
  process.exit(1)
}
writeFileSync(
  target,
  `// Generated from wasm/groups.ts by wasm/build.mjs: do not edit.\nexport const GROUPS_WASM = '${Buffer.from(binary).toString('base64')}'\n`,
)
