/**
 * Reads the rows of a query that succeeded, a page at a time as the consumer asks
 * (GetQueryResults with NextToken, up to 1,000 rows a page).
 */
import type { AthenaClient } from '@aws-sdk/client-athena'
import { athenaSdk } from './athenaSdk.js'
import { failure } from './queryExecution.js'

/** The most rows GetQueryResults returns in a page. */
const MAX_PAGE_ROWS = 1000

/**
 * The rows of the query's result, a page at a time, each row its values (null for SQL
 * NULL). The first row of the first page, the column names, is left out.
 */
export async function* queryResults(
  client: AthenaClient,
  queryExecutionId: string,
  what: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Array<Array<string | null>>> {
  const { GetQueryResultsCommand } = await athenaSdk()
  let NextToken: string | undefined
  let first = true
  do {
    signal?.throwIfAborted()
    let page
    try {
      page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken, MaxResults: MAX_PAGE_ROWS }), { abortSignal: signal })
    } catch (error) {
      throw failure('GetQueryResults', what, error, signal)
    }
    const rows = (page.ResultSet?.Rows ?? []).map((row) => (row.Data ?? []).map((datum) => datum.VarCharValue ?? null))
    yield first ? rows.slice(1) : rows
    first = false
    NextToken = page.NextToken
  } while (NextToken)
}
