import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { createMiddleware, keptRawBody, type MiddlewareExtras } from '../src/middleware.js'
import type { ZegoCallbacksOptions } from '../src/options.js'

/** An Express middleware that answers ZEGO callbacks and is also their typed event source. */
export interface ZegoExpressMiddleware extends RequestHandler, MiddlewareExtras<ZegoExpressMiddleware> {}

/**
 * Creates the Express (4.21+ and 5) middleware: `app.use(zego)` answers POSTs on `options.path`
 * and passes every other path on; mounted on a route (`app.post('/hooks/zego', zego)`) it answers
 * what reaches it.
 *
 * Note: mount it before `express.json()`, or keep the raw body in `req.rawBody` with a `verify`
 * hook; a body parsed earlier may have rounded ZEGO's 19-digit numbers and is then refused.
 */
export function zegoCallbacks(options?: ZegoCallbacksOptions): ZegoExpressMiddleware {
  return createMiddleware<ZegoExpressMiddleware>(options, (receiver) => (req: Request, res: Response, next: NextFunction) => {
    if (req.route === undefined && !receiver.matchesPath(req.path)) return next()
    receiver
      .receive({
        method: req.method,
        contentType: req.headers['content-type'],
        contentLength: req.headers['content-length'],
        body: keptRawBody((req as Request & { rawBody?: unknown }).rawBody),
        parsedBody: req.body,
        stream: req,
      })
      .then((answer) => {
        res.status(answer.status).set(answer.headers).json(answer.body)
      }, next)
  })
}

export type { ZegoCallbacksOptions } from '../src/options.js'
