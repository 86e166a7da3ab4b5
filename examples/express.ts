// A small Express server receiving ZEGO callbacks: copy it into your app.
// Run: ZEGO_CALLBACK_SECRET=... PORT=3000 npx tsx examples/express.ts
import { pathToFileURL } from 'node:url'
import express from 'express'
import type { MixStartedEvent, StreamCreatedEvent, ZegoCallbacksOptions } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/express'

/** Builds the app; `options` default to ZEGO_CALLBACK_SECRET from the environment. */
export function createApp(options: ZegoCallbacksOptions = {}) {
  // Stand-ins for your database tables.
  const streams = new Map<string, StreamCreatedEvent>()
  const mixes = new Map<string, MixStartedEvent>()

  const zego = zegoCallbacks(options)
    .on('streamCreated', async (event, delivery) => {
      // Each callback arrives here once, but out of order: keep the newest per stream by stream_seq.
      const known = streams.get(event.streamId)
      if (known === undefined || event.streamSeq >= known.streamSeq) streams.set(event.streamId, event)
      console.log(
        `streamCreated  room=${event.roomId} stream=${event.streamId} seq=${event.streamSeq} ` +
          `codec=${event.codec} roomSessionId=${event.roomSessionId} urls=${event.hlsUrls.length} hls attempt=${delivery.attempt}`,
      )
    })
    .on('mixStarted', (event) => {
      mixes.set(event.taskId, event)
      console.log(`mixStarted     task=${event.taskId} seq=${event.seq} rtmp=${event.rtmpUrls.join(' ')}`)
    })
    .on('roomCreated', (event) => console.log(`roomCreated    room=${event.roomId} roomSessionId=${event.roomSessionId}`))
    .on('callback', ({ event }) => console.log(`callback       ${event}`))
    .on('duplicate', ({ event, matchedBy }) => console.log(`duplicate      ${event} (matched by ${matchedBy}), answered 200`))
    .on('rejected', ({ status, reason, message }) => console.warn(`rejected       ${status} ${reason}: ${message}`))
    .on('error', ({ error, key }) => console.error(`error          ${key}: ${error.message}`))

  const app = express()
  app.use(zego) // answers POST /zego/callback; everything else goes on
  app.use(express.json()) // your own routes' parser can come after it
  app.get('/streams', (_req, res) => {
    res.json([...streams.values()].map(({ raw: _raw, ...event }) => event))
  })
  app.get('/mixes', (_req, res) => {
    res.json([...mixes.values()].map(({ raw: _raw, ...event }) => event))
  })
  return { app, zego }
}

/** Listens on `port`, and on SIGTERM drains: new callbacks get 503 (ZEGO retries them), those in flight finish, then it stops. */
export function serve({ app, zego }: ReturnType<typeof createApp>, port: number, shutdownTimeoutMs = 20_000) {
  const server = app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/zego/callback`))
  process.once('SIGTERM', async () => {
    // Bounded: a listener that never settles is abandoned after the timeout, and the process still exits.
    const { drained, abandoned } = await zego.close({ timeoutMs: shutdownTimeoutMs })
    if (!drained) console.warn(`closing after ${shutdownTimeoutMs} ms; still running, abandoned: ${abandoned.join(', ') || 'none'}`)
    server.close(() => console.log(drained ? 'closed: every callback in flight was answered' : 'closed'))
    server.closeAllConnections()
  })
  return server
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serve(createApp(), Number(process.env['PORT'] ?? 3000))
}
