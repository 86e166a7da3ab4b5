import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  MemoryDeliveryStore,
  ZegoReceiver,
  type CallbackResponse,
  type ClaimRequest,
  type CompleteRequest,
  type DeliveryContext,
  type DeliveryStore,
  type KeyValueStore,
} from '../src/index.js'
import { toFormBody, toJsonBody, type CallbackPayload } from '../src/testing/index.js'
import { deferred, deliveryHarness } from './support/delivery.js'
import { MapKeyValueStore } from './support/kv-store.js'

const secret = 'delivery-secret'
const harness = deliveryHarness(secret)
const { clock, setup, sign } = harness
/** A retry ZEGO signed anew, by default 2 s later. */
const resign = (payload: CallbackPayload, laterSeconds = 2) => harness.resign(payload, laterSeconds)

afterEach(() => {
  harness.reset()
  vi.useRealTimers()
})

describe('deduplication', () => {
  it('answers the same signed request again with 200 without running the listeners, and emits duplicate', async () => {
    const { post, seen } = setup()
    const payload = sign('stream_create')
    expect((await post(payload)).status).toBe(200)
    const again = await post(payload)
    expect(again).toMatchObject({ status: 200, body: { ok: true, duplicate: true } })
    expect(seen.delivered).toHaveLength(1)
    expect(seen.duplicates).toHaveLength(1)
    expect(seen.duplicates[0]).toMatchObject({ event: 'stream_create', matchedBy: 'signature', key: seen.delivered[0]?.delivery.key })
    expect(seen.rejected).toEqual([])
  })

  it.each([
    ['stream_create', { stream_sid: 'sid-1', stream_seq: '3' }],
    ['stream_close', { stream_sid: 'sid-1', stream_seq: '4' }],
    ['mix_start', { task_id: 'task-1', seq: '7' }],
    ['mix_stop', { task_id: 'task-1', seq: '8' }],
    ['room_create', { room_session_id: '6085791336856668982' }],
    ['room_close', { room_session_id: '6085791336856668982' }],
    ['room_login', { session_id: '7254119327986670314' }],
    ['room_logout', { session_id: '7254119327986670314' }],
  ])('recognises a %s retry signed anew by its key', async (event, fields) => {
    const { post, seen } = setup()
    const first = sign(event, fields)
    expect((await post(first)).status).toBe(200)
    const retry = resign(first)
    expect(retry['nonce']).not.toBe(first['nonce'])
    expect((await post(retry)).body).toEqual({ ok: true, duplicate: true })
    expect(seen.delivered).toHaveLength(1)
    expect(seen.duplicates[0]?.matchedBy).toBe('key')
  })

  it.each([
    ['stream_create', { stream_sid: 'sid-1', stream_seq: '3' }, { stream_seq: '4' }],
    ['stream_create', { stream_sid: 'sid-1', stream_seq: '3' }, { stream_sid: 'sid-2' }],
    ['mix_start', { task_id: 'task-1', seq: '7' }, { seq: '8' }],
    ['mix_start', { task_id: 'task-1', seq: '7' }, { task_id: 'task-2' }],
    ['room_create', { room_session_id: '1' }, { room_session_id: '2' }],
    ['room_login', { session_id: '1' }, { session_id: '2' }],
  ])('delivers a %s that differs in an identifying field', async (event, fields, change) => {
    const { post, seen } = setup()
    expect((await post(sign(event, fields))).status).toBe(200)
    expect((await post(sign(event, { ...fields, ...change }))).status).toBe(200)
    expect(seen.delivered).toHaveLength(2)
    expect(seen.duplicates).toEqual([])
  })

  it('keeps stream_create and stream_close of one stream apart, and two AppIDs apart', async () => {
    const { post, seen } = setup()
    const fields = { stream_sid: 'sid-1', stream_seq: '3' }
    await post(sign('stream_create', fields))
    await post(sign('stream_close', fields))
    await post(sign('stream_create', { ...fields, appid: '2' }))
    expect(seen.delivered.map((d) => d.event)).toEqual(['stream_create', 'stream_close', 'stream_create'])
  })

  it("compares stream_seq as a number: ZEGO's \"01\" and \"1\" are one callback", async () => {
    const { post, seen } = setup()
    await post(sign('stream_create', { stream_sid: 'sid-1', stream_seq: '01' }))
    await post(sign('stream_create', { stream_sid: 'sid-1', stream_seq: '1' }))
    expect(seen.delivered).toHaveLength(1)
    expect(seen.duplicates).toHaveLength(1)
  })

  it('keeps 19-digit identifiers exact in the key: neighbours past 2^53 are different callbacks', async () => {
    const { post, seen } = setup()
    await post(sign('room_login', { session_id: '7254119327986670314' }))
    await post(sign('room_login', { session_id: '7254119327986670315' }))
    expect(seen.delivered).toHaveLength(2)
  })

  it('dedupes an unmodeled event only by its signature triple', async () => {
    const { post, seen } = setup()
    const first = sign('some_future_event', { thing: 'x' })
    await post(first)
    await post(first)
    await post(resign(first))
    expect(seen.delivered).toHaveLength(2)
    expect(seen.duplicates.map((d) => d.matchedBy)).toEqual(['signature'])
    expect(seen.delivered[0]?.delivery.key).toMatch(/^sig:/)
  })

  it('the same callback as JSON and as a form body is one callback', async () => {
    const { post, seen } = setup()
    const payload = sign('mix_start')
    await post(toJsonBody(payload))
    expect((await post(toFormBody(payload), 'application/x-www-form-urlencoded')).body).toEqual({ ok: true, duplicate: true })
    expect((await post(` ${toJsonBody(payload)}\n`)).body).toEqual({ ok: true, duplicate: true })
    expect(seen.delivered).toHaveLength(1)
  })

  it('compares bodies field by field in order: the same triple with its fields reordered is another body', async () => {
    // ZEGO resends a request as it was; nothing between it and us reorders JSON keys.
    const { post, seen } = setup()
    const payload = sign('mix_start')
    await post(payload)
    const reordered = Object.fromEntries(Object.entries(payload).reverse())
    expect((await post(reordered)).body).toMatchObject({ reason: 'replayed_signature' })
    expect(seen.delivered).toHaveLength(1)
  })

  it('uses the dedupeKey option, and falls back to the default key when it returns undefined', async () => {
    const { post, seen } = setup({
      dedupeKey: ({ event, raw }) => (event === 'stream_create' ? String(raw['stream_id']) : undefined),
    })
    await post(sign('stream_create', { stream_id: 'a', stream_sid: 'sid-1' }))
    await post(sign('stream_create', { stream_id: 'a', stream_sid: 'sid-2' }))
    await post(sign('stream_create', { stream_id: 'b', stream_sid: 'sid-1' }))
    const mix = sign('mix_start', { seq: '1' })
    await post(mix)
    await post(resign(mix))
    expect(seen.delivered.map((d) => d.delivery.key)).toEqual(['user:a', 'user:b', expect.stringMatching(/^mix_start:/)])
  })

  it('answers 500 internal_error when dedupeKey returns something other than a string', async () => {
    const { post, seen } = setup({ dedupeKey: () => 42 as unknown as string })
    expect((await post(sign('mix_start'))).status).toBe(500)
    expect(seen.rejected[0]?.reason).toBe('internal_error')
    expect(seen.delivered).toEqual([])
  })

  it('forgets a delivered callback retentionMs after it was last seen, and not before', async () => {
    // A short tolerance: what was delivered under a triple is remembered while the triple is fresh too.
    const { post, seen } = setup({ retentionMs: 60_000, toleranceSeconds: 30 })
    const first = sign('mix_start')
    await post(first)
    clock.now += 59_000
    await post(resign(first)) // a repeat: remembered for another 60 s from now
    expect(seen.delivered).toHaveLength(1)
    clock.now += 59_000
    await post(resign(first))
    expect(seen.delivered).toHaveLength(1)
    clock.now += 61_000
    await post(resign(first))
    expect(seen.delivered).toHaveLength(2)
  })

  it('remembers a signature triple for as long as its timestamp is fresh, beyond a short retention', async () => {
    const { post, seen } = setup({ retentionMs: 1_000 })
    const first = sign('some_future_event')
    await post(first)
    clock.now += 250_000
    expect((await post(first)).body).toEqual({ ok: true, duplicate: true })
    expect(seen.delivered).toHaveLength(1)
  })

  it('answers a repeat that a synchronous listener receives while it runs as a duplicate once the first run is recorded', async () => {
    const { receiver, post, seen } = setup()
    const payload = sign('stream_create')
    let inner: Promise<CallbackResponse> | undefined
    receiver.on('streamCreated', () => {
      inner ??= post(payload)
    })
    expect((await post(payload)).body).toEqual({ ok: true })
    expect((await inner)?.body).toEqual({ ok: true, duplicate: true })
    expect(seen.delivered).toHaveLength(1)
    expect(seen.rejected).toEqual([])
  })
})

describe('tamper defence', () => {
  it('refuses the same signature triple with another body: 401 replayed_signature, no listener', async () => {
    const { post, seen } = setup()
    const genuine = sign('stream_create', { stream_id: 'real' })
    await post(genuine)
    const swapped = { ...genuine, stream_id: 'forged', stream_sid: 'other' }
    const answer = await post(swapped)
    expect(answer).toMatchObject({ status: 401, body: { ok: false, reason: 'replayed_signature' } })
    expect(seen.rejected.map((r) => [r.reason, r.status])).toEqual([['replayed_signature', 401]])
    expect(seen.delivered).toHaveLength(1)
  })

  it('refuses a swapped body even when the genuine delivery failed and awaits its retry', async () => {
    const { receiver, post, seen } = setup()
    let failures = 1
    receiver.on('streamCreated', () => {
      if (failures-- > 0) throw new Error('db down')
    })
    const genuine = sign('stream_create')
    expect((await post(genuine)).status).toBe(500)
    expect((await post({ ...genuine, room_id: 'elsewhere' })).status).toBe(401)
    expect((await post(genuine)).status).toBe(200)
    expect(seen.delivered.map((d) => d.delivery.attempt)).toEqual([1, 2])
  })

  it('refuses a swapped body sent at the same moment as the genuine one, whichever the store saw first', async () => {
    const { post, seen } = setup()
    const genuine = sign('mix_start')
    const answers = await Promise.all([post(genuine), post({ ...genuine, seq: '999' })])
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401])
    expect(seen.delivered).toHaveLength(1)
  })
})

describe('retries after failure', () => {
  it('runs the listeners again on the retry after a 500, with the attempt number, then absorbs the next repeat', async () => {
    const { receiver, post, seen } = setup()
    let failures = 1
    receiver.on('mixStarted', () => {
      if (failures-- > 0) throw new Error('transient')
    })
    const first = sign('mix_start')
    expect((await post(first)).status).toBe(500)
    expect(seen.rejected[0]?.reason).toBe('listener_failed')
    expect((await post(resign(first))).status).toBe(200)
    expect((await post(resign(first, 4))).body).toEqual({ ok: true, duplicate: true })
    expect(seen.delivered.map((d) => d.delivery.attempt)).toEqual([1, 2])
    expect(new Set(seen.delivered.map((d) => d.delivery.key)).size).toBe(1)
  })

  it('waits for every async listener of an event: one that rejects after the others resolved answers 500 with its error', async () => {
    const { receiver, post, seen } = setup()
    const order: string[] = []
    receiver.on('mixStarted', async () => {
      order.push('first')
    })
    receiver.on('mixStarted', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      order.push('second')
      throw new Error('late failure')
    })
    receiver.on('mixStarted', async () => {
      await Promise.resolve()
      order.push('third')
    })
    const answer = await post(sign('mix_start'))
    expect(answer.status).toBe(500)
    expect(order).toEqual(['first', 'third', 'second'])
    expect(seen.rejected.map((r) => r.reason)).toEqual(['listener_failed'])
    expect((seen.rejected[0]?.error as { errors?: unknown[] } | undefined)?.errors).toEqual([new Error('late failure')])
  })

  it('gives every listener the same DeliveryContext: key, attempt and when the request arrived', async () => {
    const { receiver, post } = setup()
    const contexts: DeliveryContext[] = []
    receiver.on('streamCreated', (_event, delivery) => {
      contexts.push(delivery)
    })
    receiver.on('callback', (_event, delivery) => {
      contexts.push(delivery)
    })
    await post(sign('stream_create', { stream_sid: 'sid-9', stream_seq: '2' }))
    expect(contexts).toHaveLength(2)
    expect(contexts[0]).toBe(contexts[1])
    expect(contexts[0]).toEqual({ key: 'stream_create:1:sid-9:2', attempt: 1, receivedAt: new Date(clock.now) })
  })

  it('makes a retry that arrives during the first attempt wait for it and answer with its outcome', async () => {
    const { receiver, post, seen } = setup()
    const gate = deferred()
    let running = 0
    let overlap = false
    receiver.on('mixStarted', async () => {
      running++
      overlap ||= running > 1
      await gate.promise
      running--
    })
    const first = sign('mix_start')
    const answers = [post(first), post(first), post(resign(first))]
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(seen.delivered).toHaveLength(1)
    gate.resolve()
    const statuses = (await Promise.all(answers)).map((a) => a.status)
    expect(statuses).toEqual([200, 200, 200])
    expect(overlap).toBe(false)
    expect(seen.delivered).toHaveLength(1)
    expect(seen.duplicates.map((d) => d.matchedBy).sort()).toEqual(['key', 'signature'])
  })

  it('answers a waiting retry 500 too when the attempt it waited for fails; the next retry runs again', async () => {
    const { receiver, post, seen } = setup()
    const gate = deferred()
    let calls = 0
    receiver.on('mixStarted', async () => {
      calls++
      if (calls === 1) {
        await gate.promise
        throw new Error('first attempt fails')
      }
    })
    const first = sign('mix_start')
    const answers = [post(first), post(resign(first))]
    await new Promise((resolve) => setTimeout(resolve, 20))
    gate.resolve()
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual([500, 500])
    expect((await post(resign(first, 6))).status).toBe(200)
    expect(seen.delivered.map((d) => d.delivery.attempt)).toEqual([1, 2])
  })
})

describe('failure policy', () => {
  it("'acknowledge' answers 200, emits error with the failure, and absorbs the retry", async () => {
    const { receiver, post, seen } = setup({ failurePolicy: 'acknowledge' })
    const boom = new Error('bad row')
    receiver.on('mixStarted', () => {
      throw boom
    })
    const first = sign('mix_start')
    expect(await post(first)).toMatchObject({ status: 200, body: { ok: true } })
    expect(seen.rejected).toEqual([])
    expect(seen.errors).toHaveLength(1)
    expect(seen.errors[0]?.error.code).toBe('listener_failed')
    expect((seen.errors[0]?.error as { errors?: unknown[] }).errors).toEqual([boom])
    expect(seen.errors[0]?.delivery?.attempt).toBe(1)
    expect((await post(resign(first))).body).toEqual({ ok: true, duplicate: true })
  })

  it('a function chooses the status from the error and the delivery', async () => {
    const policy = vi.fn((_error: unknown, delivery: DeliveryContext) => (delivery.attempt >= 2 ? 202 : 503))
    const { receiver, post, seen } = setup({ failurePolicy: policy })
    receiver.on('mixStarted', () => {
      throw new Error('always')
    })
    const first = sign('mix_start')
    expect((await post(first)).status).toBe(503)
    expect(seen.rejected[0]).toMatchObject({ reason: 'listener_failed', status: 503 })
    expect((await post(resign(first))).status).toBe(202)
    expect(policy.mock.calls.map(([, delivery]) => delivery.attempt)).toEqual([1, 2])
    expect(seen.errors.map((e) => e.error.code)).toEqual(['listener_failed'])
    expect((await post(resign(first, 4))).body).toEqual({ ok: true, duplicate: true })
  })

  it.each([
    ['throws', () => {
      throw new Error('policy bug')
    }],
    ['returns a non-status', () => 42],
  ])('a function that %s answers 500 and reports internal_error', async (_name, policy) => {
    const { receiver, post, seen } = setup({ failurePolicy: policy })
    receiver.on('mixStarted', () => {
      throw new Error('listener')
    })
    expect((await post(sign('mix_start'))).status).toBe(500)
    expect(seen.errors.map((e) => e.error.code)).toEqual(['internal_error'])
  })

  it('logs an acknowledged failure with the listener\'s error on the default logger, and warns nothing on the process', async () => {
    const receiver = new ZegoReceiver({ secret, now: () => clock.now, failurePolicy: 'acknowledge' })
    receiver.on('mixStarted', () => {
      throw new Error('quiet failure')
    })
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    const written = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    process.on('warning', onWarning)
    try {
      const answer = await receiver.receive({ method: 'POST', contentType: 'application/json', body: toJsonBody(sign('mix_start')) })
      expect(answer.status).toBe(200)
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toEqual([])
      expect(written).toHaveBeenCalledTimes(1)
      const line = JSON.parse(String(written.mock.calls[0]?.[0]))
      expect(line).toMatchObject({ level: 'error', name: 'zego-callbacks', reason: 'listener_failed', attempt: 1, err: { message: 'quiet failure' } })
      expect(line.key).toMatch(/^mix_start:/)
    } finally {
      process.off('warning', onWarning)
      written.mockRestore()
    }
  })
})

describe('deadlines, load and shutdown', () => {
  it('answers 503 listener_timeout past the deadline; the work goes on and the retry after it is a duplicate', async () => {
    const { receiver, post, seen } = setup({ listenerTimeoutMs: 30 })
    const gate = deferred()
    let finished = false
    receiver.on('mixStarted', async () => {
      await gate.promise
      finished = true
    })
    const first = sign('mix_start')
    const answer = await post(first)
    expect(answer).toMatchObject({ status: 503, body: { reason: 'listener_timeout' } })
    expect(receiver.inFlight).toBe(1)
    gate.resolve()
    await receiver.close()
    expect(finished).toBe(true)
    expect(receiver.inFlight).toBe(0)
  })

  it('a retry during an overrunning attempt waits for it again, and gets 200 once it succeeds', async () => {
    const { receiver, post, seen } = setup({ listenerTimeoutMs: 40 })
    const gate = deferred()
    receiver.on('mixStarted', () => gate.promise)
    const first = sign('mix_start')
    expect((await post(first)).status).toBe(503)
    const retry = post(resign(first))
    setTimeout(gate.resolve, 10)
    expect((await retry).body).toEqual({ ok: true, duplicate: true })
    expect(seen.delivered).toHaveLength(1)
    expect((await post(resign(first, 4))).body).toEqual({ ok: true, duplicate: true })
  })

  it('reports a failure that happens after the deadline answered, so it is not lost silently', async () => {
    const { receiver, post, seen } = setup({ listenerTimeoutMs: 20 })
    const gate = deferred()
    receiver.on('mixStarted', async () => {
      await gate.promise
      throw new Error('late failure')
    })
    expect((await post(sign('mix_start'))).status).toBe(503)
    gate.resolve()
    await receiver.close()
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen.errors.map((e) => e.error.code)).toEqual(['listener_failed'])
  })

  // Changed in 1.1 (hardening): a callback counts against maxInFlight once it is verified, so its
  // body is read first (unverified requests cannot take the room), and the connection stays open.
  it('answers 503 overloaded beyond maxInFlight verified callbacks, and takes callbacks again after', async () => {
    const { receiver, post, seen } = setup({ maxInFlight: 2 })
    const gate = deferred()
    receiver.on('mixStarted', () => gate.promise)
    const busy = [post(sign('mix_start', { seq: '1' })), post(sign('mix_start', { seq: '2' }))]
    const over = await post(sign('mix_start', { seq: '3' }))
    expect(over).toMatchObject({ status: 503, body: { reason: 'overloaded' }, headers: {} })
    expect(over.headers).not.toHaveProperty('Connection')
    gate.resolve()
    expect((await Promise.all(busy)).map((a) => a.status)).toEqual([200, 200])
    expect((await post(sign('mix_start', { seq: '3' }))).status).toBe(200)
    expect(seen.rejected.map((r) => r.reason)).toEqual(['overloaded'])
  })

  it('counts listeners still running after a deadline towards maxInFlight', async () => {
    const { receiver, post } = setup({ maxInFlight: 1, listenerTimeoutMs: 10 })
    const gate = deferred()
    receiver.on('mixStarted', () => gate.promise)
    expect((await post(sign('mix_start', { seq: '1' }))).status).toBe(503)
    expect((await post(sign('mix_start', { seq: '2' }))).body).toMatchObject({ reason: 'overloaded' })
    gate.resolve()
    await receiver.close()
  })

  it('close() refuses new callbacks with 503 closing and resolves only after those in flight finished', async () => {
    const { receiver, post, seen } = setup()
    const gate = deferred()
    receiver.on('mixStarted', () => gate.promise)
    const inFlight = post(sign('mix_start', { seq: '1' }))
    await new Promise((resolve) => setTimeout(resolve, 5))
    let closed = false
    const closing = receiver.close().then(() => {
      closed = true
    })
    expect(await post(sign('mix_start', { seq: '2' }))).toMatchObject({ status: 503, body: { reason: 'closing' } })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(closed).toBe(false)
    gate.resolve()
    await closing
    expect((await inFlight).status).toBe(200)
    expect(seen.delivered).toHaveLength(1)
  })
})

describe('the store', () => {
  /** A 1.0 key-value store whose chosen method fails on demand (the receiver wraps it in keyValueDeliveryStore). */
  function flakyKeyValue(fail: { get?: boolean; setIfAbsent?: boolean; delete?: boolean }): KeyValueStore {
    const inner = new MapKeyValueStore(() => clock.now)
    const maybe = (name: keyof typeof fail) => {
      if (fail[name]) throw new Error(`store ${name} down: redis://user:password@host`)
    }
    return {
      get: async (key) => (maybe('get'), inner.get(key)),
      setIfAbsent: async (key, value, ttl) => (maybe('setIfAbsent'), inner.setIfAbsent(key, value, ttl)),
      delete: async (key) => (maybe('delete'), inner.delete(key)),
    }
  }

  /** A MemoryDeliveryStore whose chosen protocol step fails on demand. */
  function flaky(fail: Partial<Record<keyof DeliveryStore, boolean>>): DeliveryStore {
    const inner = new MemoryDeliveryStore({ now: () => clock.now })
    const maybe = (name: keyof DeliveryStore) => {
      if (fail[name]) throw new Error(`store ${name} down: redis://user:password@host`)
    }
    return {
      claim: async (request) => (maybe('claim'), inner.claim(request)),
      complete: async (request) => (maybe('complete'), inner.complete(request)),
      renew: async (key, token, ms) => (maybe('renew'), inner.renew(key, token, ms)),
      release: async (key, token) => (maybe('release'), inner.release(key, token)),
    }
  }

  it.each([
    ['claim', () => flaky({ claim: true })],
    ['a 1.0 store\'s get', () => flakyKeyValue({ get: true })],
    ['a 1.0 store\'s setIfAbsent', () => flakyKeyValue({ setIfAbsent: true })],
  ] as const)('answers 503 store_failed when %s fails, runs no listener, and leaks nothing of the store error', async (_name, store) => {
    const { post, seen } = setup({ store: store() })
    const answer = await post(sign('mix_start'))
    expect(answer).toMatchObject({ status: 503, body: { ok: false, reason: 'store_failed' } })
    expect(JSON.stringify(answer.body)).not.toContain('password')
    expect(seen.delivered).toEqual([])
    expect(seen.rejected[0]?.error.cause).toBeInstanceOf(Error)
  })

  it.each([
    ['complete', () => flaky({ complete: true })],
    ['a 1.0 store\'s delete', () => flakyKeyValue({ delete: true })],
  ] as const)('still answers 200 when %s fails after the listeners succeeded, and reports it as error', async (_name, store) => {
    const { post, seen } = setup({ store: store() })
    expect((await post(sign('mix_start'))).status).toBe(200)
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen.delivered).toHaveLength(1)
    expect(seen.errors.map((e) => e.error.code)).toContain('store_failed')
  })

  it('answers 503 store_failed when a 1.0 store returns a record this package did not write', async () => {
    const inner = new MapKeyValueStore()
    const store: KeyValueStore = {
      get: async (key) => (key.startsWith('zego:state:') ? 'garbage' : inner.get(key)),
      setIfAbsent: (key, value, ttl) => inner.setIfAbsent(key, value, ttl),
      delete: (key) => inner.delete(key),
    }
    const { post, seen } = setup({ store })
    expect((await post(sign('mix_start'))).status).toBe(503)
    expect(seen.delivered).toEqual([])
  })

  it('waits for a store and listeners that answer with thenables, not native promises', async () => {
    // What a user's code returns is told by its `then`, not by `instanceof Promise`.
    const later = <T>(value: () => T): PromiseLike<T> => ({
      then: (resolve) => {
        setTimeout(() => resolve?.(value()), 5)
        return undefined as never
      },
    })
    const inner = new MemoryDeliveryStore({ now: () => clock.now })
    const store: DeliveryStore = {
      claim: (request) => later(() => inner.claim(request)) as never,
      complete: (request) => later(() => inner.complete(request)) as never,
      renew: (key, token, ms) => inner.renew(key, token, ms),
      release: (key, token) => inner.release(key, token),
    }
    const { receiver, post, seen } = setup({ store })
    const ran: string[] = []
    receiver.on('mixStarted', () => later(() => ran.push('listener')))
    const payload = sign('mix_start')
    expect(await post(payload)).toMatchObject({ status: 200, body: { ok: true } })
    expect(ran).toEqual(['listener'])
    expect((await post(payload)).body).toEqual({ ok: true, duplicate: true })
    expect(ran).toEqual(['listener'])
    expect(seen.delivered).toHaveLength(1)
  })

  it('answers 503 store_failed when a store claims with something that is not a ClaimResult', async () => {
    const store: DeliveryStore = { ...new MemoryDeliveryStore(), claim: () => ({ status: 'maybe' }) as never, complete: () => true, renew: () => true, release: () => {} }
    const { post, seen } = setup({ store })
    expect((await post(sign('mix_start'))).body).toMatchObject({ reason: 'store_failed', message: expect.stringContaining('not a ClaimResult') })
    expect(seen.delivered).toEqual([])
  })

  it.each([
    ['the memory store', () => new MemoryDeliveryStore({ now: () => clock.now })],
    ['a 1.0 store', () => new MapKeyValueStore(() => clock.now)],
  ] as const)('lets two receivers sharing %s deliver a callback once, whichever gets it and in any order', async (_name, create) => {
    const store = create()
    const a = setup({ store })
    const b = setup({ store })
    const gate = deferred()
    a.receiver.on('mixStarted', () => gate.promise)
    b.receiver.on('mixStarted', () => gate.promise)
    const first = sign('mix_start')
    const answers = [a.post(first), b.post(resign(first))]
    setTimeout(gate.resolve, 60)
    expect((await Promise.all(answers)).map((x) => x.status)).toEqual([200, 200])
    expect(a.seen.delivered.length + b.seen.delivered.length).toBe(1)
    expect(b.seen.duplicates).toHaveLength(1)
    expect((await b.post(resign(first, 4))).body).toEqual({ ok: true, duplicate: true })
  })

  it('lets another instance take over a callback whose lock outlived a crashed holder', async () => {
    const store = new MemoryDeliveryStore({ now: () => clock.now })
    const first = sign('mix_start')
    const { receiver: probe, seen: probeSeen } = setup({ store })
    await probe.receive({ method: 'POST', contentType: 'application/json', body: toJsonBody(sign('mix_start', { seq: '0', task_id: String(first['task_id']) })) })
    const key = probeSeen.delivered[0]?.delivery.key.replace(/:0$/, `:${String(first['seq'])}`) ?? ''
    const crashed = store.claim({ key, signature: 'crashed', digest: 'x', token: 'crashed', retainMs: 30_000, lockMs: 30_000 })
    expect(crashed).toMatchObject({ status: 'claimed' })
    const { post, seen } = setup({ store, listenerTimeoutMs: 100 })
    expect((await post(first)).body).toMatchObject({ reason: 'listener_timeout' })
    clock.now += 31_000
    expect((await post(resign(first))).status).toBe(200)
    expect(seen.delivered).toHaveLength(1)
  })
})

describe('MemoryDeliveryStore', () => {
  const claim = (store: MemoryDeliveryStore, overrides: Partial<ClaimRequest> = {}) =>
    store.claim({ key: 'k', signature: 's', digest: 'd', token: 't', retainMs: 1_000, lockMs: 100, ...overrides })
  const complete = (store: MemoryDeliveryStore, overrides: Partial<CompleteRequest> = {}) =>
    store.complete({ key: 'k', token: 't', outcome: 'delivered', attempts: 1, answer: undefined, retainMs: 1_000, ...overrides })

  it('claims a new key, refuses a signature seen with another body, and holds the lock for its owner', () => {
    let now = 0
    const store = new MemoryDeliveryStore({ now: () => now })
    expect(claim(store)).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
    expect(claim(store, { digest: 'other', token: 'u' })).toEqual({ status: 'replayed' })
    expect(claim(store, { signature: 's2', token: 'u' })).toEqual({ status: 'busy', signatureSeen: false })
    expect(claim(store, { token: 'u' })).toEqual({ status: 'busy', signatureSeen: true })
    expect(store.renew('k', 'u', 100)).toBe(false)
    now = 99
    expect(store.renew('k', 't', 100)).toBe(true)
    now = 150 // renewed to 199: still held
    expect(claim(store, { signature: 's3', token: 'u' })).toMatchObject({ status: 'busy' })
    now = 199 // expired: anyone may take it
    expect(claim(store, { signature: 's4', token: 'u' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
    expect(store.renew('k', 't', 100)).toBe(false)
  })

  it('records a failure (counting runs), then a delivery with its answer, which every later claim repeats', () => {
    let now = 0
    const store = new MemoryDeliveryStore({ now: () => now })
    claim(store)
    expect(complete(store, { outcome: 'failed' })).toBe(true)
    expect(claim(store, { signature: 's2', token: 'u' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 1 })
    expect(complete(store, { token: 'u', attempts: 2, answer: '{"result":3}' })).toBe(true)
    expect(claim(store, { signature: 's3', token: 'v', retainMs: 5_000 })).toEqual({ status: 'delivered', signatureSeen: false, answer: '{"result":3}' })
    now = 4_999 // the delivered record was extended by the last claim's retainMs
    expect(claim(store, { signature: 's4', token: 'w' })).toMatchObject({ status: 'delivered' })
    // A late completion of a stale attempt cannot undo the delivery.
    expect(complete(store, { token: 'stale', outcome: 'failed' })).toBe(false)
    expect(claim(store, { signature: 's5', token: 'x' })).toMatchObject({ status: 'delivered' })
  })

  it('release lets the lock go for its owner only', () => {
    const store = new MemoryDeliveryStore({ now: () => 0 })
    claim(store)
    store.release('k', 'someone-else')
    expect(claim(store, { signature: 's2', token: 'u' })).toMatchObject({ status: 'busy' })
    store.release('k', 't')
    expect(claim(store, { signature: 's3', token: 'u' })).toMatchObject({ status: 'claimed' })
  })

  // Changed in 1.1 (hardening): 1.0 evicted records older than evictAfterMs to make room, which
  // forgot signatures that still verified (a swapped body then passed). Nothing is evicted now.
  it('stays within maxEntries by dropping expired records only, and refuses a claim when every record is live', () => {
    let now = 0
    const store = new MemoryDeliveryStore({ maxEntries: 1_000, now: () => now })
    for (let i = 0; i < 250; i++) claim(store, { key: `old-${i}`, signature: `old-${i}`, retainMs: 10, lockMs: 10 })
    expect(store.size).toBe(500)
    now = 20
    for (let i = 0; i < 500; i++) claim(store, { key: `new-${i}`, signature: `new-${i}`, retainMs: 60_000 })
    expect(store.size).toBe(1_000)
    expect(() => claim(store, { key: 'one-more', signature: 'one-more' })).toThrow(/full/)
    // Nothing live was forgotten: the first new signature still refuses another body.
    expect(claim(store, { key: 'new-0', signature: 'new-0', digest: 'swapped' })).toEqual({ status: 'replayed' })
    now = 60_020
    expect(claim(store, { key: 'one-more', signature: 'one-more' })).toMatchObject({ status: 'claimed' })
  })

  it('drops an expired record further in to make room, sweeping at most once a second', () => {
    let now = 0
    const store = new MemoryDeliveryStore({ maxEntries: 6, now: () => now })
    claim(store, { key: 'long', signature: 'long', retainMs: 60_000, lockMs: 60_000 })
    claim(store, { key: 'brief', signature: 'brief', retainMs: 10, lockMs: 10 })
    claim(store, { key: 'later', signature: 'later', retainMs: 500, lockMs: 500 })
    now = 100 // 'brief' has expired behind 'long', which is live: a sweep finds it
    expect(claim(store, { key: 'new', signature: 'new' })).toMatchObject({ status: 'claimed' })
    now = 600 // 'later' has expired too, but the last sweep was less than a second ago
    expect(() => claim(store, { key: 'next', signature: 'next' })).toThrow(/full/)
    now = 1_100
    expect(claim(store, { key: 'next', signature: 'next' })).toMatchObject({ status: 'claimed' })
  })

  it('keeps the room a claim took: its completion is recorded even when the store is full', () => {
    let now = 0
    const store = new MemoryDeliveryStore({ maxEntries: 3, now: () => now })
    claim(store, { lockMs: 10 })
    claim(store, { key: 'k2', token: 'u', lockMs: 60_000 })
    now = 50 // k's lock and record expired while its listeners ran, and k3 took the room
    expect(claim(store, { key: 'k3', token: 'v', lockMs: 60_000 })).toMatchObject({ status: 'claimed' })
    expect(complete(store)).toBe(false)
    expect(store.size).toBe(4)
    expect(claim(store, { token: 'w' })).toMatchObject({ status: 'delivered' })
  })

  it('keeps two receivers sharing a full store from running one callback at once: 503, never twice', async () => {
    const store = new MemoryDeliveryStore({ maxEntries: 4, now: () => clock.now })
    const a = setup({ store })
    const b = setup({ store })
    const gate = deferred()
    await a.post(sign('mix_start', { seq: '1' }))
    a.receiver.on('mixStarted', () => gate.promise)
    b.receiver.on('mixStarted', () => gate.promise)
    const first = sign('mix_start', { seq: '2' })
    const running = a.post(first)
    await new Promise((resolve) => setTimeout(resolve, 10))
    const answer = await b.post(resign(first))
    expect(answer.body).toMatchObject({ reason: 'store_failed' })
    gate.resolve()
    expect((await running).status).toBe(200)
    expect(a.seen.delivered.length + b.seen.delivered.length).toBe(2)
  })

  it('refuses a maxEntries that is not an integer of at least 2 (two records a callback)', () => {
    expect(() => new MemoryDeliveryStore({ maxEntries: 0 })).toThrow(/maxEntries/)
    expect(() => new MemoryDeliveryStore({ maxEntries: 1.5 })).toThrow(TypeError)
  })

  it('keeps the receiver default store bounded under a flood of distinct callbacks', async () => {
    const store = new MemoryDeliveryStore({ maxEntries: 300, now: () => clock.now })
    const { post, seen } = setup({ store, retentionMs: 1_000, toleranceSeconds: 1 })
    for (let i = 0; i < 400; i++) {
      await post(sign('mix_start', { seq: String(i) }))
      clock.now += 20
    }
    expect(seen.delivered).toHaveLength(400)
    expect(store.size).toBeLessThanOrEqual(300)
  })
})

describe('delivery options', () => {
  it.each([
    [{ store: {} as DeliveryStore }, /store/],
    [{ dedupeKey: 'stream_id' as never }, /dedupeKey/],
    [{ failurePolicy: 'ignore' as never }, /failurePolicy/],
    [{ retentionMs: 0 }, /retentionMs/],
    [{ lockTtlMs: -1 }, /lockTtlMs/],
    [{ listenerTimeoutMs: Number.NaN }, /listenerTimeoutMs/],
    [{ maxInFlight: 0 }, /maxInFlight/],
    [{ retentionMs: Infinity }, /retentionMs/],
  ])('refuses %o with a TypeError naming the option', (options, name) => {
    expect(() => new ZegoReceiver({ secret, ...options })).toThrow(TypeError)
    expect(() => new ZegoReceiver({ secret, ...options })).toThrow(name)
  })

  it('accepts Infinity for listenerTimeoutMs and maxInFlight', async () => {
    const { post, seen } = setup({ listenerTimeoutMs: Infinity, maxInFlight: Infinity })
    expect((await post(sign('mix_start'))).status).toBe(200)
    expect(seen.delivered).toHaveLength(1)
  })
})
