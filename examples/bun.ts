// A Bun server receiving ZEGO callbacks: copy it into your app.
// Run: ZEGO_CALLBACK_SECRET=... PORT=3000 bun examples/bun.ts
import { zegoCallbacks } from 'zego-callbacks/fetch'

const zego = zegoCallbacks() // the secret from ZEGO_CALLBACK_SECRET
  .on('streamCreated', async (event, delivery) => {
    // Your database here: the answer to ZEGO waits for this promise, and a rejection makes ZEGO retry.
    console.log(`streamCreated room=${event.roomId} stream=${event.streamId} seq=${event.streamSeq} attempt=${delivery.attempt}`)
  })
  .on('rejected', ({ status, reason, message }) => console.warn(`rejected ${status} ${reason}: ${message}`))

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env['PORT'] ?? 3000),
  routes: { '/zego/callback': zego }, // or fetch: zego, to answer every path
  fetch: () => new Response('Not Found', { status: 404 }),
})
console.log(`listening on ${server.url.origin}/zego/callback`)

// On shutdown: answer new callbacks 503 (ZEGO retries them), finish those in flight, then stop.
process.once('SIGTERM', async () => {
  await zego.close()
  await server.stop()
})
