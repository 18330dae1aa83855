import type { EC2Client } from '@aws-sdk/client-ec2'
import { redact } from '../errors.js'
import { abortSignal } from '../options.js'
import { namesOfInterfaces, type NetworkInterfaceDescription } from './names.js'

export interface Ec2NamesOptions {
  /** The regions to ask, e.g. the map's `regions`. */
  regions: readonly string[]
  /**
   * Makes the EC2 client of a region. Default: `new EC2Client({ region })`, with the standard
   * credential chain and endpoint settings (`AWS_PROFILE`, `AWS_ENDPOINT_URL_EC2`...).
   */
  client?: (region: string) => EC2Client | Promise<EC2Client>
  /** Stops the requests; the promise then rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Names of addresses, fetched live: every network interface of each region, by
 * DescribeNetworkInterfaces a page of up to 1000 at a time, named as `readNames` names
 * the same JSON. Needs `ec2:DescribeNetworkInterfaces`.
 *
 * @example
 * ```ts
 * const names = await ec2Names({ regions: map.regions ?? ['us-east-1'] })
 * nameNodes(map, names)
 * ```
 */
export async function ec2Names(options: Ec2NamesOptions): Promise<Map<string, string>> {
  const { regions, client } = options
  if (!Array.isArray(regions) || regions.some((region) => typeof region !== 'string' || region === '')) {
    throw new TypeError(`regions must be an array of region names, got ${JSON.stringify(regions)}`)
  }
  if (client !== undefined && typeof client !== 'function') throw new TypeError('client must be a function of the region')
  const signal = abortSignal('signal', options.signal)
  const sdk = await import('@aws-sdk/client-ec2')
  const interfaces: NetworkInterfaceDescription[] = []
  for (const region of regions) {
    const ec2 = client ? await client(region) : new sdk.EC2Client({ region })
    try {
      let NextToken: string | undefined
      do {
        const page = await ec2.send(new sdk.DescribeNetworkInterfacesCommand({ MaxResults: 1000, NextToken }), { abortSignal: signal })
        interfaces.push(...(page.NetworkInterfaces ?? []))
        NextToken = page.NextToken
      } while (NextToken)
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      const e = error as { name?: string; message?: string }
      throw new Error(redact(`EC2 DescribeNetworkInterfaces in ${region} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`))
    } finally {
      if (!client) ec2.destroy()
    }
  }
  return namesOfInterfaces(interfaces)
}
