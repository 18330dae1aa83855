import { describe, expect, test } from 'vitest'
import { byAccount, byFlowLogId, byRegion, byTime, filterLogFiles, type LogFile, type LogFilePredicate } from 'vpcflow'
import { collect } from './support/async.js'
import { asAsync, fakeLogFile } from './support/text.js'

const at = (iso: string): Date => new Date(iso)

/** The keys of the files that pass, in order. */
async function keep(files: LogFile[], ...predicates: LogFilePredicate[]): Promise<string[]> {
  const kept = await collect(filterLogFiles(...predicates)(asAsync(files)))
  return kept.map((file) => file.key)
}

describe('filterLogFiles', () => {
  const a = fakeLogFile({ key: 'a', account: '111111111111', region: 'us-east-1', flowLogId: 'fl-aaa' })
  const b = fakeLogFile({ key: 'b', account: '222222222222', region: 'eu-west-1', flowLogId: 'fl-bbb' })
  const c = fakeLogFile({ key: 'c', account: '111111111111', region: 'eu-west-1', flowLogId: 'fl-ccc' })
  const d = fakeLogFile({ key: 'd', account: '333333333333', region: 'us-east-1', flowLogId: 'fl-aaa' })
  const files = [a, b, c, d]

  test('keeps the files for which every predicate holds, in input order', async () => {
    expect(await keep(files, byAccount('111111111111'))).toEqual(['a', 'c'])
    expect(await keep(files, byRegion('eu-west-1'))).toEqual(['b', 'c'])
    expect(await keep(files, byAccount('111111111111'), byRegion('eu-west-1'))).toEqual(['c'])
    expect(await keep(files, byRegion('us-east-1'), byFlowLogId('fl-aaa'), byAccount('333333333333'))).toEqual(['d'])
    expect(await keep(files, byAccount('222222222222'), byRegion('us-east-1'))).toEqual([])
  })

  test('own predicates go alongside the provided ones', async () => {
    const notD: LogFilePredicate = (file) => file.key !== 'd'
    expect(await keep(files, byFlowLogId('fl-aaa'), notD)).toEqual(['a'])
    expect(await keep(files, () => false)).toEqual([])
  })

  test('with no predicate every file passes', async () => {
    expect(await keep(files)).toEqual(['a', 'b', 'c', 'd'])
  })

  test('yields the same objects it was given', async () => {
    const kept = await collect(filterLogFiles(byAccount('111111111111'))(files))
    expect(kept[0]).toBe(a)
    expect(kept[1]).toBe(c)
  })

  test('accepts a plain iterable as well as an async one', async () => {
    const kept = await collect(filterLogFiles(byRegion('us-east-1'))(files))
    expect(kept.map((file) => file.key)).toEqual(['a', 'd'])
  })

  test('byAccount, byRegion and byFlowLogId take several values', async () => {
    expect(await keep(files, byAccount('222222222222', '333333333333'))).toEqual(['b', 'd'])
    expect(await keep(files, byRegion('us-east-1', 'eu-west-1'))).toEqual(['a', 'b', 'c', 'd'])
    expect(await keep(files, byFlowLogId('fl-bbb', 'fl-ccc', 'fl-zzz'))).toEqual(['b', 'c'])
  })

  test('values are compared exactly', async () => {
    expect(await keep(files, byRegion('us-east'))).toEqual([])
    expect(await keep(files, byRegion('US-EAST-1'))).toEqual([])
    expect(await keep(files, byAccount('11111111111'))).toEqual([])
    expect(await keep(files, byFlowLogId('fl-aa'))).toEqual([])
  })

  test('a predicate that is not a function is a TypeError at the call', () => {
    expect(() => filterLogFiles(undefined as unknown as LogFilePredicate)).toThrow(TypeError)
    expect(() => filterLogFiles(byAccount('111111111111'), 'us-east-1' as unknown as LogFilePredicate)).toThrow(TypeError)
    expect(() => filterLogFiles({} as unknown as LogFilePredicate)).toThrow(TypeError)
  })

  test('no values is a TypeError at the call', () => {
    expect(() => byAccount()).toThrow(TypeError)
    expect(() => byRegion()).toThrow(TypeError)
    expect(() => byFlowLogId()).toThrow(TypeError)
  })
})

describe('byTime', () => {
  const file = (iso: string): LogFile => fakeLogFile({ key: iso, timestamp: at(iso) })
  const files = [
    file('2018-06-20T16:15:00Z'),
    file('2018-06-20T16:20:00Z'),
    file('2018-06-20T16:25:00Z'),
    file('2018-06-20T16:30:00Z'),
    file('2018-06-20T16:35:00Z'),
  ]

  test('is inclusive at both ends', async () => {
    expect(await keep(files, byTime(at('2018-06-20T16:20:00Z'), at('2018-06-20T16:30:00Z')))).toEqual([
      '2018-06-20T16:20:00Z',
      '2018-06-20T16:25:00Z',
      '2018-06-20T16:30:00Z',
    ])
  })

  test('a millisecond past either end excludes the file at that end', async () => {
    expect(await keep(files, byTime(at('2018-06-20T16:20:00.001Z'), at('2018-06-20T16:29:59.999Z')))).toEqual([
      '2018-06-20T16:25:00Z',
    ])
  })

  test('start equal to end keeps exactly the files at that instant', async () => {
    const instant = at('2018-06-20T16:35:00Z')
    expect(await keep(files, byTime(instant, instant))).toEqual(['2018-06-20T16:35:00Z'])
  })

  test('a window between files keeps nothing; a wide window keeps everything', async () => {
    expect(await keep(files, byTime(at('2018-06-20T16:21:00Z'), at('2018-06-20T16:24:00Z')))).toEqual([])
    expect(await keep(files, byTime(at('2000-01-01T00:00:00Z'), at('2100-01-01T00:00:00Z')))).toHaveLength(5)
  })

  test('combines with the other predicates', async () => {
    const mixed = [
      fakeLogFile({ key: 'early-us', region: 'us-east-1', timestamp: at('2018-06-20T16:00:00Z') }),
      fakeLogFile({ key: 'late-us', region: 'us-east-1', timestamp: at('2018-06-20T18:00:00Z') }),
      fakeLogFile({ key: 'late-eu', region: 'eu-west-1', timestamp: at('2018-06-20T18:00:00Z') }),
    ]
    expect(await keep(mixed, byTime(at('2018-06-20T17:00:00Z'), at('2018-06-20T19:00:00Z')), byRegion('us-east-1'))).toEqual([
      'late-us',
    ])
  })

  test('an invalid Date is a TypeError at the call', () => {
    const valid = at('2018-06-20T16:20:00Z')
    expect(() => byTime(new Date('not a date'), valid)).toThrow(TypeError)
    expect(() => byTime(valid, new Date(Number.NaN))).toThrow(TypeError)
    expect(() => byTime('2018-06-20' as unknown as Date, valid)).toThrow(TypeError)
    expect(() => byTime(valid, 1529511600000 as unknown as Date)).toThrow(TypeError)
  })

  test('start after end is a TypeError at the call', () => {
    expect(() => byTime(at('2018-06-20T16:20:00.001Z'), at('2018-06-20T16:20:00Z'))).toThrow(TypeError)
  })
})
