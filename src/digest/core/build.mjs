// Compiles the digest's WebAssembly core (AssemblyScript: groups.ts, its entry points, and the
// parts they come from) into
// ../core.generated.ts: the binary as base64 (a module that loads anywhere the package's
// JavaScript does: threads, bundles, with no file to find at run time), the core's exports
// as a TypeScript interface (from the compiler's bindings, so that every entry point's
// positional parameters are declared once, in the core), and the arena's layout as the
// core exports it. Run by `npm run build` and before the tests; the output is not kept in git.
import { writeFileSync } from 'node:fs'
import asc from 'assemblyscript/asc'

const source = new URL('./groups.ts', import.meta.url)
const target = new URL('../core.generated.ts', import.meta.url)
const files = {}
const { error, stderr } = await asc.main(
  // --debug keeps the functions' names, so that CPU profiles name them; the code is as optimised.
  [source.pathname, '--outFile', 'groups.wasm', '-O3', '--runtime', 'minimal', '--noAssert', '--debug', '--bindings', 'raw'],
  { writeFile: (name, contents) => (files[name.split('/').pop()] = contents) },
)
const binary = files['groups.wasm']
const declarations = files['groups.d.ts']
if (error || !binary || !declarations) {
  console.error(stderr.toString())
  process.exit(1)
}

// The bindings declare the exports in a namespace: its members become the interface's.
const namespace = /declare namespace __AdaptedExports \{\n([\s\S]*?)\n\}/.exec(String(declarations))?.[1]
if (!namespace) throw new Error('groups.d.ts: no export declarations found')
const members = namespace
  // the layout's constants are values, below, not members
  .replace(/\s*\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*export const [A-Z_]+: \{[\s\S]*?\n {2}\};/g, '')
  .replace(/export const memory: WebAssembly\.Memory;/, 'readonly memory: { readonly buffer: ArrayBuffer };')
  .replace(/export const (\w+): \{[\s\S]*?\n {2}\};/g, (_, name) => `readonly ${name}: { readonly value: number };`)
  .replace(/export function (\w+)\(/g, '$1(')

// The layout: what the core exports in capitals (arena.ts), read from the compiled core itself.
const exports = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { abort() {} } }).exports
const layout = Object.entries(exports)
  .filter(([name]) => /^[A-Z_]+$/.test(name))
  .map(([name, global]) => `  ${name}: ${global.value},`)
  .join('\n')

writeFileSync(
  target,
  `// Generated from core/groups.ts by core/build.mjs: do not edit.

/** The core's exports, as its compiler declares them. */
export interface Core {
${members}
}

/** Where a group's fields are in the arena (bytes from its offset), the values that mark a number, and the arena sorted at a time (CHUNK). */
export const LAYOUT = {
${layout}
} as const

export const CORE_WASM = '${Buffer.from(binary).toString('base64')}'
`,
)
