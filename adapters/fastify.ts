import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { createMiddleware, hasBody, type MiddlewareExtras } from '../src/adapter.js'
import type { ZegoCallbacksOptions } from '../src/options.js'

/** A Fastify plugin that answers ZEGO callbacks and is also their typed event source. */
export interface ZegoFastifyPlugin extends FastifyPluginAsync, MiddlewareExtras<ZegoFastifyPlugin> {}

/**
 * Creates the Fastify (5) plugin: `app.register(zego)` answers POSTs on `options.path` (under the
 * register `prefix`, if any) and 405 with `Allow: POST` for other methods there.
 *
 * Note: the plugin is encapsulated: its route leaves the body unread for the receiver (which reads
 * it under `bodyLimit`), while the app's other routes keep Fastify's own JSON parsing.
 */
export function zegoCallbacks(options?: ZegoCallbacksOptions): ZegoFastifyPlugin {
  return createMiddleware<ZegoFastifyPlugin>(options, (receiver) => async (app: FastifyInstance) => {
    // In this plugin's own context only: hand the unread body stream over as the request's body.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload))
    const { path } = receiver
    // Both with and without a trailing slash, as the other adapters answer, unless the app's router already merges them.
    for (const url of [path, path.endsWith('/') ? path.slice(0, -1) : `${path}/`]) {
      if (url === '' || app.hasRoute({ method: 'POST', url: `${app.prefix}${url}` })) continue
      app.all(url, async (request, reply) => {
        const answer = await receiver.receive({
          method: request.method,
          contentType: request.headers['content-type'],
          contentLength: request.headers['content-length'],
          stream: (request.body as Readable | undefined) ?? request.raw,
        })
        reply.code(answer.status).headers(answer.headers)
        return hasBody(answer.status) ? reply.send(answer.body) : reply.send()
      })
    }
  })
}

export type { ZegoCallbacksOptions } from '../src/options.js'
