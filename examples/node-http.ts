// A plain node:http server receiving ZEGO callbacks, no framework: copy it into your app.
// Run: ZEGO_CALLBACK_SECRET=... PORT=3000 npx tsx examples/node-http.ts
import { createServer } from 'node:http'
import { pathToFileURL } from 'node:url'
import type { StreamCreatedEvent, ZegoCallbacksOptions } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/node'

/** Builds the server; `options` default to ZEGO_CALLBACK_SECRET from the environment. */
export function createApp(options: ZegoCallbacksOptions = {}) {
  const streams = new Map<string, StreamCreatedEvent>() // a stand-in for your database

  const zego = zegoCallbacks(options)
    .on('streamCreated', async (event) => {
      // Callbacks arrive out of order: keep the newest per stream by stream_seq.
      const known = streams.get(event.streamId)
      if (known === undefined || event.streamSeq >= known.streamSeq) streams.set(event.streamId, event)
    })
    .on('rejected', ({ status, reason, message }) => console.warn(`rejected ${status} ${reason}: ${message}`))

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/streams') {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify([...streams.values()].map(({ raw: _raw, ...event }) => event)))
      return
    }
    zego(req, res) // answers POST /zego/callback, 404 for anything else
  })
  return { server, zego }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env['PORT'] ?? 3000)
  const { server, zego } = createApp()
  server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/zego/callback`))
  // On shutdown: answer new callbacks 503 (ZEGO retries them), finish those in flight, then stop.
  process.once('SIGTERM', async () => {
    await zego.close()
    server.close()
  })
}
