// A Deno server receiving ZEGO callbacks: copy it into your app (import 'npm:zego-callbacks/fetch',
// or add it with `deno add npm:zego-callbacks`).
// Run: ZEGO_CALLBACK_SECRET=... deno run --allow-net --allow-env=ZEGO_CALLBACK_SECRET,PORT examples/deno.ts
import { zegoCallbacks } from 'zego-callbacks/fetch'

const zego = zegoCallbacks() // the secret from ZEGO_CALLBACK_SECRET
  .on('streamCreated', async (event, delivery) => {
    // Your database here: the answer to ZEGO waits for this promise, and a rejection makes ZEGO retry.
    console.log(`streamCreated room=${event.roomId} stream=${event.streamId} seq=${event.streamSeq} attempt=${delivery.attempt}`)
  })
  .on('rejected', ({ status, reason, message }) => console.warn(`rejected ${status} ${reason}: ${message}`))

const server = Deno.serve(
  {
    hostname: '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 3000),
    onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/zego/callback`),
  },
  // receiver.matchesPath: the callback path (options.path), a trailing slash allowed.
  (request) => (zego.receiver.matchesPath(new URL(request.url).pathname) ? zego(request) : new Response('Not Found', { status: 404 })),
)

// On shutdown: answer new callbacks 503 (ZEGO retries them), finish those in flight, then stop.
Deno.addSignalListener('SIGTERM', async () => {
  await zego.close()
  await server.shutdown()
})
