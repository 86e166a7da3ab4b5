import { createServer, type RequestListener } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import connect from 'connect'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import koa2 from 'koa2'
import { zegoCallbacks as zegoExpress } from '../../adapters/express.js'
import { zegoCallbacks as zegoFastify } from '../../adapters/fastify.js'
import { zegoCallbacks as zegoFetch, type ZegoFetchHandler } from '../../adapters/fetch.js'
import { zegoCallbacks as zegoKoa } from '../../adapters/koa.js'
import { zegoCallbacks as zegoNode } from '../../adapters/node.js'
import type { CloseOptions, CloseResult, ZegoCallbacksOptions, ZegoEventSource, ZegoReceiver } from '../../src/index.js'

/** A body parser the host app runs before the middleware (`raw`: the exact bytes in `req.body`). */
export type HostParser = 'none' | 'json' | 'json-raw' | 'form' | 'raw'

/** How the middleware is mounted. */
export interface Mount {
  /** `app.use(zego)` (default) or an explicit route on `/hooks/zego`. */
  route?: boolean
  parser?: HostParser
  /** Routes that match before the middleware and call next(): `GET /health` and `POST /zego/callback`. */
  passThroughRoutes?: boolean
}

/** The middleware as an event source, whatever the framework. */
export interface Source extends ZegoEventSource<unknown> {
  /** Stops taking callbacks and waits for those in flight. */
  close(options?: CloseOptions): Promise<CloseResult>
  /** The receiver behind the middleware. */
  readonly receiver: ZegoReceiver
}

/** One framework: builds a server with the middleware mounted and a JSON 404 for everything else. */
export interface Framework {
  name: string
  /** False when no body parser can run before the handler (a fetch `Request`'s body is read once). */
  hostParsers?: false
  build(options: ZegoCallbacksOptions, mount?: Mount): { server: RequestListener; zego: Source }
}

type ExpressFactory = typeof express

function expressFramework(name: string, create: ExpressFactory): Framework {
  return {
    name,
    build(options, mount = {}) {
      const app = create()
      const zego = zegoExpress(options)
      if (mount.parser === 'json') app.use(create.json())
      if (mount.parser === 'json-raw') {
        app.use(create.json({ verify: (req, _res, buf) => Object.assign(req, { rawBody: buf }) }))
      }
      if (mount.parser === 'form') app.use(create.urlencoded({ extended: true }))
      if (mount.parser === 'raw') app.use(create.raw({ type: () => true }))
      if (mount.passThroughRoutes) {
        app.get('/health', (_req, _res, next) => next())
        app.post('/zego/callback', (_req, _res, next) => next())
      }
      if (mount.route) app.post('/hooks/zego', zego)
      else app.use(zego)
      app.use((_req, res) => {
        res.status(404).json({ fallthrough: true })
      })
      return { server: app as unknown as RequestListener, zego }
    },
  }
}

type KoaFactory = typeof Koa

function koaFramework(name: string, KoaApp: KoaFactory): Framework {
  return {
    name,
    build(options, mount = {}) {
      const app = new KoaApp()
      const zego = zegoKoa(options)
      if (mount.parser === 'json' || mount.parser === 'json-raw' || mount.parser === 'form') {
        app.use(bodyParser({ enableTypes: mount.parser === 'form' ? ['form'] : ['json'] }))
      }
      if (mount.parser === 'raw') {
        app.use(async (ctx, next) => {
          const chunks: Buffer[] = []
          for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
          Object.assign(ctx.request, { body: Buffer.concat(chunks) })
          await next()
        })
      }
      if (mount.passThroughRoutes) {
        const router = new Router()
        router.get('/health', (_ctx, next) => next())
        router.post('/zego/callback', (_ctx, next) => next())
        app.use(router.routes())
      }
      if (mount.route) {
        const router = new Router()
        router.post('/hooks/zego', zego)
        app.use(router.routes())
      } else {
        app.use(zego)
      }
      app.use((ctx) => {
        ctx.status = 404
        ctx.body = { fallthrough: true }
      })
      return { server: app.callback(), zego }
    },
  }
}

const hostParsers = {
  json: express.json(),
  'json-raw': express.json({ verify: (req, _res, buf) => Object.assign(req, { rawBody: buf }) }),
  form: express.urlencoded({ extended: true }),
  raw: express.raw({ type: () => true }),
}

// zego-callbacks/node in a connect stack; mounted "on a route", it is given that path.
function nodeFramework(name: string): Framework {
  return {
    name,
    build(options, mount = {}) {
      const zego = zegoNode(mount.route ? { ...options, path: '/hooks/zego' } : options)
      const app = connect()
      if (mount.parser !== undefined && mount.parser !== 'none') app.use(hostParsers[mount.parser])
      if (mount.passThroughRoutes) app.use('/health', (_req, _res, next) => next())
      app.use(zego)
      app.use((_req, res) => {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ fallthrough: true }))
      })
      return { server: app, zego }
    },
  }
}

// The plugin under its own route; the host's parsers stay at the root, where the plugin's own take over.
function fastifyFramework(name: string): Framework {
  return {
    name,
    build(options, mount = {}) {
      let handle: RequestListener = () => {}
      const app = Fastify({ serverFactory: (handler) => ((handle = handler), createServer(handler)) })
      const zego = zegoFastify(mount.route ? { ...options, path: '/hooks/zego' } : options)
      if (mount.parser === 'form') {
        app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
          done(null, Object.fromEntries(new URLSearchParams(body as string)))
        })
      }
      if (mount.parser === 'raw') {
        app.removeAllContentTypeParsers()
        app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
      }
      if (mount.passThroughRoutes) app.get('/health', (_req, reply) => reply.callNotFound())
      app.register(zego)
      app.setNotFoundHandler((_req, reply) => reply.code(404).send({ fallthrough: true }))
      const ready = app.ready()
      return { server: (req, res) => void ready.then(() => handle(req, res)), zego }
    },
  }
}

const fallthrough = (): Response => Response.json({ fallthrough: true }, { status: 404 })

type FetchApp = (zego: ZegoFetchHandler, path: string, mount: Mount) => (request: Request) => Response | Promise<Response>

// zego-callbacks/fetch behind a fetch app, served on Node by @hono/node-server as users serve one.
function fetchFramework(name: string, app: FetchApp): Framework {
  return {
    name,
    hostParsers: false,
    build(options, mount = {}) {
      const zego = zegoFetch(options)
      return { server: getRequestListener(app(zego, mount.route ? '/hooks/zego' : zego.receiver.path, mount)), zego }
    },
  }
}

/** Every framework the shared table runs through. */
export const frameworks: Framework[] = [
  expressFramework('Express 5', express),
  expressFramework('Express 4', express4),
  koaFramework('Koa 3', Koa),
  koaFramework('Koa 2', koa2),
  nodeFramework('node:http (connect)'),
  fastifyFramework('Fastify 5'),
  // A bare fetch handler routes by path itself, as a Bun.serve or Deno.serve app does.
  fetchFramework('fetch handler (Node)', (zego, path, mount) => (request) => {
    const { pathname } = new URL(request.url)
    const matches = mount.route ? pathname === path || pathname === `${path}/` : zego.receiver.matchesPath(pathname)
    return matches ? zego(request) : fallthrough()
  }),
  fetchFramework('Hono', (zego, path, mount) => {
    const app = new Hono({ strict: false })
    if (mount.passThroughRoutes) {
      app.get('/health', (_c, next) => next())
      app.post(path, (_c, next) => next())
    }
    app.all(path, (c) => zego(c.req.raw))
    app.notFound(fallthrough)
    return app.fetch
  }),
]
