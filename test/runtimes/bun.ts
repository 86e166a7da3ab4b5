// Serves the shared table's harness with Bun: `bun test/runtimes/bun.ts` prints the URL it listens on.
import { harness } from './harness.js'

const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: harness })
console.log(`listening on ${server.url.origin}`)
