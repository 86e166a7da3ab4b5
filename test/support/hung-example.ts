// examples/express.ts served as a real process, with a listener that never settles: for the test
// that SIGTERM still ends it. Run: node --import tsx test/support/hung-example.ts <port>
import { createApp, serve } from '../../examples/express.js'

const example = createApp({ listenerTimeoutMs: 100 })
example.zego.on('mixStarted', () => new Promise(() => {}))
serve(example, Number(process.argv[2]), 300)
