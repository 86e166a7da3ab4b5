import { AsyncLocalStorage } from 'node:async_hooks'
import { tracingChannel } from 'node:diagnostics_channel'
import { Writable } from 'node:stream'
import express from 'express'
import { pino } from 'pino'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { zegoCallbacks } from '../adapters/express.js'
import { CALLBACK_TRACING_CHANNEL, ZegoReceiver, type CallbackTrace, type DeliveredEvent, type ZegoCallbacksOptions } from '../src/index.js'
import { startTrace } from '../src/tracing.js'
import { createCallback, toJsonBody, withBadSignature, type CallbackPayload } from '../src/testing/index.js'
import { captureLogger } from './support/log.js'

const secret = 'observe-secret-0123456789'
const start = 1_700_000_000_000

function setup(options: ZegoCallbacksOptions = {}) {
  const clock = { now: start }
  const receiver = new ZegoReceiver({ secret, now: () => clock.now, ...options })
  const post = (payload: CallbackPayload) =>
    receiver.receive({ method: 'POST', contentType: 'application/json', body: toJsonBody(payload) })
  const sign = (event: string, fields: Parameters<typeof createCallback>[1] = {}) =>
    createCallback(event, fields, { secret, timestamp: Math.floor(clock.now / 1000) })
  return { receiver, clock, post, sign }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the default logger: one JSON line per refusal and failure, on the console', () => {
  const consoleSpies = () => ({
    info: vi.spyOn(console, 'info').mockImplementation(() => undefined),
    warn: vi.spyOn(console, 'warn').mockImplementation(() => undefined),
    error: vi.spyOn(console, 'error').mockImplementation(() => undefined),
    log: vi.spyOn(console, 'log').mockImplementation(() => undefined),
  })
  const lines = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map((call) => JSON.parse(String(call[0])) as Record<string, unknown>)

  it("says a listener's failure (500) with its error, with no rejected listener", async () => {
    const spies = consoleSpies()
    const { receiver, post, sign } = setup()
    receiver.on('streamCreated', () => {
      throw new Error('db down')
    })
    expect((await post(sign('stream_create'))).status).toBe(500)
    const [line, ...more] = lines(spies.error)
    expect(more).toEqual([])
    expect(line).toMatchObject({
      level: 'error',
      name: 'zego-callbacks',
      msg: '500 listener_failed: 1 listener(s) failed',
      reason: 'listener_failed',
      status: 500,
      product: 'rtc',
      event: 'stream_create',
      appId: 1,
      attempt: 1,
      err: { type: 'Error', message: 'db down', stack: expect.stringContaining('db down') },
    })
    expect(line?.['key']).toMatch(/^stream_create:1:/)
    expect(Date.parse(String(line?.['time']))).toBeGreaterThan(0)
  })

  it('says a wrong secret (401) and what to check, in the log only, never the secret', async () => {
    const spies = consoleSpies()
    const { post } = setup()
    const forged = createCallback('stream_create', {}, { secret: 'the-server-secret' })
    const answer = await post(forged)
    expect(answer.status).toBe(401)
    expect(JSON.stringify(answer.body)).not.toContain('CallbackSecret')
    const [line] = lines(spies.warn)
    expect(line).toMatchObject({ level: 'warn', reason: 'bad_signature', status: 401 })
    expect(line?.['msg']).toBe(
      "401 bad_signature: the signature does not match the timestamp and nonce (check that `secret` / ZEGO_CALLBACK_SECRET is the project's CallbackSecret from the ZEGO console, not its ServerSecret or AppSign)",
    )
    const written = spies.warn.mock.calls.flat().join('\n')
    expect(written).not.toContain(secret)
    expect(written).not.toContain('the-server-secret')
  })

  it('names a secret padded with whitespace on a 401', async () => {
    const spies = consoleSpies()
    const { post, sign } = setup({ secret: ` ${secret}\n` })
    expect((await post(sign('stream_create'))).status).toBe(401)
    expect(lines(spies.warn)[0]?.['msg']).toMatch(/; a configured secret begins or ends with whitespace\)$/)
  })

  it('says an invalid payload (400) with its event, and the field', async () => {
    const spies = consoleSpies()
    const { post, sign } = setup()
    expect((await post(sign('stream_create', { stream_seq: 'x' }))).status).toBe(400)
    expect(lines(spies.warn)).toEqual([
      expect.objectContaining({ reason: 'invalid_payload', status: 400, event: 'stream_create', msg: expect.stringContaining('At path: stream_seq') }),
    ])
  })

  it('writes nothing for delivered callbacks and duplicates', async () => {
    const spies = consoleSpies()
    const { receiver, post, sign } = setup()
    receiver.on('streamCreated', () => {})
    const payload = sign('stream_create')
    expect((await post(payload)).status).toBe(200)
    expect((await post(payload)).body).toEqual({ ok: true, duplicate: true })
    for (const spy of Object.values(spies)) expect(spy).not.toHaveBeenCalled()
  })

  it('writes a closing refusal at info', async () => {
    const spies = consoleSpies()
    const { receiver, post, sign } = setup()
    await receiver.close()
    expect((await post(sign('stream_create'))).status).toBe(503)
    expect(lines(spies.info)).toEqual([expect.objectContaining({ level: 'info', reason: 'closing', status: 503 })])
  })

  it('writes nothing with logger: false', async () => {
    const spies = consoleSpies()
    const { receiver, post, sign } = setup({ logger: false })
    receiver.on('streamCreated', () => {
      throw new Error('db down')
    })
    await post(sign('stream_create'))
    await post(withBadSignature(sign('stream_create')))
    for (const spy of Object.values(spies)) expect(spy).not.toHaveBeenCalled()
  })

  it('through Express: a refused request leaves a line in the output', async () => {
    const spies = consoleSpies()
    const app = express().use(zegoCallbacks({ secret }))
    await request(app).post('/zego/callback').send({ event: 'stream_create' }).expect(401)
    expect(lines(spies.warn)).toEqual([
      expect.objectContaining({ reason: 'missing_signature', status: 401, msg: '401 missing_signature: the callback has no timestamp, nonce, signature' }),
    ])
  })
})

describe('the logger option', () => {
  it('holds back a flood: 10 lines a minute per reason, then the count on the next line', async () => {
    const { logger, lines } = captureLogger()
    const { clock, post, sign } = setup({ logger })
    for (let i = 0; i < 25; i++) await post(withBadSignature(sign('stream_create')))
    await post(sign('stream_create', { stream_seq: 'x' }))
    expect(lines.map((line) => line.fields.reason)).toEqual([...Array(10).fill('bad_signature'), 'invalid_payload'])
    expect(lines[9]?.message).toMatch(/ \(10 bad_signature lines this minute: the next ones are counted, not written, until 2023-11-14T22:14:20\.000Z\)$/)
    clock.now += 59_999
    await post(withBadSignature(sign('stream_create')))
    expect(lines).toHaveLength(11)
    clock.now += 1
    await post(withBadSignature(sign('stream_create')))
    expect(lines).toHaveLength(12)
    expect(lines[11]?.fields).toMatchObject({ reason: 'bad_signature', suppressed: 16 })
    expect(lines[11]?.message).toMatch(/ \(16 more bad_signature lines were held back by the rate limit\)$/)
  })

  it('gives pino its fields and message: one JSON line with the listener error serialized', async () => {
    const written: string[] = []
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString())
        done()
      },
    })
    const { receiver, post, sign } = setup({ logger: pino(destination) })
    receiver.on('mixStarted', () => {
      throw new TypeError('db down')
    })
    expect((await post(sign('mix_start'))).status).toBe(500)
    await new Promise((resolve) => setImmediate(resolve))
    expect(written).toHaveLength(1)
    expect(JSON.parse(written[0] as string)).toMatchObject({
      level: 50,
      msg: '500 listener_failed: 1 listener(s) failed',
      reason: 'listener_failed',
      status: 500,
      event: 'mix_start',
      err: { type: 'TypeError', message: 'db down' },
    })
  })

  it('reports failures no answer carries (a store failing after delivery), with an error listener or not', async () => {
    const { logger, lines } = captureLogger()
    const failing = {
      claim: () => ({ status: 'claimed' as const, signatureSeen: false, attempts: 0 }),
      complete: () => Promise.reject(new Error('redis gone')),
      renew: () => true,
      release: () => undefined,
    }
    const { receiver, post, sign } = setup({ logger, store: failing })
    const errors: string[] = []
    receiver.on('error', ({ error }) => {
      errors.push(error.code)
    })
    expect((await post(sign('mix_start'))).status).toBe(200)
    await receiver.close()
    expect(errors).toEqual(['store_failed'])
    expect(lines).toEqual([
      {
        level: 'error',
        fields: { reason: 'store_failed', key: expect.stringMatching(/^mix_start:/), attempt: 1, err: new Error('redis gone') },
        message: 'store_failed after the answer to ZEGO: the delivery store failed recording the outcome',
      },
    ])
  })

  it('a logger that throws changes no answer', async () => {
    const throwing = { info: () => {}, warn: () => { throw new Error('log down') }, error: () => { throw new Error('log down') } }
    const { receiver, post, sign } = setup({ logger: throwing })
    receiver.on('streamCreated', () => {
      throw new Error('db down')
    })
    expect((await post(withBadSignature(sign('stream_create')))).status).toBe(401)
    expect((await post(sign('stream_create'))).status).toBe(500)
  })
})

describe('the delivered event', () => {
  it('carries the callback, its key, attempt and the time to the answer', async () => {
    const { receiver, clock, post, sign } = setup({ logger: false })
    let fail = true
    receiver.on('streamCreated', async () => {
      clock.now += 42
      if (fail) {
        fail = false
        throw new Error('once')
      }
    })
    const seen: DeliveredEvent[] = []
    receiver.on('delivered', (event) => {
      seen.push(event)
    })
    const payload = sign('stream_create')
    expect((await post(payload)).status).toBe(500)
    expect(seen).toEqual([])
    expect((await post(payload)).status).toBe(200)
    expect((await post(payload)).body).toEqual({ ok: true, duplicate: true })
    expect(seen).toEqual([
      {
        product: 'rtc',
        event: 'stream_create',
        appId: 1,
        timestampMs: Number(payload['timestamp']) * 1000,
        raw: expect.objectContaining({ stream_sid: String(payload['stream_sid']) }) as unknown,
        key: expect.stringMatching(/^stream_create:1:/),
        attempt: 2,
        receivedAt: new Date(start + 42),
        durationMs: 42,
      },
    ])
  })
})

describe('the diagnostics_channel tracing channel', () => {
  const channel = tracingChannel<unknown, CallbackTrace>(CALLBACK_TRACING_CHANNEL)

  function subscribe() {
    const events: Array<[string, CallbackTrace, Record<string, unknown>]> = []
    const at = (name: string) => (message: unknown) => {
      const trace = message as CallbackTrace
      events.push([name, trace, { ...trace }])
    }
    const handlers = { start: at('start'), end: at('end'), asyncStart: at('asyncStart'), asyncEnd: at('asyncEnd'), error: at('error') }
    channel.subscribe(handlers)
    return { events, unsubscribe: () => channel.unsubscribe(handlers) }
  }

  it('builds nothing when nobody subscribes', () => {
    expect(startTrace(new Date())).toBeUndefined()
  })

  it('publishes start and end, then asyncStart and asyncEnd with the callback, key, attempt, status and duration', async () => {
    const { events, unsubscribe } = subscribe()
    try {
      const { receiver, clock, post, sign } = setup({ logger: false })
      receiver.on('streamCreated', () => {
        clock.now += 7
      })
      const payload = sign('stream_create')
      await post(payload)
      await post(payload)
      expect(events.map(([name]) => name)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd', 'start', 'end', 'asyncStart', 'asyncEnd'])
      const [first, second] = [events[0]?.[1], events[4]?.[1]]
      expect(events.slice(0, 4).every(([, trace]) => trace === first)).toBe(true)
      expect(events[0]?.[2]).toEqual({ receivedAt: new Date(start) })
      expect(first).toEqual({
        receivedAt: new Date(start),
        product: 'rtc',
        event: 'stream_create',
        appId: 1,
        key: expect.stringMatching(/^stream_create:1:/),
        attempt: 1,
        duplicate: false,
        status: 200,
        result: { status: 200, headers: {}, body: { ok: true } },
        durationMs: 7,
      })
      expect(second).toMatchObject({ key: first?.key, duplicate: true, status: 200, durationMs: 0 })
      expect(second?.attempt).toBeUndefined()
    } finally {
      unsubscribe()
    }
  })

  it('publishes error for an answer that is not 2xx, with the error and reason', async () => {
    const { events, unsubscribe } = subscribe()
    try {
      const { receiver, post, sign } = setup({ logger: false })
      receiver.on('mixStarted', () => {
        throw new Error('db down')
      })
      await post(sign('mix_start'))
      await post(withBadSignature(sign('mix_start')))
      expect(events.map(([name]) => name)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd', 'start', 'end', 'error', 'asyncStart', 'asyncEnd'])
      expect(events[2]?.[1]).toMatchObject({ event: 'mix_start', attempt: 1, status: 500, reason: 'listener_failed', error: { code: 'listener_failed' } })
      expect(events[7]?.[1]).toMatchObject({ status: 401, reason: 'bad_signature', error: { code: 'bad_signature' } })
      expect(events[7]?.[1].event).toBeUndefined()
    } finally {
      unsubscribe()
    }
  })

  it("runs the request within the stores bound to start, so an APM's context reaches the listeners", async () => {
    const store = new AsyncLocalStorage<string>()
    channel.start.bindStore(store, (trace) => `span of ${trace.receivedAt.getTime()}`)
    try {
      const { receiver, post, sign } = setup({ logger: false })
      const seen: Array<string | undefined> = []
      receiver.on('streamCreated', async () => {
        await new Promise((resolve) => setImmediate(resolve))
        seen.push(store.getStore())
      })
      await post(sign('stream_create'))
      expect(seen).toEqual([`span of ${start}`])
      expect(store.getStore()).toBeUndefined()
    } finally {
      channel.start.unbindStore(store)
    }
  })
})
