import type { IncomingMessage, ServerResponse } from 'node:http'
import { createMiddleware, keptRawBody, sendAnswer, type MiddlewareExtras } from '../src/adapter.js'
import type { ZegoCallbacksOptions } from '../src/options.js'

/** A node:http request listener (and connect-style middleware) that answers ZEGO callbacks and is also their typed event source. */
export interface ZegoNodeHandler extends MiddlewareExtras<ZegoNodeHandler> {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void
}

type HostRequest = IncomingMessage & { rawBody?: unknown; body?: unknown }

/**
 * Creates the node:http handler: `http.createServer(zego)` answers POSTs on `options.path` and 404
 * elsewhere; in a connect-style stack (`app.use(zego)`) it calls `next()` for every other path.
 *
 * Note: a body parser that ran first may keep the exact body in `req.rawBody` (or leave a Buffer or
 * string in `req.body`); a body `JSON.parse` rounded is refused, as with Express.
 */
export function zegoCallbacks(options?: ZegoCallbacksOptions): ZegoNodeHandler {
  return createMiddleware<ZegoNodeHandler>(options, (receiver) => (req: HostRequest, res: ServerResponse, next?: (error?: unknown) => void) => {
    const url = req.url ?? '/'
    const query = url.indexOf('?')
    if (!receiver.matchesPath(query === -1 ? url : url.slice(0, query))) {
      if (next !== undefined) return next()
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: false, message: 'not found' }))
      return
    }
    void receiver
      .receive({
        method: req.method ?? 'GET',
        contentType: req.headers['content-type'],
        contentLength: req.headers['content-length'],
        body: keptRawBody(req.rawBody) ?? keptRawBody(req.body),
        parsedBody: req.body,
        stream: req,
      })
      .then((answer) => {
        // Another middleware (a timeout guard) may have answered already.
        if (!res.headersSent) sendAnswer(res, answer)
      })
  })
}

export type { ZegoCallbacksOptions } from '../src/options.js'
