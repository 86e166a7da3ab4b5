// A Cloudflare Worker receiving ZEGO callbacks: copy it and examples/wrangler.jsonc into your project.
// Run: npx wrangler dev --config examples/wrangler.jsonc (the secret in .dev.vars, or `wrangler secret put`)
import { zegoCallbacks } from 'zego-callbacks/fetch'

// Under nodejs_compat, process.env holds the Worker's secrets and vars, ZEGO_CALLBACK_SECRET among them.
// Note: each isolate has its own memory, so pass a shared `store` (on Durable Objects, D1 or KV) to
// recognise a repeat that reaches another isolate.
const zego = zegoCallbacks()
  .on('streamCreated', async (event, delivery) => {
    // Your database here: the answer to ZEGO waits for this promise, and a rejection makes ZEGO retry.
    console.log(`streamCreated room=${event.roomId} stream=${event.streamId} seq=${event.streamSeq} attempt=${delivery.attempt}`)
  })
  .on('rejected', ({ status, reason, message }) => console.warn(`rejected ${status} ${reason}: ${message}`))

export default {
  fetch: (request: Request): Promise<Response> | Response =>
    zego.receiver.matchesPath(new URL(request.url).pathname) ? zego(request) : new Response('Not Found', { status: 404 }),
}
