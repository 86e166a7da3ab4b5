// A small Koa server receiving ZEGO callbacks: copy it into your app.
// Run: ZEGO_CALLBACK_SECRET=... PORT=3000 HOST=0.0.0.0 npx tsx examples/koa.ts
import { pathToFileURL } from 'node:url'
import Router from '@koa/router'
import Koa from 'koa'
import type { StreamCreatedEvent, ZegoCallbacksOptions } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/koa'

/** Builds the app and its middleware; `options` default to ZEGO_CALLBACK_SECRET from the environment. */
export function createApp(options: ZegoCallbacksOptions = {}) {
  const streams = new Map<string, StreamCreatedEvent>() // a stand-in for your database

  const zego = zegoCallbacks(options)
    .on('streamCreated', async (event) => {
      const known = streams.get(event.streamId)
      if (known === undefined || event.streamSeq >= known.streamSeq) streams.set(event.streamId, event)
    })
    .on('mixStarted', (event) => console.log(`mix ${event.taskId} started: ${event.rtmpUrls.join(' ')}`))
  // Refusals and failures need no listener to be seen: the logger writes each (option `logger`).

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
  const host = process.env['HOST'] ?? '127.0.0.1'
  createApp().app.listen(port, host, () => console.log(`listening on http://${host}:${port}/hooks/zego`))
}
