/**
 * Runs one Athena statement to its end: StartQueryExecution, then GetQueryExecution with
 * a growing wait between polls until the query succeeds, fails or is cancelled. A query
 * that this code started and that has not ended when it stops (an abort, an error) is
 * stopped with StopQueryExecution, so none is left running.
 */
import type { AthenaClient, QueryExecutionState } from '@aws-sdk/client-athena'
import { sleep } from '../abortable.js'
import { FlowLogError, s3Failure } from '../errors.js'
import { athenaSdk } from './athenaSdk.js'

/** Where a statement runs and how its progress is told. */
export interface QueryContext {
  readonly client: AthenaClient
  readonly database: string
  readonly workgroup: string | undefined
  readonly outputLocation: string | undefined
  /** The wait before poll `n` (1, 2...), in milliseconds. */
  readonly pollInterval: (poll: number) => number
  readonly onState: ((execution: QueryState) => void) | undefined
  readonly signal: AbortSignal | undefined
}

/** What a poll of a query says. */
export interface QueryState {
  readonly queryExecutionId: string
  readonly state: QueryExecutionState
  /** Bytes the query has read so far (what Athena bills). */
  readonly dataScannedInBytes: number
}

/** The first wait between polls, in milliseconds; it doubles at each poll up to {@link MAX_POLL_INTERVAL}. */
export const DEFAULT_POLL_INTERVAL = 100
/** The longest wait between polls, in milliseconds: progress is seen at least this often. */
export const MAX_POLL_INTERVAL = 1_000

/** The wait before each poll: `base`, doubling at each poll, up to {@link MAX_POLL_INTERVAL}. */
export function doubling(base: number): (poll: number) => number {
  return (poll) => Math.min(MAX_POLL_INTERVAL, base * 2 ** (poll - 1))
}

/** Runs `statement` (described as `what` in errors) and resolves with its final state once it succeeded. */
export async function runQuery(statement: string, what: string, context: QueryContext): Promise<QueryState> {
  const { client, signal } = context
  const { StartQueryExecutionCommand, GetQueryExecutionCommand, StopQueryExecutionCommand } = await athenaSdk()
  signal?.throwIfAborted()
  let started
  try {
    // Not abortable: a query Athena has started must be known, so that it can be stopped.
    started = await client.send(
      new StartQueryExecutionCommand({
        QueryString: statement,
        QueryExecutionContext: { Database: context.database },
        WorkGroup: context.workgroup,
        ResultConfiguration: context.outputLocation ? { OutputLocation: context.outputLocation } : undefined,
      }),
    )
  } catch (error) {
    throw failure('StartQueryExecution', what, error, signal)
  }
  const queryExecutionId = started.QueryExecutionId ?? ''
  let ended = false
  try {
    for (let poll = 1; ; poll++) {
      await sleep(context.pollInterval(poll), signal)
      let polled
      try {
        polled = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }), { abortSignal: signal })
      } catch (error) {
        throw failure('GetQueryExecution', what, error, signal)
      }
      const execution = polled.QueryExecution
      const status = execution?.Status
      const state: QueryState = {
        queryExecutionId,
        state: status?.State ?? 'QUEUED',
        dataScannedInBytes: execution?.Statistics?.DataScannedInBytes ?? 0,
      }
      context.onState?.(state)
      if (state.state === 'SUCCEEDED') {
        ended = true
        return state
      }
      if (state.state === 'FAILED' || state.state === 'CANCELLED') {
        ended = true
        const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage
        const verb = state.state === 'FAILED' ? 'failed' : 'was cancelled'
        throw new FlowLogError(`${what}: Athena query ${queryExecutionId} ${verb}${reason ? `: ${reason}` : ''}`, { code: 'QUERY_FAILED' })
      }
    }
  } finally {
    if (!ended) {
      // Stopped here (an abort, an error): the query must not run on, and cost, unseen.
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId })).catch(() => {})
    }
  }
}

/** A failed Athena call as a FlowLogError naming the call and the statement; an abort as the signal's reason. */
export function failure(operation: string, what: string, error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason
  return s3Failure(`${what}: ${operation}`, undefined, error, signal ?? new AbortController().signal)
}
