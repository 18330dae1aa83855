// The peer: the same digest by DuckDB (2 threads, local files, offline), in a fresh process:
// read_csv of the gzip files, records not OK dropped, the ephemeral port (the larger of
// srcport and dstport, srcport when equal) made 0, GROUP BY the other key fields with sums,
// earliest start and latest end, written to a file. Prints one JSON line:
// { seconds, cpuSeconds, maxRssMiB, groups, packets, bytes } (sums as decimal strings).
//
//   node bench/duckdbRun.mjs <dir> <out>
import { DuckDBInstance } from '@duckdb/node-api'

const [dir = '', out = ''] = process.argv.slice(2)
const started = performance.now()
const instance = await DuckDBInstance.create(':memory:', { threads: '2' })
const db = await instance.connect()
const ephemeral = 'srcport > 0 AND dstport > 0 AND srcport >= dstport'
await db.run(`
  CREATE TABLE digest AS
  SELECT version, "account-id", "interface-id", srcaddr, dstaddr,
    CASE WHEN ${ephemeral} THEN 0 ELSE srcport END AS srcport,
    CASE WHEN srcport > 0 AND dstport > 0 AND NOT (${ephemeral}) THEN 0 ELSE dstport END AS dstport,
    protocol, sum(packets) AS packets, sum(bytes) AS bytes, min(start) AS start, max("end") AS "end", action, "log-status"
  FROM read_csv('${dir}/**/*.log.gz', delim = ' ', header = true, nullstr = '-')
  WHERE "log-status" = 'OK'
  GROUP BY ALL`)
await db.run(`COPY digest TO '${out}' (DELIMITER ' ', HEADER)`)
const totals = await db.runAndReadAll('SELECT count(*)::VARCHAR, sum(packets)::VARCHAR, sum(bytes)::VARCHAR FROM digest')
const [groups, packets, bytes] = totals.getRows()[0]
const seconds = (performance.now() - started) / 1000
const usage = process.resourceUsage()
console.log(JSON.stringify({ seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMiB: usage.maxRSS / 1024, groups: Number(groups), packets, bytes }))
process.exit(0)
