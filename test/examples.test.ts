import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getRequestListener } from '@hono/node-server'
import { createApp as createExpressApp } from '../examples/express.js'
import { createApp as createHonoApp } from '../examples/hono.js'
import { createApp as createKoaApp } from '../examples/koa.js'
import { createApp as createNodeApp } from '../examples/node-http.js'
import { createCallback, withBadSignature } from '../src/testing/index.js'

const secret = 'example-secret'

// The examples log what they receive; keep the test output quiet.
beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined)
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe.each([
  { name: 'examples/express.ts', app: () => createExpressApp({ secret }).app, path: '/zego/callback' },
  { name: 'examples/koa.ts', app: () => createKoaApp({ secret }).app.callback(), path: '/hooks/zego' },
  { name: 'examples/node-http.ts', app: () => createNodeApp({ secret }).server, path: '/zego/callback' },
  { name: 'examples/hono.ts (on Node)', app: () => getRequestListener(createHonoApp({ secret }).app.fetch), path: '/zego/callback' },
])('$name', ({ app, path }) => {
  it('stores the newest version of each stream, whatever the arrival order', async () => {
    const server = app()
    const newer = createCallback('stream_create', { stream_seq: '3', title: 'newer' }, { secret })
    const older = createCallback('stream_create', { stream_seq: '2', title: 'older' }, { secret })
    expect((await request(server).post(path).send(newer)).status).toBe(200)
    expect((await request(server).post(path).send(older)).status).toBe(200)
    const streams = await request(server).get('/streams')
    expect(streams.body).toHaveLength(1)
    expect(streams.body[0]).toMatchObject({ streamId: 'stream_id', streamSeq: 3, title: 'newer' })
    expect(streams.body[0]).not.toHaveProperty('raw')
  })

  it('refuses a forged callback and stores nothing', async () => {
    const server = app()
    const forged = withBadSignature(createCallback('stream_create', {}, { secret }))
    expect((await request(server).post(path).send(forged)).status).toBe(401)
    expect((await request(server).get('/streams')).body).toEqual([])
  })
})

it('the Express example stores mixes and leaves its own JSON routes working', async () => {
  const { app } = createExpressApp({ secret })
  expect((await request(app).post('/zego/callback').send(createCallback('mix_start', { task_id: '111111:1111' }, { secret }))).status).toBe(200)
  const mixes = await request(app).get('/mixes')
  expect(mixes.body).toEqual([expect.objectContaining({ taskId: '111111:1111', seq: 123 })])
})
