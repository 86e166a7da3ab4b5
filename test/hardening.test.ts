// Regression tests for the hardening review (issue 9). Each `// Was:` line says what the landed
// 1.0 code did; every test below failed against it.
import { once } from 'node:events'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { LiveStreamList, MemoryDeliveryStore, MemoryLiveListStore, type KeyValueStore, type LiveListStore, type ZegoCallbacksOptions } from '../src/index.js'
import { createCallback, signCallback, toFormBody, toJsonBody, type CallbackPayload } from '../src/testing/index.js'
import { deferred, deliveryHarness } from './support/delivery.js'
import { frameworks, type Framework } from './support/frameworks.js'
import { MapKeyValueStore } from './support/kv-store.js'

const secret = 'hardening-secret-9e8d7c6b'
const path = '/zego/callback'
const harness = deliveryHarness(secret)

afterEach(() => {
  harness.reset()
})

/** A signature re-cased: upper case, or every other letter upper. */
const recase = (payload: CallbackPayload, how: 'upper' | 'mixed'): CallbackPayload => {
  const signature = String(payload['signature'])
  const recased = how === 'upper' ? signature.toUpperCase() : [...signature].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')
  return { ...payload, signature: recased }
}

function build(framework: Framework, options: Partial<ZegoCallbacksOptions> = {}) {
  const { server, zego } = framework.build({ secret, ...options })
  const delivered: string[] = []
  zego.on('callback', ({ event }) => {
    delivered.push(event)
  })
  const post = (payload: CallbackPayload | string, type = 'json') =>
    request(server).post(path).type(type).send(typeof payload === 'string' ? payload : toJsonBody(payload))
  return { server, zego, delivered, post }
}

describe.each(frameworks)('$name', (framework) => {
  describe('1. a captured signature re-cased is the same signed request', () => {
    // Was: the re-cased triple verified and was new to the replay defence: the swapped body was delivered.
    it.each(['upper', 'mixed'] as const)('refuses a swapped body under the %s-cased signature with 401 replayed_signature', async (how) => {
      const { post, delivered } = build(framework)
      const genuine = createCallback('stream_create', { stream_sid: 'genuine' }, { secret })
      expect((await post(genuine)).status).toBe(200)
      const forged = recase({ ...genuine, stream_sid: 'forged', stream_id: 'forged' }, how)
      const answer = await post(forged)
      expect(answer.status).toBe(401)
      expect(answer.body).toMatchObject({ reason: 'replayed_signature' })
      expect(delivered).toEqual(['stream_create'])
    })

    // Was: a forged stream_create under a re-cased captured signature was delivered, and then ZEGO's
    // genuine stream_create answered 200 duplicate without running the listeners.
    it('lets no forgery under a captured signature pre-empt ZEGO\'s genuine callback', async () => {
      const { post, zego } = build(framework)
      const streams: string[] = []
      zego.on('streamCreated', (event) => {
        streams.push(event.title)
      })
      const captured = createCallback('some_event', {}, { secret })
      expect((await post(captured)).status).toBe(200)
      const genuine = createCallback('stream_create', { title: 'genuine' }, { secret })
      const forged = recase({ ...genuine, timestamp: captured['timestamp']!, nonce: captured['nonce']!, signature: captured['signature']!, title: 'forged' }, 'upper')
      expect((await post(forged)).body).toMatchObject({ reason: 'replayed_signature' })
      expect((await post(genuine)).body).toEqual({ ok: true })
      expect(streams).toEqual(['genuine'])
    })

    // Was: an unmodeled callback re-sent with its signature re-cased ran the callback listeners again.
    it('answers an unmodeled callback re-sent with its signature re-cased as a duplicate', async () => {
      const { post, delivered } = build(framework)
      const callback = createCallback('some_event', {}, { secret })
      expect((await post(callback)).status).toBe(200)
      expect((await post(recase(callback, 'upper'))).body).toEqual({ ok: true, duplicate: true })
      expect(delivered).toEqual(['some_event'])
    })

    // Was: a forged stream_close under a re-cased signature removed a live stream from the list.
    it('keeps a forged stream_close from removing a live stream from LiveStreamList', async () => {
      const { post, zego } = build(framework)
      const list = new LiveStreamList({ mode: 'streams', sweepEveryMs: 0 })
      zego.on('streamCreated', (event) => list.apply(event))
      zego.on('streamClosed', (event) => list.apply(event))
      const created = createCallback('stream_create', {}, { secret })
      expect((await post(created)).status).toBe(200)
      const close = createCallback('stream_close', {
        room_id: created['room_id'],
        room_session_id: created['room_session_id'],
        stream_id: created['stream_id'],
        stream_sid: created['stream_sid'],
        stream_seq: '2',
        create_time_ms: created['create_time_ms'],
      }, { secret })
      const forged = recase({ ...close, timestamp: created['timestamp']!, nonce: created['nonce']!, signature: created['signature']! }, 'mixed')
      expect((await post(forged)).status).toBe(401)
      await list.settled()
      expect((await list.streams()).map((stream) => stream.streamId)).toEqual([created['stream_id']])
    })
  })

  describe('7. a timestamp and nonce cut differently are the same signed request', () => {
    // ZEGO signs sort([secret, timestamp, nonce]).join(''): the digits of a captured timestamp and
    // nonce can be cut elsewhere and still verify. Was: with toleranceSeconds Infinity, the forged
    // pairs were delivered.
    it.each([300, Infinity])('refuses every re-cut of a delivered callback (toleranceSeconds %s)', async (toleranceSeconds) => {
      const { post, delivered, zego } = build(framework, { toleranceSeconds })
      const reasons: string[] = []
      zego.on('rejected', ({ reason }) => {
        reasons.push(reason)
      })
      // The nonce sorts after the timestamp (and the secret after both): ZEGO signs timestamp + nonce + secret.
      const genuine = createCallback('some_event', {}, { secret, nonce: '7254119327986670314' })
      expect((await post(genuine)).status).toBe(200)
      const joined = `${String(genuine['timestamp'])}${String(genuine['nonce'])}`
      let cuts = 0
      for (let cut = 1; cut < joined.length; cut++) {
        const timestamp = joined.slice(0, cut)
        const nonce = joined.slice(cut)
        // Only the cuts that still sort the same way verify under the captured signature.
        if (timestamp === genuine['timestamp'] || timestamp > nonce) continue
        cuts++
        expect((await post({ ...genuine, timestamp, nonce, extra: 'forged' })).status).toBe(401)
        // The same cut sent as a milliseconds product (AI Agent), PascalCase.
        const agent = { Event: 'Exception', AppId: 1, AgentInstanceId: 'x', Timestamp: timestamp, Nonce: nonce, Signature: genuine['signature']! }
        expect((await post(agent)).status).toBe(401)
      }
      expect(cuts).toBeGreaterThan(15)
      // Every forgery verified (none is a bad signature): each was refused as a replay or as malformed.
      expect(new Set(reasons)).toEqual(new Set(['replayed_signature', 'stale_timestamp']))
      expect(reasons.filter((reason) => reason === 'replayed_signature')).toHaveLength(1)
      expect(delivered).toEqual(['some_event'])
    })
  })

  describe('8. odd but signed input', () => {
    // Was: 401 replayed_signature: the JSON list and the form's single value digested differently.
    it('answers the same callback re-sent as a form with one-item URL lists as a duplicate', async () => {
      const { post, delivered } = build(framework)
      const callback = createCallback('stream_create', { pic_url: ['http://pic/1.jpg'], rtmp_url: ['rtmp://one'] }, { secret })
      expect((await post(callback)).status).toBe(200)
      const answer = await post(toFormBody(callback), 'form')
      expect(answer.body).toEqual({ ok: true, duplicate: true })
      expect(delivered).toEqual(['stream_create'])
    })

    // Was: 500 internal_error (a delivery key's encodeURIComponent threw), so ZEGO retried it.
    it('refuses a lone surrogate in a signed callback with 400, in JSON and in a form', async () => {
      const { post, delivered } = build(framework)
      const callback = createCallback('stream_create', {}, { secret })
      const json = toJsonBody(callback).replace('"stream_sid":"', '"stream_sid":"\\ud800')
      const answer = await post(json)
      expect(answer.status).toBe(400)
      expect(answer.body).toMatchObject({ reason: 'invalid_body', message: expect.stringContaining('lone surrogate') })
      const form = toFormBody(callback).replace('stream_sid=', 'stream_sid=%ED%A0%80')
      expect((await post(form, 'form')).status).toBe(400)
      expect(delivered).toEqual([])
    })

    // Was: 503 store_failed: a 1.0 store's get answering null (what Redis clients return) was taken as a record.
    it('takes a 1.0 store\'s get answering null as absent', async () => {
      const inner = new MapKeyValueStore()
      const store: KeyValueStore = {
        get: async (key) => (await inner.get(key)) ?? null,
        setIfAbsent: (key, value, ttl) => inner.setIfAbsent(key, value, ttl),
        delete: (key) => inner.delete(key),
      }
      const { post, delivered } = build(framework, { store })
      const callback = createCallback('mix_start', {}, { secret })
      expect((await post(callback)).status).toBe(200)
      expect((await post(signCallback(callback, { secret }))).body).toEqual({ ok: true, duplicate: true })
      expect(delivered).toEqual(['mix_start'])
    })
  })

  describe('3. listeners that only observe never hold an answer', () => {
    // Was: every 401 waited for the rejected listener; one that never settled left it unanswered.
    it('answers a refusal and a duplicate at once while their listeners are slow or never settle', async () => {
      const { post, zego } = build(framework)
      zego.on('rejected', () => new Promise(() => {}))
      zego.on('duplicate', () => new Promise((resolve) => setTimeout(resolve, 2_000)))
      const started = performance.now()
      expect((await post(createCallback('mix_start', { signature: 'f'.repeat(40) }, { secret }))).status).toBe(401)
      const callback = createCallback('mix_start', {}, { secret })
      expect((await post(callback)).status).toBe(200)
      expect((await post(callback)).body).toEqual({ ok: true, duplicate: true })
      expect(performance.now() - started).toBeLessThan(1_500)
      expect(zego.receiver.inFlight).toBe(0)
      expect(await zego.close({ timeoutMs: 50 })).toEqual({ drained: false, abandoned: [] })
    })
  })

  describe('5. close() is bounded', () => {
    // Was: close() waited for ever on a listener that never settled.
    it('resolves at its timeout with the callbacks it abandoned', async () => {
      const { post, zego } = build(framework, { listenerTimeoutMs: 50 })
      zego.on('mixStarted', () => new Promise(() => {}))
      expect((await post(createCallback('mix_start', {}, { secret }))).body).toMatchObject({ reason: 'listener_timeout' })
      const started = performance.now()
      const result = await zego.close({ timeoutMs: 100 })
      expect(performance.now() - started).toBeLessThan(1_000)
      expect(result).toEqual({ drained: false, abandoned: ['mix_start:111111:111111%3A1111:123'] })
      expect((await post(createCallback('mix_start', { seq: '2' }, { secret }))).body).toMatchObject({ reason: 'closing' })
    })
  })
})

describe('5. the example\'s shutdown ends even with a listener that never settles', () => {
  // Was: examples/express.ts awaited zego.close() on SIGTERM, which never resolved: the process never exited.
  it('exits 0 after SIGTERM, within the shutdown timeout', async () => {
    const { spawn } = await import('node:child_process')
    const probe = createServer()
    probe.listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/hung-example.ts', String(port)], {
      env: { ...process.env, ZEGO_CALLBACK_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => output.includes('listening') && resolve())
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)))
      })
      const answer = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: toJsonBody(createCallback('mix_start', {}, { secret })),
      })
      expect(answer.status).toBe(503)
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const [code] = (await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000, ['hung']))])) as [unknown]
      expect(code, output).toBe(0)
      expect(output).toContain('abandoned: mix_start:111111:111111%3A1111:123')
    } finally {
      child.kill('SIGKILL')
    }
  })
})

describe('2. starvation without the secret: slow uploads over real HTTP', () => {
  /** Opens `count` connections that each send headers and one byte of a 1000-byte body, then stall. */
  async function trickle(port: number, count: number): Promise<Socket[]> {
    const sockets: Socket[] = []
    for (let i = 0; i < count; i++) {
      const socket = connect(port, '127.0.0.1')
      socket.on('error', () => {})
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`)
      sockets.push(socket)
    }
    await Promise.all(sockets.map((socket) => (socket.connecting ? once(socket, 'connect') : undefined)))
    return sockets
  }

  /** Posts a genuine callback on a fresh connection; resolves with the status. */
  function genuine(port: number, seq: number): Promise<number> {
    const body = toJsonBody(createCallback('mix_start', { seq: String(seq) }, { secret }))
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { port, host: '127.0.0.1', method: 'POST', path, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }

  describe.each(frameworks)('$name', (framework) => {
    let server: Server | undefined
    let sockets: Socket[] = []
    afterEach(async () => {
      for (const socket of sockets) socket.destroy()
      sockets = []
      server?.closeAllConnections()
      await new Promise((resolve) => server?.close(resolve))
    })

    async function listen(options: Partial<ZegoCallbacksOptions>) {
      const built = framework.build({ secret, bodyTimeoutMs: 60_000, ...options })
      const delivered: string[] = []
      built.zego.on('callback', ({ event }) => {
        delivered.push(event)
      })
      server = createServer(built.server)
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      return { port: (server.address() as AddressInfo).port, delivered }
    }

    // Was: the 600 trickling uploads counted against maxInFlight (512): every genuine callback got 503 overloaded.
    it('answers genuine callbacks 200 during 600 slow uploads', async () => {
      const { port, delivered } = await listen({})
      sockets = await trickle(port, 600)
      const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => genuine(port, i)))
      expect(statuses).toEqual(Array(20).fill(200))
      expect(delivered).toHaveLength(20)
    })

    it('cuts off the longest-arriving bodies past 1024 at once, and still answers genuine callbacks 200', async () => {
      const { port } = await listen({})
      sockets = await trickle(port, 1_100)
      const cut = sockets[0]!
      const answered = new Promise<string>((resolve) => {
        let text = ''
        cut.on('data', (chunk: Buffer) => {
          text += chunk.toString()
          if (text.includes('\r\n\r\n')) resolve(text)
        })
      })
      expect(await answered).toMatch(/^HTTP\/1\.1 408/)
      const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => genuine(port, i)))
      expect(statuses).toEqual(Array(10).fill(200))
    })
  })
})

describe('4. a hung store call does not block a callback for ever', () => {
  // Was: a store get that never returned made every later retry join the hung attempt (503
  // listener_timeout, 0 runs) for the life of the process, kept inFlight up and close() pending.
  it('answers 503 at the deadline, lets the next retry start anew, and frees inFlight and close()', async () => {
    const inner = new MemoryDeliveryStore({ now: () => harness.clock.now })
    let hang = true
    const { receiver, post, seen } = harness.setup({
      listenerTimeoutMs: 50,
      store: {
        claim: (request) => (hang ? new Promise(() => {}) : inner.claim(request)),
        complete: (request) => inner.complete(request),
        renew: (key, token, ms) => inner.renew(key, token, ms),
        release: (key, token) => inner.release(key, token),
      },
    })
    const first = harness.sign('mix_start')
    expect((await post(first)).body).toMatchObject({ reason: 'store_failed' })
    expect(receiver.inFlight).toBe(0)
    hang = false
    expect((await post(harness.resign(first, 2))).status).toBe(200)
    expect(seen.delivered).toHaveLength(1)
    expect(await receiver.close({ timeoutMs: 1_000 })).toEqual({ drained: true, abandoned: [] })
  })

  it('reports a completion that never answers and frees the callback', async () => {
    const inner = new MemoryDeliveryStore({ now: () => harness.clock.now })
    const { receiver, post, seen } = harness.setup({
      listenerTimeoutMs: 50,
      store: {
        claim: (request) => inner.claim(request),
        complete: () => new Promise(() => {}),
        renew: (key, token, ms) => inner.renew(key, token, ms),
        release: (key, token) => inner.release(key, token),
      },
    })
    expect((await post(harness.sign('mix_start'))).status).toBe(200)
    expect(await receiver.close({ timeoutMs: 1_000 })).toEqual({ drained: true, abandoned: [] })
    expect(seen.errors.map((e) => e.error.code)).toEqual(['store_failed'])
  })
})

describe('4. a hung live-list store call holds up nothing else', () => {
  // Was: a LiveListStore call that never answered queued every later callback of its room for ever
  // and, through the listeners left running past the deadline, ended in 503 overloaded for every room.
  it('refuses a storeTimeoutMs that is not a positive number of ms', () => {
    for (const storeTimeoutMs of [0, -1, Number.NaN, 2 ** 31]) expect(() => new LiveStreamList({ storeTimeoutMs })).toThrow(/storeTimeoutMs/)
  })

  it('fails that callback (500, ZEGO retries) at storeTimeoutMs, and the room and the others go on', async () => {
    const inner = new MemoryLiveListStore()
    let hangRoom: string | undefined = 'room-a'
    const store: LiveListStore = {
      read: (roomId, what) => (roomId === hangRoom ? new Promise(() => {}) : inner.read(roomId, what)),
      write: (roomId, expected, update) => inner.write(roomId, expected, update),
      roomIds: () => inner.roomIds(),
    }
    const list = new LiveStreamList({ store, storeTimeoutMs: 50, sweepEveryMs: 0 })
    const { receiver, post } = harness.setup({ maxInFlight: 2, listenerTimeoutMs: 1_000 })
    list.attach(receiver)
    const inRoom = (room: string, sid: string) => harness.sign('stream_create', { room_id: room, stream_sid: sid, stream_id: sid })
    const [a1, a2] = await Promise.all([post(inRoom('room-a', 'a1')), post(inRoom('room-a', 'a2'))])
    expect([a1.status, a2.status]).toEqual([500, 500])
    expect(receiver.inFlight).toBe(0)
    expect((await post(inRoom('room-b', 'b1'))).status).toBe(200)
    hangRoom = undefined
    expect((await post(harness.resign(inRoom('room-a', 'a1'), 2))).status).toBe(200)
    expect((await list.streams()).map((stream) => stream.streamId).sort()).toEqual(['a1', 'b1'])
  })
})

describe('6. the memory store never forgets a signature that still verifies', () => {
  // Was: past evictAfterMs (65 s) a full store evicted the triple while it stayed fresh (300 s): the swapped body passed.
  it('still refuses a swapped body 200 s later when the store filled up meanwhile, refusing new callbacks instead', async () => {
    const store = new MemoryDeliveryStore({ maxEntries: 6, now: () => harness.clock.now })
    const { post, seen } = harness.setup({ store })
    const genuine = harness.sign('stream_create', { stream_sid: 'g' })
    expect((await post(genuine)).status).toBe(200)
    harness.clock.now += 70_000
    for (let i = 0; i < 2; i++) expect((await post(harness.sign('mix_start', { seq: String(i) }))).status).toBe(200)
    expect((await post(harness.sign('mix_start', { seq: '9' }))).body).toMatchObject({ reason: 'store_failed' })
    harness.clock.now += 130_000
    expect((await post({ ...genuine, stream_sid: 'swapped' })).body).toMatchObject({ reason: 'replayed_signature' })
    expect(seen.delivered).toHaveLength(3)
  })

  // Was: with the store full, listeners ran and then their outcome record was refused (only a warning): a retry ran them again.
  it('claims the room before the listeners run: a full store answers 503 and runs nothing', async () => {
    const store = new MemoryDeliveryStore({ maxEntries: 2, now: () => harness.clock.now })
    const { post, seen } = harness.setup({ store })
    expect((await post(harness.sign('mix_start', { seq: '1' }))).status).toBe(200)
    const gate = deferred()
    setTimeout(gate.resolve, 10)
    const answer = await post(harness.sign('mix_start', { seq: '2' }))
    expect(answer.body).toMatchObject({ reason: 'store_failed' })
    expect(seen.delivered).toHaveLength(1)
  })
})
