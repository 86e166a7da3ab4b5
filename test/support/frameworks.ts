import type { RequestListener } from 'node:http'
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import express from 'express'
import express4 from 'express4'
import Koa from 'koa'
import koa2 from 'koa2'
import { zegoCallbacks as zegoExpress } from '../../adapters/express.js'
import { zegoCallbacks as zegoKoa } from '../../adapters/koa.js'
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

/** Every framework the shared table runs through. */
export const frameworks: Framework[] = [
  expressFramework('Express 5', express),
  expressFramework('Express 4', express4),
  koaFramework('Koa 3', Koa),
  koaFramework('Koa 2', koa2),
]
