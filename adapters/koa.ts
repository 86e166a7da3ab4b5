import type { Context, Middleware, Next } from 'koa'
import { createMiddleware, keptRawBody, type MiddlewareExtras } from '../src/adapter.js'
import type { ZegoCallbacksOptions } from '../src/options.js'

/** A Koa middleware that answers ZEGO callbacks and is also their typed event source. */
export interface ZegoKoaMiddleware extends Middleware, MiddlewareExtras<ZegoKoaMiddleware> {}

type RouterContext = { matched?: Array<{ stack?: unknown[] }> }

/**
 * Creates the Koa (2 and 3) middleware: `app.use(zego)` answers POSTs on `options.path` and
 * passes every other path on; as a `@koa/router` route (`router.post('/hooks/zego', zego)`) it
 * answers what reaches it.
 *
 * Note: `@koa/bodyparser` may run first: its exact `rawBody` is used.
 */
export function zegoCallbacks(options?: ZegoCallbacksOptions): ZegoKoaMiddleware {
  return createMiddleware<ZegoKoaMiddleware>(options, (receiver) =>
    async function zego(ctx: Context, next: Next): Promise<void> {
      // @koa/router lists every layer the path matched; only a layer running this middleware counts.
      const onOwnRoute = (ctx as RouterContext).matched?.some((layer) => layer.stack?.includes(zego)) ?? false
      if (!onOwnRoute && !receiver.matchesPath(ctx.path)) return next()
      const request = ctx.request as Context['request'] & { rawBody?: unknown; body?: unknown }
      const answer = await receiver.receive({
        method: ctx.method,
        contentType: ctx.get('content-type') || undefined,
        contentLength: ctx.get('content-length') || undefined,
        body: keptRawBody(request.rawBody) ?? keptRawBody(request.body),
        parsedBody: request.body,
        stream: ctx.req,
      })
      ctx.status = answer.status
      ctx.set(answer.headers)
      ctx.body = answer.body
    },
  )
}

export type { ZegoCallbacksOptions } from '../src/options.js'
