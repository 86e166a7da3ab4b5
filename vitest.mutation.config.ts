import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

/**
 * The tests `npm run mutation` runs against each mutant of the security core (stryker.config.mjs):
 * every test of `npm test` that runs the core in this process, with the property tests on a fixed
 * seed (test/support/fixed-seed.ts) so that a run's score does not depend on the draw.
 *
 * Left out, though they go through the core too:
 * - the shared adapter table's real Bun, Deno, workerd and Next.js server processes (filtered out by
 *   name below; the table's Node frameworks run), runtime-examples.test.ts, workers-deadlines.test.ts
 *   and cli.test.ts: child processes, whose code is not the sandbox's instrumented code;
 * - hardening.test.ts and hostile.property.test.ts: floods of slow uploads and stalled bodies over
 *   real HTTP, seconds for every mutant they cover (the core's own tests hold their concrete inputs);
 * - redis-*.test.ts and the examples: a real redis-server, and the Redis stores are not in the core;
 * - the live list, the README and the architecture test: not the core.
 */
const coreTests = [
  'test/signature.test.ts',
  'test/envelope.test.ts',
  'test/verify.test.ts',
  'test/json.test.ts',
  'test/json.property.test.ts',
  'test/body.test.ts',
  'test/decode.test.ts',
  'test/read-body.test.ts',
  'test/read-web-body.test.ts',
  'test/options.test.ts',
  'test/mistakes.test.ts',
  'test/keys.test.ts',
  'test/delivery.test.ts',
  'test/delivery-regressions.test.ts',
  'test/delivery-store.contract.test.ts',
  'test/receiver.test.ts',
  'test/products.test.ts',
  'test/zim-answers.test.ts',
  'test/events.test.ts',
  'test/events.property.test.ts',
  'test/adapters.test.ts',
  'test/mounting.test.ts',
  'test/node.test.ts',
  'test/fetch.test.ts',
  'test/fastify.test.ts',
  'test/observe.test.ts',
  'test/testing.test.ts',
]

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: coreTests,
    setupFiles: ['test/support/fixed-seed.ts'],
    testNamePattern: /^(?!.*a real server process)/,
  },
})
