/** Reading Graphviz's SVG back in tests: its text, its size as drawn, its edges. */

/** Elements and attributes Graphviz's SVG of a plain graph has; anything else was injected. */
const SVG_ELEMENTS = new Set(['svg', 'g', 'title', 'text', 'polygon', 'path', 'ellipse', 'polyline'])
const SVG_ATTRIBUTES = new Set([
  'width', 'height', 'viewBox', 'xmlns', 'xmlns:xlink', 'id', 'class', 'transform', 'fill', 'stroke', 'points', 'd',
  'x', 'y', 'cx', 'cy', 'rx', 'ry', 'text-anchor', 'font-family', 'font-size', 'xml:space', 'stroke-width', 'stroke-dasharray',
  // what colours with an alpha and HTML-like labels (a diff's faded edges and legend) add
  'stroke-opacity', 'fill-opacity', 'font-weight',
])

export const unescapeXml = (text: string): string =>
  text.replace(/&(#x[0-9a-f]+|#[0-9]+|lt|gt|amp|quot|apos);/gi, (_, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }
    if (entity[0] !== '#') return named[entity.toLowerCase()]!
    return String.fromCodePoint(entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10))
  })

/**
 * Checks that an SVG has only Graphviz's own elements and attributes (comments, the XML
 * declaration and the doctype aside), and returns the text of its `<text>` and `<title>` elements.
 */
export function svgTexts(svg: string): string[] {
  const body = svg.replace(/<\?xml[\s\S]*?\?>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->/g, '')
  const texts: string[] = []
  const tag = /<(\/?)([^\s/>]+)([^<>]*)>|([^<>]+)|([<>])/g
  let open: string | undefined
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const [, close, name, attributes, text, stray] = m
    if (stray) throw new Error(`a stray ${stray} in the SVG`)
    if (text !== undefined) {
      if (open === 'text' || open === 'title') texts.push(unescapeXml(text))
      continue
    }
    if (!SVG_ELEMENTS.has(name!)) throw new Error(`an injected element <${name}>`)
    for (const attribute of attributes!.matchAll(/([^\s=]+)="[^"]*"/g)) {
      if (!SVG_ATTRIBUTES.has(attribute[1]!)) throw new Error(`an injected attribute ${attribute[1]} on <${name}>`)
    }
    if (attributes!.replace(/([^\s=]+)="[^"]*"/g, '').replace(/\//, '').trim() !== '') throw new Error(`a malformed tag <${name}${attributes}>`)
    open = close ? undefined : name
  }
  return texts
}

/** What a picture looks like as drawn: its size in points, its smallest text, its edges. */
export interface SvgShape {
  readonly width: number
  readonly height: number
  /** The smallest font size of any text, in points, as drawn (the graph's scale applied). */
  readonly smallestText: number
  /** Each edge: `from->to` (its title) and its colour. */
  readonly edges: ReadonlyArray<{ readonly title: string; readonly color: string }>
  /** The graph's nodes, by their ids (their titles). */
  readonly nodes: readonly string[]
}

export function svgShape(svg: string): SvgShape {
  const size = /<svg width="([\d.]+)pt" height="([\d.]+)pt"/.exec(svg)
  if (!size) throw new Error('no size in the SVG')
  const scale = Number(/class="graph" transform="scale\(([\d.]+)/.exec(svg)?.[1] ?? 1)
  const fonts = [...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1]) * scale)
  const groups = (kind: string) => [...svg.matchAll(new RegExp(`<g id="[^"]*" class="${kind}">\\s*<title>([^<]*)</title>([\\s\\S]*?)</g>`, 'g'))]
  return {
    width: Number(size[1]),
    height: Number(size[2]),
    smallestText: Math.min(...fonts),
    edges: groups('edge').map((m) => ({ title: unescapeXml(m[1]!), color: /stroke="([^"]+)"/.exec(m[2]!)?.[1] ?? '' })),
    nodes: groups('node').map((m) => unescapeXml(m[1]!)),
  }
}
