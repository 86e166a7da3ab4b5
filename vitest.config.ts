import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

/** Examples import the package by name, as a user would; tests run them against the source. */
export const packageAliases = [
  { find: /^zego-callbacks\/express$/, replacement: here('./adapters/express.ts') },
  { find: /^zego-callbacks\/koa$/, replacement: here('./adapters/koa.ts') },
  { find: /^zego-callbacks\/fetch$/, replacement: here('./adapters/fetch.ts') },
  { find: /^zego-callbacks\/node$/, replacement: here('./adapters/node.ts') },
  { find: /^zego-callbacks\/fastify$/, replacement: here('./adapters/fastify.ts') },
  { find: /^zego-callbacks\/testing$/, replacement: here('./src/testing/index.ts') },
  { find: /^zego-callbacks\/redis$/, replacement: here('./src/redis/index.ts') },
  { find: /^zego-callbacks$/, replacement: here('./src/index.ts') },
]

/** The tests of the SQLite examples, which need their own install (`npm run test:examples`). */
export const sqliteExampleTests = ['examples/live-list/server.test.ts', 'examples/live-list/sqlite-store.test.ts', 'examples/shared-store/**/*.test.ts']

export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...sqliteExampleTests],
    // The type tests (test/*.test-d.ts) are checked by `tsc --noEmit`, which `npm test` runs first:
    // vitest's own pass over them only repeated it (and printed an "experimental feature" warning).
    testTimeout: 20_000,
    // The package logs every refusal to the console, and tests refuse on purpose: show a test's
    // console output only when it fails.
    silent: 'passed-only',
  },
})
