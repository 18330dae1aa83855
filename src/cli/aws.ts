/**
 * AWS SDK clients for the command: the standard credential chain, a region when none is
 * configured, a profile that must give credentials, and the SDK's warnings in one line.
 */
import { line } from './errors.js'
import type { CommonOptions } from './options.js'

/** What `awsClient` needs of an SDK client. */
interface SdkClient {
  readonly config: { region(): Promise<string>; credentials(): Promise<unknown> }
  destroy(): void
}

/**
 * An AWS SDK client made by `make` from the standard credential chain; us-east-1 when no
 * region is configured (S3's redirects find the bucket's). A profile, given or in
 * AWS_PROFILE, must give credentials: if not, the error names it before any request. The
 * SDK's warnings come through `warn`.
 */
export async function awsClient<C extends SdkClient>(
  make: (config: { profile?: string; region?: string; logger: ReturnType<typeof sdkLogger> }) => C,
  options: CommonOptions,
  warn: (text: string) => void,
): Promise<C> {
  const config = { profile: options.profile, logger: sdkLogger(warn) }
  let client = make(config)
  const region = await client.config.region().catch(() => undefined)
  if (!region) {
    client.destroy()
    client = make({ ...config, region: 'us-east-1' })
  }
  const profile = options.profile ?? process.env.AWS_PROFILE
  if (profile !== undefined) {
    await client.config.credentials().catch((error: unknown) => {
      client.destroy()
      const message = error instanceof Error ? error.message : String(error)
      const reason = /from any providers/.test(message) ? 'not in the AWS config or credentials file, or it gives no credentials' : message
      throw new Error(`profile ${profile}: ${reason}`, { cause: error })
    })
  }
  return client
}

/**
 * The SDK's logger: requests are not logged; a warning is one line (the one about a profile
 * and keys both in the environment is said in a few words).
 */
function sdkLogger(warn: (text: string) => void) {
  const quiet = (): void => {}
  return {
    trace: quiet,
    debug: quiet,
    info: quiet,
    error: quiet,
    warn(message: unknown): void {
      const text = String(message)
      warn(
        /Multiple credential sources/.test(text)
          ? 'vpcflow: both AWS_PROFILE and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set: the profile is used'
          : `vpcflow: ${line(text)}`,
      )
    },
  }
}
