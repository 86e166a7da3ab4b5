// A small Koa server receiving ZEGO callbacks: copy it into your app.
// Run: ZEGO_CALLBACK_SECRET=... PORT=3000 npx tsx examples/koa.ts
import { pathToFileURL } from 'node:url'
import Router from '@koa/router'
import Koa from 'koa'
import type { StreamCreatedEvent, ZegoCallbacksOptions } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/koa'

/** Builds the app; `options` default to ZEGO_CALLBACK_SECRET from the environment. */
export function createApp(options: ZegoCallbacksOptions = {}) {
  const streams = new Map<string, StreamCreatedEvent>() // a stand-in for your database

  const zego = zegoCallbacks(options)
    .on('streamCreated', async (event) => {
      const known = streams.get(event.streamId)
      if (known === undefined || event.streamSeq >= known.streamSeq) streams.set(event.streamId, event)
    })
    .on('mixStarted', (event) => console.log(`mix ${event.taskId} started: ${event.rtmpUrls.join(' ')}`))
    .on('rejected', ({ status, reason, message }) => console.warn(`rejected ${status} ${reason}: ${message}`))

  const router = new Router()
  router.post('/hooks/zego', zego) // on a route of its own: it answers what reaches it
  router.get('/streams', (ctx) => {
    ctx.body = [...streams.values()].map(({ raw: _raw, ...event }) => event)
  })

  const app = new Koa()
  app.use(router.routes()).use(router.allowedMethods())
  return { app, zego }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env['PORT'] ?? 3000)
  createApp().app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/hooks/zego`))
}
