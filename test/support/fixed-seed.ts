// `npm run mutation` only (vitest.mutation.config.ts): every property test draws the same inputs on
// every run, so a mutant is killed or survives the same way each time and the score does not move
// between runs. `npm test` keeps drawing a new seed each run.
import fc from 'fast-check'

fc.configureGlobal({ seed: 20261130 })
