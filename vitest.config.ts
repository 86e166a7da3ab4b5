import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    // Examples import the package by name, as a user would; tests run them against the source.
    alias: [
      { find: /^zego-callbacks\/express$/, replacement: here('./adapters/express.ts') },
      { find: /^zego-callbacks\/koa$/, replacement: here('./adapters/koa.ts') },
      { find: /^zego-callbacks\/testing$/, replacement: here('./src/testing/index.ts') },
      { find: /^zego-callbacks\/redis$/, replacement: here('./src/redis/index.ts') },
      { find: /^zego-callbacks$/, replacement: here('./src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
    testTimeout: 20_000,
  },
})
