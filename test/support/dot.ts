/**
 * A small reader of the DOT that toDot writes: node statements `ID [attributes];` and
 * edge statements `ID -> ID [attributes];` inside `digraph ID { ... }`, with the
 * `node [...]` and `edge [...]` defaults. IDs are plain words, numerals or quoted strings;
 * in a quoted string `\"` is a quote, `\\` a backslash and `\n` a line break (the escape
 * toDot writes for one); any other backslash stays as it is. Anything else is an error.
 */

export type DotAttributes = Record<string, string>

export interface DotEdge {
  readonly from: string
  readonly to: string
  readonly attributes: DotAttributes
}

export interface Dot {
  readonly name: string | undefined
  readonly nodes: ReadonlyMap<string, DotAttributes>
  readonly edges: readonly DotEdge[]
}

type Token = { readonly kind: 'id' | 'punct'; readonly value: string }

function tokens(source: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < source.length) {
    const c = source[i]!
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++
    } else if (c === '"') {
      let value = ''
      for (i++; ; i++) {
        if (i >= source.length) throw new Error('unterminated string')
        const d = source[i]!
        if (d === '"') break
        if (d === '\\') {
          const next = source[++i]
          if (next === undefined) throw new Error('unterminated string')
          value += next === '"' ? '"' : next === '\\' ? '\\' : next === 'n' ? '\n' : `\\${next}`
        } else {
          value += d
        }
      }
      i++
      out.push({ kind: 'id', value })
    } else if (source.startsWith('->', i)) {
      out.push({ kind: 'punct', value: '->' })
      i += 2
    } else if ('{}[];,='.includes(c)) {
      out.push({ kind: 'punct', value: c })
      i++
    } else {
      const word = /^[A-Za-z_0-9.-]+/.exec(source.slice(i))
      if (!word) throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`)
      out.push({ kind: 'id', value: word[0] })
      i += word[0].length
    }
  }
  return out
}

/** Reads a digraph as toDot writes it; throws on anything it does not expect. */
export function readDot(source: string): Dot {
  const list = tokens(source)
  let p = 0
  const peek = (): Token | undefined => list[p]
  const punct = (value: string): boolean => peek()?.kind === 'punct' && peek()!.value === value
  const expectPunct = (value: string): void => {
    if (!punct(value)) throw new Error(`expected ${value}, found ${JSON.stringify(peek())}`)
    p++
  }
  const id = (): string => {
    const token = peek()
    if (token?.kind !== 'id') throw new Error(`expected an ID, found ${JSON.stringify(token)}`)
    p++
    return token.value
  }
  const attributes = (): DotAttributes => {
    const read: DotAttributes = {}
    if (!punct('[')) return read
    p++
    while (!punct(']')) {
      const key = id()
      expectPunct('=')
      if (Object.hasOwn(read, key)) throw new Error(`attribute ${key} given twice`)
      read[key] = id()
      if (punct(',')) p++
    }
    p++
    return read
  }

  if (id() !== 'digraph') throw new Error('expected digraph')
  const name = punct('{') ? undefined : id()
  expectPunct('{')
  const nodes = new Map<string, DotAttributes>()
  const edges: DotEdge[] = []
  while (!punct('}')) {
    if (peek() === undefined) throw new Error('missing }')
    const first = id()
    if (punct('->')) {
      p++
      const to = id()
      edges.push({ from: first, to, attributes: attributes() })
    } else if (first === 'node' || first === 'edge') {
      attributes()
    } else {
      nodes.set(first, { ...nodes.get(first), ...attributes() })
    }
    expectPunct(';')
  }
  p++
  if (p !== list.length) throw new Error('text after the graph')
  return { name, nodes, edges }
}
