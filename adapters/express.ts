import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { createMiddleware, keptRawBody, sendAnswer, type MiddlewareExtras } from '../src/adapter.js'
import type { ZegoCallbacksOptions } from '../src/options.js'

/** An Express middleware that answers ZEGO callbacks and is also their typed event source. */
export interface ZegoExpressMiddleware extends RequestHandler, MiddlewareExtras<ZegoExpressMiddleware> {}

/**
 * Creates the Express (4.21+ and 5) middleware: `app.use(zego)` answers POSTs on `options.path`
 * and passes every other path on; on a route (`app.post('/hooks/zego', zego)`, or a handler that
 * calls it) it answers what reaches it; mounted on a path (`app.use('/hooks/zego', zego)`) it
 * answers POSTs to that path.
 *
 * Note: mount it before `express.json()`, or keep the exact body (`req.rawBody` from a `verify`
 * hook, or `express.raw()` / `express.text()`); a body `JSON.parse` rounded is refused.
 */
export function zegoCallbacks(options?: ZegoCallbacksOptions): ZegoExpressMiddleware {
  return createMiddleware<ZegoExpressMiddleware>(options, (receiver) =>
    function zego(req: Request, res: Response, next: NextFunction): void {
      // A route's handlers get the route's own `next`, never the router's `req.next`: so a route
      // is running it (directly or through a handler), not a later app.use() after a route's next().
      const onRoute = req.route !== undefined && next !== req.next
      const onMountRoot = req.baseUrl !== '' && req.path === '/' && req.method === 'POST'
      if (!onRoute && !onMountRoot && !receiver.matchesPath(req.path)) return next()
      // Each property of Express's req and res costs a lookup V8 cannot cache (Express swaps their
      // prototypes per request): read each once.
      const { headers, body } = req as Request & { body?: unknown }
      receiver
        .receive({
          method: req.method,
          contentType: headers['content-type'],
          contentLength: headers['content-length'],
          body: keptRawBody((req as Request & { rawBody?: unknown }).rawBody) ?? keptRawBody(body),
          parsedBody: body,
          stream: req,
        })
        .then((answer) => {
          // Another middleware (a timeout guard) may have answered already.
          if (!res.headersSent) sendAnswer(res, answer)
        })
        .catch(next)
    },
  )
}

export type { ZegoCallbacksOptions } from '../src/options.js'
export type * from '../src/types.js'
