// Mutation testing of the security core: `npm run mutation` (README, "Developing").
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    // Signature, envelope and freshness: every non-equivalent mutant must be killed.
    'src/signature.ts',
    'src/envelope.ts',
    'src/verify.ts',
    // Parsing and body reading.
    'src/raw.ts',
    'src/json.ts',
    'src/body.ts',
    'src/decode.ts',
    'src/read-body.ts',
    'src/read-web-body.ts',
    // The secrets and the AppID allow-list come from the options.
    'src/options.ts',
    // Delivery keys and stores.
    'src/delivery/keys.ts',
    'src/delivery/store.ts',
    'src/delivery/key-value.ts',
  ],
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  ignorePatterns: ['dist', 'coverage', '.next', '.wrangler', 'examples/node_modules'],
  concurrency: 2,
  // A mutant is a timeout (killed) only past 10 s more than its tests took: on a loaded 2-core machine
  // the default 5 s turned slow runs of surviving mutants into timeouts.
  timeoutMS: 10_000,
  // scripts/mutation-score.ts judges the score, with the equivalent mutants of stryker.equivalent.json left out.
  thresholds: { high: 95, low: 90, break: null },
}
