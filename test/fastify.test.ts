import Fastify, { type FastifyServerOptions } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { zegoCallbacks } from '../adapters/fastify.js'
import { createCallback, toFormBody, toJsonBody } from '../src/testing/index.js'

const secret = 'fastify-adapter-secret'
const apps: Array<{ close(): Promise<unknown> }> = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

function build(options: FastifyServerOptions = {}) {
  const app = Fastify(options)
  apps.push(app)
  return app
}

describe('zego-callbacks/fastify', () => {
  it('answers callbacks through inject while the app keeps its own JSON parsing elsewhere', async () => {
    const app = build()
    const seen: string[] = []
    app.register(
      zegoCallbacks({ secret }).on('streamCreated', (event) => {
        seen.push(event.roomSessionId)
      }),
    )
    app.post('/echo', async (request) => request.body)
    const body = toJsonBody(createCallback('stream_create', { room_session_id: 6085791336856668982n }, { secret }))
    const answer = await app.inject({ method: 'POST', url: '/zego/callback', payload: body, headers: { 'content-type': 'application/json' } })
    expect(answer.statusCode).toBe(200)
    expect(answer.json()).toEqual({ ok: true })
    // Every digit kept: the plugin read the exact bytes, not Fastify's JSON.parse.
    expect(seen).toEqual(['6085791336856668982'])
    const form = await app.inject({
      method: 'POST',
      url: '/zego/callback/',
      payload: toFormBody(createCallback('mix_start', {}, { secret })),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(form.statusCode).toBe(200)
    const echo = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } })
    expect(echo.json()).toEqual({ a: 1 })
    const get = await app.inject({ method: 'GET', url: '/zego/callback' })
    expect(get.statusCode).toBe(405)
    expect(get.headers['allow']).toBe('POST')
  })

  it('answers over a real listening server, under a register prefix, in an app that ignores trailing slashes', async () => {
    const app = build({ routerOptions: { ignoreTrailingSlash: true } })
    app.register(zegoCallbacks({ secret, path: '/zego' }), { prefix: '/hooks' })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const send = (path: string) =>
      fetch(`${address}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(createCallback('mix_start', { seq: path.length }, { secret })) })
    expect((await send('/hooks/zego')).status).toBe(200)
    expect((await send('/hooks/zego/')).status).toBe(200)
    expect((await send('/zego')).status).toBe(404)
  })

  it('refuses a body over bodyLimit with its own 413, not Fastify’s', async () => {
    const app = build()
    app.register(zegoCallbacks({ secret, bodyLimit: 1024 }))
    const answer = await app.inject({
      method: 'POST',
      url: '/zego/callback',
      payload: JSON.stringify(createCallback('mix_start', { padding: 'x'.repeat(2048) }, { secret })),
      headers: { 'content-type': 'application/json' },
    })
    expect(answer.statusCode).toBe(413)
    expect(answer.json()).toMatchObject({ ok: false, reason: 'body_too_large' })
    expect(answer.headers['connection']).toBe('close')
  })
})
