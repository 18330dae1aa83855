/**
 * The digest's WebAssembly core (core/, compiled into core.generated.ts) as this side calls
 * it: compiled once, a new instance for each table, whose failures are named.
 */
import { CORE_WASM, type Core } from './core.generated.js'

/** The WebAssembly API as used here: Node has it, its type definitions for Node 20 leave it out. */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { readonly exports: unknown }
}

let compiled: object | undefined

/**
 * A new core, whose entry points turn a failure into an error that says what happened
 * and where (`out of memory at 4,812,113 groups`), as the core itself cannot.
 */
export function instantiate(): Core {
  compiled ??= new WebAssembly.Module(Buffer.from(CORE_WASM, 'base64'))
  /** What the core's runtime reports (an allocation too large, say), as a string in its memory. */
  const abort = (message: number): never => {
    const length = message > 4 ? new Uint32Array(exports.memory.buffer, message - 4, 1)[0]! : 0
    throw new CoreFailure(Buffer.from(exports.memory.buffer, message, length).toString('utf16le').toLowerCase() || 'aborted')
  }
  const exports = new WebAssembly.Instance(compiled, { env: { abort } }).exports as unknown as Core
  const named = (error: unknown): Error => {
    const what =
      error instanceof CoreFailure ? error.message
      : /unreachable/.test(String(error)) ? 'out of memory' // an allocation the memory could not grow for
      : String((error as Error).message ?? error)
    const mib = Math.round(exports.memory.buffer.byteLength / 2 ** 20)
    return new Error(`the digest's group table: ${what} at ${exports.size.value.toLocaleString('en-US')} groups (${mib} MiB of memory)`, { cause: error })
  }
  const core = Object.create(null) as Record<string, unknown>
  for (const [name, value] of Object.entries(exports)) {
    core[name] =
      typeof value !== 'function' ? value
      : (...args: number[]): unknown => {
          try {
            return (value as (...args: number[]) => unknown)(...args)
          } catch (error) {
            throw named(error)
          }
        }
  }
  ;(core as unknown as Core).init()
  return core as unknown as Core
}

class CoreFailure extends Error {}

/** An error of the table's own, named as the core's are. */
export const fault = (what: string): Error => new Error(`the digest's group table: ${what}`)

