import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // the built package, as users import it (test/support/build.ts builds it first)
    alias: { vpcflow: fileURLToPath(new URL('./dist/index.js', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    pool: 'forks',
    // s3rver encrypts continuation tokens with DES, which Node 20 only offers through the legacy provider.
    execArgv: ['--openssl-legacy-provider', '--no-deprecation'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
