// A Next.js App Router route receiving ZEGO callbacks at /zego/callback: copy it into your app.
import { zegoCallbacks, type ZegoFetchHandler } from 'zego-callbacks/fetch'

// Created on the first callback rather than when the module loads: `next build` loads this module
// too, and ZEGO_CALLBACK_SECRET may be unset there. (Where it is set at build time,
// `export const POST = zegoCallbacks().on(...)` works as well.)
let zego: ZegoFetchHandler | undefined

export async function POST(request: Request): Promise<Response> {
  zego ??= zegoCallbacks() // the secret from ZEGO_CALLBACK_SECRET
    .on('streamCreated', async (event, delivery) => {
      // Your database here: the answer to ZEGO waits for this promise, and a rejection makes ZEGO retry.
      console.log(`streamCreated room=${event.roomId} stream=${event.streamId} seq=${event.streamSeq} attempt=${delivery.attempt}`)
    })
    .on('rejected', ({ status, reason, message }) => console.warn(`rejected ${status} ${reason}: ${message}`))
  return zego(request)
}
