/**
 * A worker thread of a parallel digest: reads the text of the log files it is sent,
 * gathers their groups, and sends them back at the end. See `gather`.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { DEFAULT_MAX_TEXT_BYTES, readBody } from '../concatBodies.js'
import { createDigester, partsOf, type DigesterOptions } from './digester.js'
import { runFolder, type Run } from './runs.js'
import type { FlowLogError } from '../errors.js'
import { fromLogFile } from '../flowLogText.js'
import type { LogObject } from '../parseLogFileKey.js'

/** What the main thread sends: text of a source (named once, then by id), or the end. */
export type ToWorker =
  | { readonly type: 'text'; readonly id: number; readonly source?: LogObject; readonly bytes: Uint8Array }
  | { readonly type: 'body'; readonly file: LogObject; readonly bytes: Uint8Array }
  | { readonly type: 'end' }

/** What a worker answers: a chunk read, a line skipped, its groups, or the error that stopped it. */
export type FromWorker =
  | { readonly type: 'read'; readonly records: number }
  | { readonly type: 'skipped'; readonly error: PlainError }
  | { readonly type: 'spilled'; readonly run: Run }
  | { readonly type: 'result'; readonly parts: ReturnType<typeof partsOf> }
  | { readonly type: 'failed'; readonly error: PlainError }

/** A FlowLogError (or any error) as plain data, since custom properties do not survive cloning. */
export interface PlainError {
  readonly message: string
  readonly code?: FlowLogError['code']
  readonly object?: string
  readonly line?: number
}

const plain = (error: unknown): PlainError => {
  const { message, code, object, line } = error as PlainError
  return { message: message ?? String(error), code, object, line }
}

/** What a worker is started with: how to read, and where its tables spill (a folder the main thread made). */
export interface WorkerData extends Pick<DigesterOptions, 'fields' | 'keyFields'> {
  readonly lenient: boolean
  readonly spill: { readonly path: string; readonly prefix: string; readonly limit: number }
}

const port = parentPort!
const { fields, keyFields, lenient, spill } = workerData as WorkerData
const onError = lenient ? (error: FlowLogError) => port.postMessage({ type: 'skipped', error: plain(error) } satisfies FromWorker) : undefined
const onSpill = (run: Run): void => port.postMessage({ type: 'spilled', run } satisfies FromWorker)
const digester = createDigester({ fields, keyFields, onError, spill: { folder: runFolder(spill.path, spill), limit: spill.limit, onSpill } })
/** The source being read (a reader has one at a time), so every chunk of it keeps the same identity. */
let current: { id: number; source: LogObject } | undefined

/** Messages are handled one after another: reading a body takes turns of the event loop. */
let queue = Promise.resolve()
let failed = false
port.on('message', (message: ToWorker) => {
  queue = queue.then(async () => {
    if (failed) return
    try {
      await handle(message)
    } catch (error) {
      failed = true
      port.postMessage({ type: 'failed', error: plain(error) } satisfies FromWorker)
    }
  })
})

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'text') {
    if (message.source) current = { id: message.id, source: message.source }
    const source = current?.id === message.id ? current.source : undefined
    const bytes = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength)
    digester.push(source ? fromLogFile(bytes, source) : bytes)
    port.postMessage({ type: 'read', records: digester.takeRecords() } satisfies FromWorker)
  } else if (message.type === 'body') {
    for await (const chunk of readBody({ file: message.file, body: message.bytes }, { maxTextBytes: DEFAULT_MAX_TEXT_BYTES, onError })) {
      digester.push(chunk)
    }
    port.postMessage({ type: 'read', records: digester.takeRecords() } satisfies FromWorker)
  } else {
    digester.end()
    const parts = partsOf(digester.state())
    // the arenas are copies made for this message: handed over, not copied again
    port.postMessage({ type: 'result', parts } satisfies FromWorker, parts.blocks.map((block) => block.table.arena.buffer as ArrayBuffer))
  }
}
