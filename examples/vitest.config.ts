import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { packageAliases, sqliteExampleTests } from '../vitest.config.js'

// The SQLite examples' tests: `npm ci --prefix examples` installs better-sqlite3 first.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: { alias: packageAliases },
  test: { include: sqliteExampleTests, testTimeout: 20_000, silent: 'passed-only' },
})
