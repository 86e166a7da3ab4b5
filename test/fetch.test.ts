import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { zegoCallbacks } from '../adapters/fetch.js'
import { createCallback, toFormBody } from '../src/testing/index.js'

const secret = 'fetch-adapter-secret'
const url = 'http://localhost/zego/callback'
const post = (body: NonNullable<RequestInit['body']> | null, type?: string, init: RequestInit = {}) =>
  new Request(url, { method: 'POST', body, headers: type === undefined ? {} : { 'content-type': type }, ...init })

describe('zego-callbacks/fetch, called with Request objects in-process', () => {
  it('delivers a JSON and a form callback and answers JSON', async () => {
    const seen: string[] = []
    const zego = zegoCallbacks({ secret })
      .on('mixStarted', (event) => {
        seen.push(event.taskId)
      })
      .on('streamCreated', (event) => {
        seen.push(event.streamId)
      })
    const json = await zego(post(JSON.stringify(createCallback('mix_start', { task_id: '111111:1111' }, { secret })), 'application/json'))
    expect(json.status).toBe(200)
    expect(json.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await json.json()).toEqual({ ok: true })
    const form = await zego(post(toFormBody(createCallback('stream_create', {}, { secret })), 'application/x-www-form-urlencoded'))
    expect(form.status).toBe(200)
    expect(seen).toEqual(['111111:1111', 'stream_id'])
  })

  it('answers other methods 405 with Allow: POST, whatever the path', async () => {
    const response = await zegoCallbacks({ secret })(new Request('http://localhost/anything'))
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })

  it('treats a POST without a body as an empty one: 415 without a content type, 400 with JSON', async () => {
    const zego = zegoCallbacks({ secret })
    expect(await (await zego(post(null))).json()).toMatchObject({ reason: 'unsupported_media_type' })
    const empty = await zego(post(null, 'application/json'))
    expect(empty.status).toBe(400)
    expect(await empty.json()).toMatchObject({ reason: 'invalid_body' })
  })

  it('refuses a streamed body past bodyLimit with 413 and Connection: close', async () => {
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1024
        controller.enqueue(new Uint8Array(1024).fill(0x20))
      },
    })
    const response = await zegoCallbacks({ secret, bodyLimit: 4096 })(
      post(endless, 'application/json', { duplex: 'half' } as RequestInit),
    )
    expect(response.status).toBe(413)
    expect(response.headers.get('connection')).toBe('close')
    expect(pulled).toBeLessThan(2 * 1024 * 1024)
  })

  it('answers 500 body_unavailable, naming the fix, when the body was read before', async () => {
    const rejected: string[] = []
    const zego = zegoCallbacks({ secret }).on('rejected', ({ reason }) => {
      rejected.push(reason)
    })
    const request = post(JSON.stringify(createCallback('mix_start', {}, { secret })), 'application/json')
    await request.json()
    const response = await zego(request)
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ reason: 'body_unavailable', message: expect.stringMatching(/untouched request/) })
    expect(rejected).toEqual(['body_unavailable'])
  })

  it('is its own event source: on/once/off chain, close() answers new callbacks 503', async () => {
    const zego = zegoCallbacks({ secret })
    const listener = (): void => {}
    expect(zego.on('callback', listener).off('callback', listener).once('callback', listener)).toBe(zego)
    expect(zego.receiver.listenerCount('callback')).toBe(1)
    await zego.close()
    const response = await zego(post(JSON.stringify(createCallback('mix_start', { task_id: '111111:1111' }, { secret })), 'application/json'))
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ reason: 'closing' })
  })
})

describe('zego-callbacks/fetch in Hono', () => {
  it('answers on the route it is mounted on, while the app keeps its other routes', async () => {
    const zego = zegoCallbacks({ secret })
    const app = new Hono()
    app.all('/hooks/zego', (c) => zego(c.req.raw))
    app.post('/echo', async (c) => c.json(await c.req.json()))
    const ok = await app.request('/hooks/zego', { method: 'POST', body: JSON.stringify(createCallback('mix_start', {}, { secret })), headers: { 'content-type': 'application/json' } })
    expect(ok.status).toBe(200)
    expect(await (await app.request('/echo', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })).json()).toEqual({ a: 1 })
  })

  it('answers 500 body_unavailable behind a middleware that read the body first', async () => {
    const zego = zegoCallbacks({ secret })
    const app = new Hono()
    app.use(async (c, next) => {
      await c.req.json()
      await next()
    })
    app.post('/zego/callback', (c) => zego(c.req.raw))
    const response = await app.request('/zego/callback', { method: 'POST', body: JSON.stringify(createCallback('mix_start', {}, { secret })), headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ reason: 'body_unavailable' })
  })
})
