// Serves the shared table's harness with Deno: prints the URL it listens on.
import { harness } from './harness.js'

Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`) }, harness)
