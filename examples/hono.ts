// A Hono app receiving ZEGO callbacks: copy it into your app. The same app runs on Node (below, with
// @hono/node-server), Bun (`export default app`), Deno (`Deno.serve(app.fetch)`) and Workers.
// Run: ZEGO_CALLBACK_SECRET=... PORT=3000 npx tsx examples/hono.ts
import { pathToFileURL } from 'node:url'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import type { StreamCreatedEvent, ZegoCallbacksOptions } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/fetch'

/** Builds the app; `options` default to ZEGO_CALLBACK_SECRET from the environment. */
export function createApp(options: ZegoCallbacksOptions = {}) {
  const streams = new Map<string, StreamCreatedEvent>() // a stand-in for your database

  const zego = zegoCallbacks(options)
    .on('streamCreated', async (event) => {
      const known = streams.get(event.streamId)
      if (known === undefined || event.streamSeq >= known.streamSeq) streams.set(event.streamId, event)
    })
    .on('rejected', ({ status, reason, message }) => console.warn(`rejected ${status} ${reason}: ${message}`))

  // `strict: false` lets /zego/callback/ through too. Hand zego the untouched request: no middleware
  // that reads the body (c.req.json(), a validator) may run before this route.
  const app = new Hono({ strict: false })
  app.all('/zego/callback', (c) => zego(c.req.raw))
  app.get('/streams', (c) => c.json([...streams.values()].map(({ raw: _raw, ...event }) => event)))
  return { app, zego }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env['PORT'] ?? 3000)
  serve({ fetch: createApp().app.fetch, port, hostname: '127.0.0.1' }, () =>
    console.log(`listening on http://127.0.0.1:${port}/zego/callback`),
  )
}
