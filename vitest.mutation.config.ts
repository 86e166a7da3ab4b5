import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

/**
 * The tests `npm run mutation` runs against each mutant of the security core (stryker.config.mjs):
 * the core modules' own tests and the receiver's, with the property tests on a fixed seed
 * (test/support/fixed-seed.ts) so that a run's score does not depend on the draw.
 *
 * Left out, though they go through the core too:
 * - adapters.test.ts, the shared table of cases through every framework over real HTTP: it reaches
 *   every core line, so each mutant would run its 500 requests; the modules' own tests hold the
 *   concrete inputs, and mounting, node, fetch and fastify tests run each adapter;
 * - runtime-examples.test.ts, workers-deadlines.test.ts and cli.test.ts: child processes, whose code
 *   is not the sandbox's instrumented code;
 * - hardening.test.ts and hostile.property.test.ts: floods of slow uploads and stalled bodies over
 *   real HTTP, seconds for every mutant they cover (the core's own tests hold their concrete inputs);
 * - redis-*.test.ts and the examples: a real redis-server, and the Redis stores are not in the core;
 * - delivery-regressions.test.ts: the deliverer's scheduling (not mutated) on real timers, which a
 *   loaded machine can push past their margins, and a failing first run stops Stryker;
 * - the events' schemas and compiled checks, the test kit, logging and tracing, the live list, the
 *   README and the architecture test: not the core.
 */
const coreTests = [
  'test/signature.test.ts',
  'test/envelope.test.ts',
  'test/verify.test.ts',
  'test/json.test.ts',
  'test/json.property.test.ts',
  'test/raw.test.ts',
  'test/body.test.ts',
  'test/decode.test.ts',
  'test/read-body.test.ts',
  'test/read-web-body.test.ts',
  'test/options.test.ts',
  'test/mistakes.test.ts',
  'test/keys.test.ts',
  'test/keys.property.test.ts',
  'test/delivery.test.ts',
  'test/delivery-store.contract.test.ts',
  'test/memory-store.test.ts',
  'test/key-value-store.test.ts',
  'test/receiver.test.ts',
  'test/products.test.ts',
  'test/zim-answers.test.ts',
  'test/mounting.test.ts',
  'test/node.test.ts',
  'test/fetch.test.ts',
  'test/fastify.test.ts',
]

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: coreTests,
    setupFiles: ['test/support/fixed-seed.ts'],
    // A mutant that leaves a request unanswered fails its test here rather than at Stryker's
    // timeout, which restarts the test runner (seconds of imports each time). No core test takes 1 s.
    testTimeout: 8_000,
  },
})
