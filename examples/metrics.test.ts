import express from 'express'
import request from 'supertest'
import { afterEach, expect, it } from 'vitest'
import { zegoCallbacks } from 'zego-callbacks/express'
import { createCallback, withBadSignature } from 'zego-callbacks/testing'
import { zegoMetrics } from './metrics.js'

const secret = 'metrics-secret'
let stop = () => {}
afterEach(() => stop())

function metricsApp() {
  const zego = zegoCallbacks({ secret, logger: false })
  const metrics = zegoMetrics(zego)
  stop = metrics.stop
  const app = express()
  app.use(zego)
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  return { app, zego }
}

/** The samples of a Prometheus text exposition: `name{labels}` to value. */
async function scrape(app: express.Express): Promise<Record<string, number>> {
  const response = await request(app).get('/metrics').expect(200)
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
  const samples: Record<string, number> = {}
  for (const line of response.text.split('\n')) {
    const match = /^(\S+) (\S+)$/.exec(line)
    if (match !== null && !line.startsWith('#')) samples[match[1] as string] = Number(match[2])
  }
  return samples
}

it('counts received, delivered, duplicates, rejected by reason and failures, and times deliveries', async () => {
  const { app, zego } = metricsApp()
  let failures = 1
  zego.on('streamCreated', async () => {
    await new Promise((resolve) => setTimeout(resolve, 30))
    if (failures-- > 0) throw new Error('db down')
  })
  const first = createCallback('stream_create', {}, { secret })
  await request(app).post('/zego/callback').send(first).expect(500)
  await request(app).post('/zego/callback').send(first).expect(200)
  await request(app).post('/zego/callback').send(first).expect(200)
  await request(app).post('/zego/callback').send(createCallback('mix_start', {}, { secret })).expect(200)
  await request(app).post('/zego/callback').send(withBadSignature(createCallback('mix_start', {}, { secret }))).expect(401)
  await request(app).post('/zego/callback').send(createCallback('stream_create', { stream_seq: 'x' }, { secret })).expect(400)

  const samples = await scrape(app)
  expect(samples).toMatchObject({
    'zego_callbacks_received_total{status="200"}': 3,
    'zego_callbacks_received_total{status="500"}': 1,
    'zego_callbacks_received_total{status="401"}': 1,
    'zego_callbacks_received_total{status="400"}': 1,
    'zego_callbacks_delivered_total{event="stream_create"}': 1,
    'zego_callbacks_delivered_total{event="mix_start"}': 1,
    'zego_callbacks_duplicates_total{event="stream_create",matched_by="signature"}': 1,
    'zego_callbacks_rejected_total{reason="listener_failed",status="500"}': 1,
    'zego_callbacks_rejected_total{reason="bad_signature",status="401"}': 1,
    'zego_callbacks_rejected_total{reason="invalid_payload",status="400"}': 1,
    'zego_callbacks_in_flight': 0,
    'zego_callbacks_delivery_duration_seconds_count{event="stream_create"}': 1,
    'zego_callbacks_delivery_duration_seconds_count{event="mix_start"}': 1,
  })
  // The stream_create listener took 30 ms: above the 25 ms bucket, within the 50 ms one (a loaded machine aside).
  expect(samples['zego_callbacks_delivery_duration_seconds_bucket{le="0.025",event="stream_create"}']).toBe(0)
  expect(samples['zego_callbacks_delivery_duration_seconds_sum{event="stream_create"}']).toBeGreaterThanOrEqual(0.029)
})

it('shows the callbacks in flight while their listeners run', async () => {
  const { app, zego } = metricsApp()
  let release = () => {}
  const running = new Promise<void>((resolve) => {
    zego.on('mixStarted', () => {
      resolve()
      return new Promise<void>((done) => (release = done))
    })
  })
  const pending = request(app).post('/zego/callback').send(createCallback('mix_start', {}, { secret })).then((response) => response.status)
  await running
  expect((await scrape(app))['zego_callbacks_in_flight']).toBe(1)
  release()
  expect(await pending).toBe(200)
  expect((await scrape(app))['zego_callbacks_in_flight']).toBe(0)
})

it('counts failures no answer reports', async () => {
  const zego = zegoCallbacks({ secret, logger: false, failurePolicy: 'acknowledge' })
  const metrics = zegoMetrics(zego.receiver)
  stop = metrics.stop
  zego.on('mixStarted', () => {
    throw new Error('db down')
  })
  await request(express().use(zego)).post('/zego/callback').send(createCallback('mix_start', {}, { secret })).expect(200)
  await zego.close()
  expect(await metrics.registry.getSingleMetricAsString('zego_callbacks_errors_total')).toContain('zego_callbacks_errors_total{reason="listener_failed"} 1')
})
