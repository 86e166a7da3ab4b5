import { createMiddleware, hasBody, type MiddlewareExtras } from '../src/adapter.js'
import type { ZegoCallbacksOptions } from '../src/options.js'

/** A web-standard `Request -> Response` handler that answers ZEGO callbacks and is also their typed event source. */
export interface ZegoFetchHandler extends MiddlewareExtras<ZegoFetchHandler> {
  (request: Request): Promise<Response>
}

/**
 * Creates the fetch handler for Next.js route handlers (`export const POST = zego`), Hono
 * (`app.all('/zego/callback', (c) => zego(c.req.raw))`), Bun (`Bun.serve({ fetch: zego })`), Deno
 * (`Deno.serve(zego)`) and Cloudflare Workers (`export default { fetch: zego }`). Like a mounted
 * route, it answers whatever reaches it: other methods get 405 with `Allow: POST`.
 *
 * Note: it reads `request.body` itself, under `bodyLimit`; a request whose body was already read
 * (`await request.json()` first) is answered 500 `body_unavailable`. The answer waits for your
 * listeners, so no work is left running after it (except listeners past `listenerTimeoutMs`).
 */
export function zegoCallbacks(options?: ZegoCallbacksOptions): ZegoFetchHandler {
  return createMiddleware<ZegoFetchHandler>(options, (receiver) => async (request: Request) => {
    const answer = await receiver.receive({
      method: request.method,
      contentType: request.headers.get('content-type') ?? undefined,
      contentLength: request.headers.get('content-length') ?? undefined,
      // A request without a body (body null) has an empty one.
      ...(request.body === null ? { body: '' } : { stream: request.body }),
    })
    const init = { status: answer.status, headers: answer.headers }
    return hasBody(answer.status) ? Response.json(answer.body, init) : new Response(null, init)
  })
}

export type { ZegoCallbacksOptions } from '../src/options.js'
