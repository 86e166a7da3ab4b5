import request from 'supertest'
import { expect, it } from 'vitest'
import { createCallback, signCallback, toFormBody, toJsonBody, withBadSignature } from 'zego-callbacks/testing'
import { createApp } from './express.js'

const secret = 'test-secret'
const { app } = createApp({ secret })

it('stores a new stream', async () => {
  const payload = createCallback('stream_create', { stream_id: 'cam-1' }, { secret })
  await request(app).post('/zego/callback').send(payload).expect(200, { ok: true })
  const streams = await request(app).get('/streams')
  expect(streams.body).toContainEqual(expect.objectContaining({ streamId: 'cam-1' }))
})

it('stores another stream: each createCallback is a new callback', async () => {
  const payload = createCallback('stream_create', { stream_id: 'cam-2' }, { secret })
  await request(app).post('/zego/callback').send(payload).expect(200, { ok: true })
  const streams = await request(app).get('/streams')
  expect(streams.body.map((stream: { streamId: string }) => stream.streamId)).toEqual(['cam-1', 'cam-2'])
})

it('keeps 19-digit ids exact', async () => {
  const payload = createCallback('stream_create', { stream_id: 'cam-3', room_session_id: 6085791336856668982n }, { secret })
  await request(app).post('/zego/callback').type('json').send(toJsonBody(payload)).expect(200)
  const streams = await request(app).get('/streams')
  expect(streams.body).toContainEqual(expect.objectContaining({ streamId: 'cam-3', roomSessionId: '6085791336856668982' }))
})

it('accepts ZEGO form posts', async () => {
  const payload = createCallback('mix_start', {}, { secret })
  await request(app).post('/zego/callback').type('form').send(toFormBody(payload)).expect(200, { ok: true })
})

it("answers ZEGO's retry of a delivered callback as a duplicate", async () => {
  const payload = createCallback('mix_start', {}, { secret })
  await request(app).post('/zego/callback').send(payload).expect(200, { ok: true })
  const retry = signCallback({ ...payload }, { secret }) // ZEGO signs a retry anew: same callback, new nonce
  await request(app).post('/zego/callback').send(retry).expect(200, { ok: true, duplicate: true })
})

it('refuses forgeries', async () => {
  const forged = withBadSignature(createCallback('stream_create', {}, { secret }))
  await request(app).post('/zego/callback').send(forged).expect(401)
})
