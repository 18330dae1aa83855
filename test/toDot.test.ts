import { describe, expect, test } from 'vitest'
import { pipe } from 'it-pipe'
import { digest, toDot } from 'vpcflow'
import { asAsync, collectText, linesOf, sample, seededRandom, splitAt, splitRandomly } from './support/text.js'

// ---------------------------------------------------------------------------------------------
// A small, strict reader of the DOT subset a graph writer needs: `[strict] digraph [ID] { ... }`
// with node, edge, attribute and `ID = ID` statements; IDs plain, numerals or double-quoted
// strings. In a quoted string `\"` is a quote, `\\` a backslash, `\n` a line break, a backslash
// before a line end joins lines; any other backslash is kept. Anything else (subgraphs, ports,
// HTML strings, `+` concatenation, unbalanced brackets, text after the graph) is an error, so
// output that Graphviz could misread fails the tests.
// ---------------------------------------------------------------------------------------------

type Attributes = Record<string, string>

interface DotGraph {
  strict: boolean
  directed: boolean
  name: string | undefined
  graphAttributes: Attributes
  /** Node id -> its attributes, merged over every statement naming it. */
  nodes: Map<string, Attributes>
  edges: { from: string; to: string; attributes: Attributes }[]
}

type Token = { kind: 'id' | 'string' | 'punct'; value: string }

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let lineStart = true
  while (i < source.length) {
    const c = source[i]!
    if (c === '\n') {
      lineStart = true
      i++
      continue
    }
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '#' && lineStart) {
      while (i < source.length && source[i] !== '\n') i++
      continue
    }
    lineStart = false
    if (source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i++
      continue
    }
    if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2)
      if (end < 0) throw new Error('unterminated comment')
      i = end + 2
      continue
    }
    if (c === '"') {
      let value = ''
      let j = i + 1
      for (;;) {
        if (j >= source.length) throw new Error('unterminated string')
        const d = source[j]!
        if (d === '"') break
        if (d === '\\') {
          const next = source[j + 1]
          if (next === undefined) throw new Error('unterminated string')
          if (next === '"') value += '"'
          else if (next === '\\') value += '\\'
          else if (next === 'n') value += '\n'
          else if (next === '\n') value += ''
          else value += `\\${next}`
          j += 2
          continue
        }
        value += d
        j++
      }
      tokens.push({ kind: 'string', value })
      i = j + 1
      continue
    }
    if (source.startsWith('->', i) || source.startsWith('--', i)) {
      tokens.push({ kind: 'punct', value: source.slice(i, i + 2) })
      i += 2
      continue
    }
    if ('{}[];,='.includes(c)) {
      tokens.push({ kind: 'punct', value: c })
      i++
      continue
    }
    const id = /^(?:[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))/.exec(source.slice(i))
    if (id) {
      tokens.push({ kind: 'id', value: id[0] })
      i += id[0].length
      continue
    }
    throw new Error(`unexpected ${JSON.stringify(c)} at offset ${i}`)
  }
  return tokens
}

function parseDot(source: string): DotGraph {
  const tokens = tokenize(source)
  let p = 0
  const peek = (): Token | undefined => tokens[p]
  const isPunct = (value: string): boolean => peek()?.kind === 'punct' && peek()!.value === value
  const isKeyword = (word: string): boolean => peek()?.kind === 'id' && peek()!.value.toLowerCase() === word
  const expectPunct = (value: string): void => {
    if (!isPunct(value)) throw new Error(`expected ${value}, found ${JSON.stringify(peek())}`)
    p++
  }
  const id = (): string => {
    const token = peek()
    if (!token || token.kind === 'punct') throw new Error(`expected an ID, found ${JSON.stringify(token)}`)
    p++
    return token.value
  }
  const attributeList = (): Attributes => {
    const attributes: Attributes = {}
    while (isPunct('[')) {
      p++
      while (!isPunct(']')) {
        const key = id()
        expectPunct('=')
        const value = id()
        if (Object.hasOwn(attributes, key)) throw new Error(`attribute ${key} given twice`)
        attributes[key] = value
        if (isPunct(',') || isPunct(';')) p++
      }
      p++
    }
    return attributes
  }

  const graph: DotGraph = { strict: false, directed: false, name: undefined, graphAttributes: {}, nodes: new Map(), edges: [] }
  if (isKeyword('strict')) {
    graph.strict = true
    p++
  }
  if (isKeyword('digraph')) graph.directed = true
  else if (!isKeyword('graph')) throw new Error('expected graph or digraph')
  p++
  if (!isPunct('{')) graph.name = id()
  expectPunct('{')
  const edgeOp = graph.directed ? '->' : '--'
  while (!isPunct('}')) {
    if (peek() === undefined) throw new Error('missing }')
    if (isKeyword('subgraph')) throw new Error('subgraphs are not expected')
    if ((isKeyword('graph') || isKeyword('node') || isKeyword('edge')) && tokens[p + 1]?.value === '[') {
      const which = id().toLowerCase()
      const attributes = attributeList()
      if (which === 'graph') Object.assign(graph.graphAttributes, attributes)
    } else {
      const first = id()
      if (isPunct('=')) {
        p++
        graph.graphAttributes[first] = id()
      } else if (isPunct(edgeOp)) {
        const chain = [first]
        while (isPunct(edgeOp)) {
          p++
          chain.push(id())
        }
        const attributes = attributeList()
        for (let k = 1; k < chain.length; k++) graph.edges.push({ from: chain[k - 1]!, to: chain[k]!, attributes })
      } else {
        const attributes = attributeList()
        graph.nodes.set(first, { ...graph.nodes.get(first), ...attributes })
      }
    }
    if (isPunct(';')) p++
  }
  p++
  if (p !== tokens.length) throw new Error('text after the graph')
  return graph
}

/** Edges with their endpoints given by the node labels (so node ids do not matter). */
function edgesOf(graph: DotGraph): { src: string; dst: string; attributes: Attributes }[] {
  return graph.edges.map(({ from, to, attributes }) => {
    const src = graph.nodes.get(from)?.label
    const dst = graph.nodes.get(to)?.label
    if (src === undefined || dst === undefined) throw new Error(`edge ${from} -> ${to} between undeclared or unlabelled nodes`)
    return { src, dst, attributes }
  })
}

/** The node labels, sorted. */
const nodeLabels = (graph: DotGraph): string[] => [...graph.nodes.values()].map((attributes) => attributes.label ?? '').sort()

function draw(chunks: Iterable<Uint8Array | string>, options?: Parameters<typeof toDot>[0]): Promise<string> {
  return collectText(toDot(options)(asAsync(chunks)))
}

async function graphOf(chunks: Iterable<Uint8Array | string>): Promise<DotGraph> {
  return parseDot(await draw(chunks))
}

const text = (lines: readonly string[]): string => lines.map((line) => `${line}\n`).join('')

const V2_FIELDS = ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status']
const V2_HEADER = V2_FIELDS.join(' ')
const LABEL_FIELDS = ['account-id', 'interface-id', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end']
const attributeName = (field: string): string => `vpcflow_${field.replaceAll('-', '_')}`

/** What a drawn record's edge must say: its endpoints, colour, every field as an attribute, the label. */
function expectEdgeOf(edge: { src: string; dst: string; attributes: Attributes }, fields: readonly string[], line: string): void {
  const values = line.trim().split(/\s+/)
  expect(values).toHaveLength(fields.length)
  const record = new Map(fields.map((field, i) => [field, values[i]!]))
  expect(edge.src).toBe(record.get('srcaddr'))
  expect(edge.dst).toBe(record.get('dstaddr'))
  const action = record.get('action')
  if (action === 'ACCEPT') expect(edge.attributes.color).toBe('green')
  if (action === 'REJECT') expect(edge.attributes.color).toBe('red')
  for (const [field, value] of record) {
    if (value !== '-') expect(edge.attributes[attributeName(field)], field).toBe(value)
  }
  // The label shows each of these that is present: times as UTC minutes, tcp (6) by name.
  const label = edge.attributes.label ?? ''
  for (const field of LABEL_FIELDS.filter((f) => record.has(f) && record.get(f) !== '-')) {
    const value = record.get(field)!
    const shown =
      field === 'start' || field === 'end'
        ? new Date(Number(value) * 1000).toISOString().slice(11, 16)
        : field === 'protocol' && value === '6'
          ? 'tcp'
          : value
    expect(label, `${field} in ${JSON.stringify(label)}`).toContain(shown)
  }
}

describe('the DOT reader of these tests', () => {
  test('reads what it should and refuses what it should', () => {
    const graph = parseDot('digraph "g" {\n  "a\\"b" -> "c\\\\" [color=red, label="x\\ny", k="1"];\n  "a\\"b" [label="A"];\n  "c\\\\" [label="C"];\n}\n')
    expect(graph.name).toBe('g')
    expect(graph.edges).toEqual([{ from: 'a"b', to: 'c\\', attributes: { color: 'red', label: 'x\ny', k: '1' } }])
    expect(edgesOf(graph)[0]!.src).toBe('A')
    expect(() => parseDot('digraph { "a" -> "b" [label="x] }')).toThrow()
    expect(() => parseDot('digraph { "a" -> "b" [label="x"]; } }')).toThrow()
    expect(() => parseDot('digraph { "a" -> "b" [label="x" color=red }')).toThrow()
    expect(() => parseDot('digraph { a -> b [label=x y] }')).toThrow()
  })
})

describe('toDot: the original library’s DOT cases', () => {
  test('digested input (3 lines, no header)', async () => {
    const lines = [
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 20 1000 1418530010 1818530070 REJECT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 40 2000 1418530010 1818530070 ACCEPT OK',
      '2 123456789010 eni-abc123de 172.31.16.21 172.31.16.139 80 0 6 40 2000 1418530010 1818530070 ACCEPT OK',
    ]
    const graph = await graphOf([lines.join('\n')])
    expect(graph.directed).toBe(true)
    expect(nodeLabels(graph)).toEqual(['172.31.16.139', '172.31.16.21'])
    const edges = edgesOf(graph)
    expect(edges).toHaveLength(3)
    edges.forEach((edge, i) => expectEdgeOf(edge, V2_FIELDS, lines[i]!))
    expect(edges.map((edge) => [edge.src, edge.dst, edge.attributes.color, edge.attributes.vpcflow_srcport, edge.attributes.vpcflow_dstport, edge.attributes.vpcflow_packets, edge.attributes.vpcflow_bytes])).toEqual([
      ['172.31.16.139', '172.31.16.21', 'red', '0', '80', '20', '1000'],
      ['172.31.16.139', '172.31.16.21', 'green', '0', '80', '40', '2000'],
      ['172.31.16.21', '172.31.16.139', 'green', '80', '0', '40', '2000'],
    ])
  })

  test('raw input (header, five records and a NODATA line)', async () => {
    const lines = [
      V2_HEADER,
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20641 80 6 20 1000 1418530010 1418530070 ACCEPT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20541 80 6 20 1000 1518530010 1518530070 ACCEPT OK',
      '2 123456789010 eni-1a2b3c4d - - - - - - - 1431280876 1431280934 - NODATA',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20441 80 6 20 1000 1618530010 1618530070 ACCEPT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20341 80 6 20 1000 1718530010 1718530070 REJECT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20241 80 6 20 1000 1818530010 1818530070 ACCEPT OK',
    ]
    const graph = await graphOf([lines.join('\n')])
    expect(nodeLabels(graph)).toEqual(['172.31.16.139', '172.31.16.21'])
    const edges = edgesOf(graph)
    expect(edges).toHaveLength(5)
    const records = lines.filter((line) => line.endsWith(' OK'))
    edges.forEach((edge, i) => expectEdgeOf(edge, V2_FIELDS, records[i]!))
    expect(edges.every((edge) => edge.src === '172.31.16.139' && edge.dst === '172.31.16.21')).toBe(true)
    expect(edges.map((edge) => edge.attributes.vpcflow_srcport)).toEqual(['20641', '20541', '20441', '20341', '20241'])
    expect(edges.map((edge) => edge.attributes.color)).toEqual(['green', 'green', 'green', 'red', 'green'])
    expect(edges.map((edge) => [edge.attributes.vpcflow_start, edge.attributes.vpcflow_end])).toEqual([
      ['1418530010', '1418530070'],
      ['1518530010', '1518530070'],
      ['1618530010', '1618530070'],
      ['1718530010', '1718530070'],
      ['1818530010', '1818530070'],
    ])
  })

  test('empty input gives an empty digraph', async () => {
    const graph = await graphOf([])
    expect(graph.directed).toBe(true)
    expect(graph.nodes.size).toBe(0)
    expect(graph.edges).toHaveLength(0)
    expect(parseDot(await draw(['']))).toEqual(graph)
  })
})

describe('toDot: what is drawn', () => {
  test('only OK records become edges; a header, NODATA and SKIPDATA draw nothing', async () => {
    const graph = await graphOf([
      text([
        V2_HEADER,
        '2 123456789010 eni-1a2b3c4d - - - - - - - 1431280876 1431280934 - NODATA',
        '2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA',
      ]),
    ])
    expect(graph.nodes.size).toBe(0)
    expect(graph.edges).toHaveLength(0)
  })

  test('default-v2.log: one edge per OK record, one node per address', async () => {
    const lines = linesOf(sample('default-v2.log'))
    const graph = await graphOf([sample('default-v2.log')])
    const ok = lines.slice(1).filter((line) => line.endsWith(' OK'))
    expect(ok).toHaveLength(5)
    const edges = edgesOf(graph)
    expect(edges).toHaveLength(5)
    edges.forEach((edge, i) => expectEdgeOf(edge, V2_FIELDS, ok[i]!))
    expect(edges.map((edge) => edge.attributes.color)).toEqual(['green', 'red', 'green', 'red', 'green'])
    expect(nodeLabels(graph)).toEqual(
      [
        '172.31.16.139',
        '172.31.16.21',
        '172.31.9.69',
        '172.31.9.12',
        '203.0.113.12',
        '2001:db8:1234:a100:8d6e:3477:df66:f105',
        '2001:db8:1234:a102:3304:8879:34cf:4071',
      ].sort(),
    )
  })

  test('custom formats: every present field is an attribute named vpcflow_ + field with _ for -', async () => {
    for (const name of ['custom-v3-tcp-flags.log', 'custom-v3-transit-gateway.log', 'custom-v5-service-path.log']) {
      const [header, ...records] = linesOf(sample(name))
      const fields = header!.split(' ')
      const edges = edgesOf(await graphOf([sample(name)]))
      expect(edges, name).toHaveLength(records.length)
      edges.forEach((edge, i) => expectEdgeOf(edge, fields, records[i]!))
    }
    const v5 = edgesOf(await graphOf([sample('custom-v5-service-path.log')]))
    expect(v5[0]!.attributes).toMatchObject({
      vpcflow_pkt_src_aws_service: 'S3',
      vpcflow_tcp_flags: '19',
      vpcflow_flow_direction: 'ingress',
      vpcflow_az_id: 'apse2-az3',
      vpcflow_log_status: 'OK',
    })
  })

  test('all samples in one stream: each file read in its own format', async () => {
    const names = ['default-v2.log', 'custom-v3-tcp-flags.log', 'custom-v3-transit-gateway.log', 'custom-v5-service-path.log']
    const graph = await graphOf(names.map(sample))
    const edges = edgesOf(graph)
    expect(edges).toHaveLength(5 + 8 + 4 + 2)
    expect(edges.filter((edge) => edge.attributes.color === 'red')).toHaveLength(2)
    expect(edges.filter((edge) => edge.attributes.color === 'green')).toHaveLength(17)
    // The NAT sample (no version, no log-status) still reads as DOT.
    parseDot(await draw([sample('custom-nat-no-version.log')]))
  })

  test('node ids never collide: 1.11.1.1 vs 11.1.1.1, IPv6 addresses', async () => {
    const record = (src: string, dst: string): string => `2 123456789010 eni-abc123de ${src} ${dst} 40000 443 6 1 10 100 200 ACCEPT OK`
    const addresses = ['1.11.1.1', '11.1.1.1', '1.1.11.1', '111.1.1.1', '2001:db8::1', '2001:db8::1:0', '2001:db8:0:1::', '::1', '::']
    const lines = addresses.map((src, i) => record(src, addresses[(i + 1) % addresses.length]!))
    const graph = await graphOf([text(lines)])
    expect(graph.nodes.size).toBe(addresses.length)
    expect(nodeLabels(graph)).toEqual([...addresses].sort())
    const edges = edgesOf(graph)
    expect(edges.map((edge) => [edge.src, edge.dst])).toEqual(addresses.map((src, i) => [src, addresses[(i + 1) % addresses.length]]))
  })

  test('a digest draws with its sums', async () => {
    const readme = [
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20641 80 6 20 1000 1418530010 1418530070 ACCEPT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20541 80 6 20 1000 1518530010 1518530070 ACCEPT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20441 80 6 20 1000 1618530010 1618530070 ACCEPT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20341 80 6 20 1000 1718530010 1718530070 REJECT OK',
      '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 20241 80 6 20 1000 1818530010 1818530070 ACCEPT OK',
    ]
    const dot = await collectText(pipe(asAsync([text(readme)]), digest(), toDot()))
    const edges = edgesOf(parseDot(dot))
    expect(edges).toHaveLength(2)
    const byColor = new Map(edges.map((edge) => [edge.attributes.color, edge]))
    expectEdgeOf(byColor.get('green')!, V2_FIELDS, '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 80 4000 1418530010 1818530070 ACCEPT OK')
    expectEdgeOf(byColor.get('red')!, V2_FIELDS, '2 123456789010 eni-abc123de 172.31.16.139 172.31.16.21 0 80 6 20 1000 1418530010 1818530070 REJECT OK')
  })

  test('a digest whose sums passed 2^53 draws with the exact sums', async () => {
    const line = '2 111111111111 eni-a 10.0.0.1 10.0.0.2 40000 443 6 999999999999999 999999999999999 100 200 ACCEPT OK\n'
    const dot = await collectText(pipe(asAsync([line.repeat(20)]), digest(), toDot()))
    const [edge] = edgesOf(parseDot(dot))
    expect(edge?.attributes.vpcflow_bytes).toBe('19999999999999980')
    expect(edge?.attributes.vpcflow_packets).toBe('19999999999999980')
  })
})

describe('toDot: escaping', () => {
  const nasty = [
    '"',
    '\\',
    '\\"',
    'a"];}digraph{"x',
    'end\\',
    '->',
    '<b>html</b>',
    '//x',
    '/*x*/',
    '#x',
    'a;b,c=d[e]{f}',
    '\\n',
    'ünï©ødé',
    '🙂',
    "'",
    '\u0007bell',
  ]

  test('no value can break DOT syntax, and every value reads back exactly', async () => {
    for (const value of nasty) {
      const line = `2 ${value}acct eni-${value} 10.0.0.1${value} ${value}10.0.0.2 40000 443 6 1 10 100 200 ACCEPT OK`
      const graph = await graphOf([line])
      const edges = edgesOf(graph)
      expect(edges, value).toHaveLength(1)
      expect(edges[0]).toMatchObject({ src: `10.0.0.1${value}`, dst: `${value}10.0.0.2` })
      expect(edges[0]!.attributes).toMatchObject({
        vpcflow_account_id: `${value}acct`,
        vpcflow_interface_id: `eni-${value}`,
        vpcflow_srcaddr: `10.0.0.1${value}`,
        vpcflow_dstaddr: `${value}10.0.0.2`,
        color: 'green',
      })
      const label = edges[0]!.attributes.label!.split('\n')
      expect(label[0]).toBe(`${value}acct eni-${value}`)
    }
  })

  test('all the nasty values at once, in a custom format', async () => {
    const header = 'srcaddr dstaddr action ecs-cluster-name ecs-task-arn log-status'
    const lines = nasty.map((value, i) => `10.0.0.${i} ${value} ACCEPT ${value} arn:aws:ecs:${value} OK`)
    const edges = edgesOf(await graphOf([text([header, ...lines])]))
    expect(edges).toHaveLength(nasty.length)
    edges.forEach((edge, i) => {
      expect(edge.dst).toBe(nasty[i])
      expect(edge.attributes.vpcflow_ecs_cluster_name).toBe(nasty[i])
      expect(edge.attributes.vpcflow_ecs_task_arn).toBe(`arn:aws:ecs:${nasty[i]}`)
    })
  })

  test('the graph name is escaped too', async () => {
    for (const name of ['my graph', 'a"b', 'x\\', 'two\nlines', '} digraph {']) {
      const graph = parseDot(await draw([], { name }))
      expect(graph.name).toBe(name)
    }
  })
})

describe('toDot: deterministic', () => {
  const input = sample('default-v2.log') + sample('custom-v3-tcp-flags.log') + sample('custom-v5-service-path.log')

  test('the same input gives the same bytes, however it is chunked', async () => {
    const whole = await draw([input])
    expect(await draw([input])).toBe(whole)
    const random = seededRandom(9)
    for (let round = 0; round < 40; round++) {
      expect(await draw(splitRandomly(input, random, 1 + Math.floor(random() * 30)))).toBe(whole)
    }
    expect(await draw(splitAt(input.replaceAll('\n', '\r\n'), [1, 2, 3, 500]))).toBe(whole)
  })
})
