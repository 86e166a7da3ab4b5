import type { Context, Middleware, Next } from 'koa'
import { createMiddleware, keptRawBody, type MiddlewareExtras } from '../src/adapter.js'
import type { ZegoCallbacksOptions } from '../src/options.js'

/** A Koa middleware that answers ZEGO callbacks and is also their typed event source. */
export interface ZegoKoaMiddleware extends Middleware, MiddlewareExtras<ZegoKoaMiddleware> {}

type RoutedContext = Context & { matched?: Array<{ stack?: unknown[] }>; mountPath?: string }

/**
 * Creates the Koa (2 and 3) middleware: `app.use(zego)` answers POSTs on `options.path` and
 * passes every other path on; as a `@koa/router` route (`router.post('/hooks/zego', zego)`) it
 * answers what reaches it; mounted with koa-mount (`app.use(mount('/hooks/zego', zego))`) it
 * answers POSTs to that path.
 *
 * Note: `@koa/bodyparser` may run first: its exact `rawBody` is used.
 */
export function zegoCallbacks(options?: ZegoCallbacksOptions): ZegoKoaMiddleware {
  return createMiddleware<ZegoKoaMiddleware>(options, (receiver) =>
    async function zego(ctx: RoutedContext, next: Next): Promise<void> {
      // @koa/router lists every layer the path matched; only a layer running this middleware counts.
      const onRoute = ctx.matched?.some((layer) => layer.stack?.includes(zego)) ?? false
      const onMountRoot = ctx.mountPath !== undefined && ctx.path === '/' && ctx.method === 'POST'
      if (!onRoute && !onMountRoot && !receiver.matchesPath(ctx.path)) return next()
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
export type * from '../src/types.js'
