/**
 * A small EC2 endpoint on 127.0.0.1 for the SDK's real client: it speaks the EC2 query
 * protocol (form-encoded POST, `Action=DescribeNetworkInterfaces`) and answers with XML as
 * EC2 does (`DescribeNetworkInterfacesResponse`, `networkInterfaceSet` of `item`s,
 * `nextToken`), a few interfaces a page, so that paging is exercised.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Ec2Server {
  readonly endpoint: string
  /** Each request: its action, the region its signature is for, and its NextToken. */
  readonly requests: Array<{ action: string; region: string; nextToken?: string }>
  /** Answer every request with this EC2 error instead (`AuthFailure`...), or undefined to answer. */
  fail: { status: number; code: string; message: string } | undefined
  close(): Promise<void>
}

/** The XML element names EC2 gives lists whose SDK name differs from the element's. */
const LIST_ELEMENTS: Record<string, string> = { PrivateIpAddresses: 'privateIpAddressesSet', Ipv6Addresses: 'ipv6AddressesSet' }

const escape = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
const elementName = (key: string): string => LIST_ELEMENTS[key] ?? key[0]!.toLowerCase() + key.slice(1)

/** An SDK-shaped value (`{ TagSet: [{ Key, Value }] }`) as EC2's XML (`<tagSet><item><key>..`). */
function xml(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => `<item>${xml(item)}</item>`).join('')
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([key, inner]) => `<${elementName(key)}>${xml(inner)}</${elementName(key)}>`)
      .join('')
  }
  return escape(String(value))
}

/**
 * Starts the endpoint with these interfaces (as `describe-network-interfaces` prints them),
 * `pageSize` to a page (or MaxResults, if smaller).
 */
export async function startEc2Server(interfacesOf: (region: string) => unknown[], pageSize = 3): Promise<Ec2Server> {
  const requests: Ec2Server['requests'] = []
  const state: Ec2Server = { endpoint: '', requests, fail: undefined, close: () => Promise.resolve() }
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      const region = /Credential=[^/]+\/\d{8}\/([^/]+)\/ec2\//.exec(request.headers.authorization ?? '')?.[1] ?? ''
      const action = form.get('Action') ?? ''
      const nextToken = form.get('NextToken') ?? undefined
      requests.push({ action, region, ...(nextToken !== undefined && { nextToken }) })
      const reply = (status: number, body: string): void => {
        response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' })
        response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`)
      }
      const error = (status: number, code: string, message: string): void =>
        reply(status, `<Response><Errors><Error><Code>${code}</Code><Message>${escape(message)}</Message></Error></Errors><RequestID>test-request</RequestID></Response>`)
      if (request.method !== 'POST' || !String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return error(400, 'InvalidRequest', 'not a query request')
      if (state.fail) return error(state.fail.status, state.fail.code, state.fail.message)
      if (action !== 'DescribeNetworkInterfaces') return error(400, 'InvalidAction', `The action ${action} is not valid for this web service.`)
      const all = interfacesOf(region)
      const start = nextToken === undefined ? 0 : Number(Buffer.from(nextToken, 'base64url').toString())
      const size = Math.min(pageSize, Number(form.get('MaxResults') ?? Infinity))
      const page = all.slice(start, start + size)
      const next = start + size < all.length ? `<nextToken>${Buffer.from(String(start + size)).toString('base64url')}</nextToken>` : ''
      reply(
        200,
        `<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>test-request</requestId><networkInterfaceSet>${xml(page)}</networkInterfaceSet>${next}</DescribeNetworkInterfacesResponse>`,
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections() // the SDK keeps its sockets open
      }),
  })
}
