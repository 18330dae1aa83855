/**
 * IP addresses as the map sees them: private or public, and the block of a prefix length
 * they fall in. IPv4 and IPv6, read as flow logs write them.
 */

/** An address's bytes: 4 for IPv4, 16 for IPv6; undefined for text that is neither. */
export function addressBytes(text: string): Uint8Array | undefined {
  return text.includes(':') ? ipv6Bytes(text) : ipv4Bytes(text)
}

function ipv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const bytes = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined
    bytes[i] = Number(part)
  }
  return bytes
}

function ipv6Bytes(text: string): Uint8Array | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (half: string): number[] | undefined => {
    if (half === '') return []
    const out: number[] = []
    const parts = half.split(':')
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = ipv4Bytes(part) // an IPv4 tail: ::ffff:10.0.0.1
        if (!v4) return undefined
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
        out.push(parseInt(part, 16))
      } else {
        return undefined
      }
    }
    return out
  }
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  if (!head || !tail) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail]
  const bytes = new Uint8Array(16)
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8
    bytes[2 * i + 1] = group & 0xff
  })
  return bytes
}

/**
 * Whether an address is private: RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598 shared
 * address space (100.64/10), link-local (169.254/16, fe80::/10) or an IPv6 unique local
 * address (fc00::/7). Text that is no address counts as private: it is nobody's internet.
 */
export function isPrivate(bytes: Uint8Array | undefined): boolean {
  if (!bytes) return true
  const [a = 0, b = 0] = bytes
  if (bytes.length === 4) {
    return a === 10 || (a === 172 && (b & 0xf0) === 16) || (a === 192 && b === 168) || (a === 100 && (b & 0xc0) === 64) || (a === 169 && b === 254)
  }
  return (a & 0xfe) === 0xfc || (a === 0xfe && (b & 0xc0) === 0x80)
}

/** The longest prefix length of an address of this size: 32 or 128. */
const maxPrefix = (bytes: Uint8Array): number => bytes.length * 8

/**
 * The block of `bits` leading bits an address is in, as CIDR text: `10.0.1.0/24`,
 * `2001:db8::/64`. A prefix longer than the address (`/48` of an IPv4 address) is the address's
 * full length.
 */
export function blockOf(bytes: Uint8Array, bits: number): string {
  const length = Math.min(bits, maxPrefix(bytes))
  const masked = bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, length - 8 * i))
    return byte & ((0xff << (8 - keep)) & 0xff)
  })
  return `${addressText(masked)}/${length}`
}

/** Addresses as text: dotted IPv4, IPv6 in its shortest form (RFC 5952). */
function addressText(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.')
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16))
  // the longest run of two or more zero groups becomes ::
  let best = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLength) [best, bestLength] = [i, j - i]
    i = j === i ? i + 1 : j
  }
  if (best < 0) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`
}
