// A Fastify 5 server receiving ZEGO callbacks: copy it into your app.
// Run: ZEGO_CALLBACK_SECRET=... PORT=3000 npx tsx examples/fastify.ts
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import type { StreamCreatedEvent, ZegoCallbacksOptions } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/fastify'

/** Builds the app; `options` default to ZEGO_CALLBACK_SECRET from the environment. */
export function createApp(options: ZegoCallbacksOptions = {}) {
  const streams = new Map<string, StreamCreatedEvent>() // a stand-in for your database

  const zego = zegoCallbacks(options)
    .on('streamCreated', async (event) => {
      const known = streams.get(event.streamId)
      if (known === undefined || event.streamSeq >= known.streamSeq) streams.set(event.streamId, event)
    })
    .on('rejected', ({ status, reason, message }) => console.warn(`rejected ${status} ${reason}: ${message}`))

  const app = Fastify()
  app.register(zego) // POST /zego/callback, reading its own body; your routes keep Fastify's JSON parsing
  app.get('/streams', async () => [...streams.values()].map(({ raw: _raw, ...event }) => event))
  // app.close() also waits for the callbacks in flight and their listeners.
  app.addHook('onClose', () => zego.close())
  return { app, zego }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { app } = createApp()
  const address = await app.listen({ port: Number(process.env['PORT'] ?? 3000), host: '127.0.0.1' })
  console.log(`listening on ${address}/zego/callback`)
  process.once('SIGTERM', () => void app.close())
}
