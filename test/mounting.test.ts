import type { RequestListener } from 'node:http'
import Router from '@koa/router'
import express from 'express'
import express4 from 'express4'
import Koa from 'koa'
import koa2 from 'koa2'
import mount from 'koa-mount'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { zegoCallbacks as zegoExpress, type ZegoExpressMiddleware } from '../adapters/express.js'
import { zegoCallbacks as zegoKoa } from '../adapters/koa.js'
import { createCallback } from '../src/testing/index.js'

const secret = 'mounting-secret'
const options = { secret, logger: false as const }

/** A server whose fallthrough answers 404 `{ fallthrough: true }`, and the streams its listener saw. */
interface Built {
  server: RequestListener
  streams: string[]
}

function listening(zego: { on: ZegoExpressMiddleware['on'] }): string[] {
  const streams: string[] = []
  zego.on('streamCreated', (event) => {
    streams.push(event.streamId)
  })
  return streams
}

const expressApps = [
  ['Express 5', express],
  ['Express 4', express4],
] as const

describe.each(expressApps)('%s', (_name, create) => {
  const build = (wire: (app: express.Express, zego: ZegoExpressMiddleware) => void): Built => {
    const app = create()
    const zego = zegoExpress(options)
    const streams = listening(zego)
    wire(app, zego)
    app.use((_req, res) => {
      res.status(404).json({ fallthrough: true })
    })
    return { server: app as unknown as RequestListener, streams }
  }
  const post = (server: RequestListener, path: string, streamId: string) =>
    request(server).post(path).send(createCallback('stream_create', { stream_id: streamId }, { secret }))

  // Was: 404 there, and the callback answered at /hooks/zego/zego/callback instead.
  it("app.use('/hooks/zego', zego) answers POST /hooks/zego and passes the rest of the path on", async () => {
    const { server, streams } = build((app, zego) => app.use('/hooks/zego', zego))
    expect((await post(server, '/hooks/zego', 'a')).body).toEqual({ ok: true })
    expect((await post(server, '/hooks/zego/', 'b')).body).toEqual({ ok: true })
    expect((await request(server).get('/hooks/zego')).body).toEqual({ fallthrough: true })
    expect((await post(server, '/hooks/zego/other', 'c')).body).toEqual({ fallthrough: true })
    expect(streams).toEqual(['a', 'b'])
  })

  // Was: Express's 404, the handler's call passing the request on.
  it('a route handler that calls it answers what reaches it', async () => {
    const { server, streams } = build((app, zego) => {
      app.post('/hooks/zego', (req, res, next) => zego(req, res, next))
      app.post('/hooks/async', async (req, res, next) => {
        await Promise.resolve()
        zego(req, res, next)
      })
    })
    expect((await post(server, '/hooks/zego', 'a')).body).toEqual({ ok: true })
    expect((await post(server, '/hooks/async', 'b')).body).toEqual({ ok: true })
    expect(streams).toEqual(['a', 'b'])
  })

  it('under a router mounted on a prefix, it answers its path below the prefix', async () => {
    const { server, streams } = build((app, zego) => {
      const router = create.Router()
      router.use(zego)
      router.get('/status', (_req, res) => {
        res.json({ status: 'up' })
      })
      app.use('/api', router)
    })
    expect((await post(server, '/api/zego/callback', 'a')).body).toEqual({ ok: true })
    expect((await request(server).get('/api/status')).body).toEqual({ status: 'up' })
    expect((await request(server).get('/api')).body).toEqual({ fallthrough: true })
    expect(streams).toEqual(['a'])
  })

  it('after routes that matched and called next(), it still passes their paths on', async () => {
    const { server, streams } = build((app, zego) => {
      app.post('/orders', (_req, _res, next) => next())
      app.all('/audit', (_req, _res, next) => next())
      app.use(zego)
    })
    expect((await post(server, '/orders', 'a')).body).toEqual({ fallthrough: true })
    expect((await post(server, '/audit', 'b')).body).toEqual({ fallthrough: true })
    expect((await post(server, '/zego/callback', 'c')).body).toEqual({ ok: true })
    expect(streams).toEqual(['c'])
  })
})

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', koa2],
] as const)('%s', (_name, KoaApp) => {
  it("app.use(mount('/hooks/zego', zego)) answers POST /hooks/zego and passes the rest of the path on", async () => {
    const app = new KoaApp()
    const zego = zegoKoa(options)
    const streams = listening(zego as unknown as ZegoExpressMiddleware)
    app.use(mount('/hooks/zego', zego))
    app.use((ctx) => {
      ctx.status = 404
      ctx.body = { fallthrough: true }
    })
    const server = app.callback()
    const post = (path: string, streamId: string) => request(server).post(path).send(createCallback('stream_create', { stream_id: streamId }, { secret }))
    expect((await post('/hooks/zego', 'a')).body).toEqual({ ok: true })
    expect((await request(server).get('/hooks/zego')).body).toEqual({ fallthrough: true })
    expect((await post('/hooks/zego/other', 'b')).body).toEqual({ fallthrough: true })
    expect(streams).toEqual(['a'])
  })

  it('as a router route, it answers what reaches it', async () => {
    const app = new KoaApp()
    const zego = zegoKoa(options)
    const streams = listening(zego as unknown as ZegoExpressMiddleware)
    const router = new Router()
    router.post('/hooks/zego', zego)
    app.use(router.routes())
    const response = await request(app.callback()).post('/hooks/zego').send(createCallback('stream_create', { stream_id: 'a' }, { secret }))
    expect(response.body).toEqual({ ok: true })
    expect(streams).toEqual(['a'])
  })
})
