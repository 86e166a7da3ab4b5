import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

/**
 * The tests `npm run mutation` runs against each mutant of the security core (stryker.config.mjs):
 * each core module's own tests, and the receiver's, which run the modules in order. The aliases are
 * `npm test`'s, resolved in Stryker's sandbox copy.
 *
 * Left out, though they go through the core too:
 * - adapters.test.ts, runtime-examples.test.ts, workers-deadlines.test.ts: their shared table runs in
 *   real Bun, Deno, workerd and Next.js server processes, minutes to start, whose code is not the
 *   sandbox's instrumented code (Stryker cannot tell which mutant a child process ran);
 * - cli.test.ts, hardening.test.ts: child processes too, and hardening spends 20 s on floods of slow
 *   uploads over real HTTP for every mutant it covers;
 * - redis-*.test.ts, examples/ioredis, examples/queue: a real redis-server, and the Redis stores are
 *   not in the core;
 * - *.property.test.ts: random inputs (fast-check draws a new seed each run), so a mutant one seed
 *   kills and the next does not would move the score between runs; the core's tests hold the
 *   concrete inputs;
 * - the framework adapters' own tests (fastify, fetch, node, mounting, mistakes), the events'
 *   schemas, answers, logging, tracing and the test kit (events, zim-answers, observe, testing),
 *   the deliverer's scheduling (delivery-regressions), the live list and the examples: not the core,
 *   and each mutant would run them for nothing.
 */
const coreTests = [
  'test/signature.test.ts',
  'test/envelope.test.ts',
  'test/verify.test.ts',
  'test/json.test.ts',
  'test/body.test.ts',
  'test/decode.test.ts',
  'test/read-body.test.ts',
  'test/read-web-body.test.ts',
  'test/options.test.ts',
  'test/delivery.test.ts',
  'test/delivery-store.contract.test.ts',
  'test/receiver.test.ts',
  'test/products.test.ts',
]

export default defineConfig({ ...base, test: { ...base.test, include: coreTests } })
