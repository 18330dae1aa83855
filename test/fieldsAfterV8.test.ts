/**
 * The fields AWS added after version 8: known with their versions and types, numbers as
 * numbers in records(), Parquet and toText(); a header of fields vpcflow does not know is
 * one on the first line of an object; a tag value with blanks is read whole where the
 * format has one tag field, and never makes a wrong digest line.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pipe } from 'it-pipe'
import { describe, expect, test } from 'vitest'
import { concatBodies, digest, FIELDS, records, skipReport, toText, type FlowLogRecord } from 'vpcflow'
import { collect } from './support/async.js'
import { toParquet } from './support/parquet.js'
import { collectText, fakeLogFile, fetched } from './support/text.js'

/** AWS's version 11 example, as the field table's page gives it. */
const V11_HEADER = 'version srcaddr dstaddr srcport dstport protocol start end action log-status reject-reason resource-id encryption-status interface-type'
const V11_RECORD = '11 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 REJECT OK BPA nat-0c50d5961bcb2d47b 1 nat_gateway'
const V11 = `${V11_HEADER}\n${V11_RECORD}\n`

const readAll = (text: string): Promise<FlowLogRecord[]> => collect(pipe([text], records()))
/** Text as the first bytes of a stored object: the reader knows where the object starts. */
const asObject = (text: string) => pipe([fetched(fakeLogFile(), text)], concatBodies())

describe('the field table', () => {
  test("a record's version is the highest version among its format's fields, for every AWS sample with a version", async () => {
    const dir = join(import.meta.dirname, 'fixtures', 'samples')
    const texts = [V11, ...readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8'))]
    let checked = 0
    for (const text of texts) {
      const fields = text.split('\n')[0]!.trim().split(/\s+/)
      if (!fields.includes('version')) continue
      const highest = Math.max(...fields.map((field) => FIELDS.get(field)!.version))
      for (const record of await readAll(text)) {
        expect(record.version, fields.join(' ')).toBe(highest)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(10)
  })

  test('the version 11 example: numbers as numbers, new fields by their camelCase names, and back to the same text', async () => {
    const [record] = await readAll(V11)
    expect(record).toEqual({
      version: 11,
      srcaddr: '10.0.0.71',
      dstaddr: '52.95.128.179',
      srcport: 34210,
      dstport: 80,
      protocol: 6,
      start: 1616729292,
      end: 1616729349,
      action: 'REJECT',
      logStatus: 'OK',
      rejectReason: 'BPA',
      resourceId: 'nat-0c50d5961bcb2d47b',
      encryptionStatus: 1,
      interfaceType: 'nat_gateway',
    })
    expect(await collectText(pipe([V11], records(), toText()))).toBe(V11)
  })

  test('a tag field with a number in its name is camelCase as a whole: asg-tag-2 is asgTag2', async () => {
    const [record] = await readAll('version asg-tag-2 next-hop-az-id\n11 blue use1-az4\n')
    expect(record).toEqual({ version: 11, asgTag2: 'blue', nextHopAzId: 'use1-az4' })
  })

  test('encryption-status is checked as a number by the digest (its core) and by records() alike', async () => {
    const bad = V11.replace(' 1 nat_gateway', ' yes nat_gateway')
    await expect(collectText(pipe([bad], digest()))).rejects.toThrow(/line 2: encryption-status is not a whole number: "yes"/)
    await expect(readAll(bad)).rejects.toThrow(/line 2: encryption-status is not a whole number: "yes"/)
  })

  test('Parquet: an INT_32 encryption-status is a number in records(), as in text', async () => {
    const parquet = await toParquet(V11)
    const file = fakeLogFile({ format: 'parquet' })
    const fromParquet = await collect(pipe([fetched(file, parquet)], concatBodies(), records()))
    expect(fromParquet).toEqual(await readAll(V11))
    expect(fromParquet[0]!.encryptionStatus).toBe(1)
  })
})

describe('headers', () => {
  test('a custom format of only newer fields is a header, in a stream and in an object', async () => {
    const text = 'resource-id encryption-status\nnat-0c50d5961bcb2d47b 1\nnat-0c50d5961bcb2d47b 2\n'
    expect(await readAll(text)).toEqual([
      { resourceId: 'nat-0c50d5961bcb2d47b', encryptionStatus: 1 },
      { resourceId: 'nat-0c50d5961bcb2d47b', encryptionStatus: 2 },
    ])
    expect(await collect(pipe(asObject(text), records()))).toHaveLength(2)
  })

  test('fields vpcflow does not know are a header on the first line of an object, and carried by name', async () => {
    const text = 'future-field other-future\nalpha 7\n'
    expect(await collect(pipe(asObject(text), records()))).toEqual([{ 'future-field': 'alpha', 'other-future': '7' }])
    // In a stream, where no object starts, words alone are not taken for a header.
    await expect(readAll(text)).rejects.toThrow(/line 1: expected 14 fields/)
  })
})

describe('tag values with blanks', () => {
  const HEADER = 'version srcaddr dstaddr packets bytes instance-tag action'
  const TAGGED = `${HEADER}\n11 10.0.0.1 10.0.0.2 3 300 web  server 1 ACCEPT\n11 10.0.0.1 10.0.0.2 2 200 db ACCEPT\n`

  test('with one tag field the value is read whole, blanks and all, and written back the same', async () => {
    const read = await readAll(TAGGED)
    expect(read.map((record) => [record.instanceTag, record.packets, record.action])).toEqual([
      ['web  server 1', 3, 'ACCEPT'],
      ['db', 2, 'ACCEPT'],
    ])
    expect(await collectText(pipe([TAGGED], records(), toText()))).toBe(TAGGED)
  })

  test('a digest keyed on such a tag says so, naming the line (lenient: skipped and counted); keyed without it, it is read', async () => {
    await expect(collectText(pipe([TAGGED], digest()))).rejects.toThrow(/line 2: instance-tag "web {2}server 1" holds blanks, which a digest line cannot carry/)
    const report = skipReport()
    const lenient = await collectText(pipe([TAGGED], digest({ onError: report.add })))
    expect(report.lines).toBe(1)
    expect(lenient).toBe(`${HEADER}\n11 10.0.0.1 10.0.0.2 2 200 db ACCEPT\n`)
    const keyed = await collectText(pipe([TAGGED], digest({ keyFields: ['srcaddr', 'dstaddr', 'action'] })))
    expect(keyed).toBe('srcaddr dstaddr packets bytes action\n10.0.0.1 10.0.0.2 5 500 ACCEPT\n')
  })

  test('with two tag fields, extra words are a field count error that says why', async () => {
    const text = 'version instance-tag interface-tag action\n11 web server eni-tag ACCEPT\n'
    await expect(readAll(text)).rejects.toThrow(/line 2: expected 4 fields .*found 5: a tag value with blanks\? with several tag fields it cannot be told where/)
  })
})
