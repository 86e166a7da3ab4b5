import { readFileSync } from 'node:fs'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import type { CallbackEvent, RejectedEvent, ZegoCallbacksOptions, ZegoEventName } from '../src/index.js'
import {
  createCallback,
  identityFields,
  signCallback,
  toFormBody,
  toJsonBody,
  withBadSignature,
  zegoExamples,
  type CallbackPayload,
} from '../src/testing/index.js'
import { recorded } from './runtimes/harness.js'
import { frameworks, type Framework, type Mount, type Source } from './support/frameworks.js'
import { bun, deno, mount, next, workerd, type ServerProcess } from './support/runtimes.js'

const secret = 'test-callback-secret-7f3a9c0e5b7d2468'
const path = '/zego/callback'
const now = () => Math.floor(Date.now() / 1000)

type Agent = ReturnType<typeof request>
type Send = (agent: Agent) => request.Test

interface Case {
  name: string
  options?: Partial<ZegoCallbacksOptions>
  send: Send
  status: number
  reason?: string
  /** The events listeners must have received, in any order. */
  delivered: ZegoEventName[]
  check?: (seen: Seen) => void
}

interface Seen {
  events: Array<{ name: ZegoEventName; payload: unknown }>
  of<T>(name: ZegoEventName): T
}

function record(zego: Source): Seen {
  const events: Seen['events'] = []
  for (const name of recorded) {
    zego.on(name, (payload: unknown) => {
      events.push({ name, payload })
    })
  }
  return seenOf(events)
}

function seenOf(events: Seen['events']): Seen {
  return {
    events,
    of<T>(name: ZegoEventName) {
      const found = events.find((event) => event.name === name)
      if (found === undefined) throw new Error(`no ${name} event was delivered`)
      return found.payload as T
    },
  }
}

const json = (payload: CallbackPayload): Send => (agent) => agent.post(path).send(payload)
const jsonText = (text: string): Send => (agent) => agent.post(path).type('json').send(text)
const sign = (event: string, fields: Parameters<typeof createCallback>[1] = {}) =>
  createCallback(event, fields, { secret })
// Pins the field that tells callbacks apart to ZEGO's example, whose values a case checks.
const asExample = (event: keyof typeof identityFields & keyof typeof zegoExamples) => {
  const field = identityFields[event]
  return { [field]: (zegoExamples[event] as Record<string, string>)[field] }
}

const cases: Case[] = [
  {
    name: 'a JSON stream_create is delivered as a typed streamCreated',
    send: json(sign('stream_create')),
    status: 200,
    delivered: ['callback', 'streamCreated'],
    check: (seen) => {
      const event = seen.of<Record<string, unknown>>('streamCreated')
      expect(event).toMatchObject({ roomId: 'room1', streamSeq: 1, codec: 'H.264', recreate: false })
      expect(seen.of<CallbackEvent>('callback').event).toBe('stream_create')
    },
  },
  {
    name: 'a JSON mix_start is delivered as a typed mixStarted',
    send: json(sign('mix_start', asExample('mix_start'))),
    status: 200,
    delivered: ['callback', 'mixStarted'],
    check: (seen) => {
      expect(seen.of<Record<string, unknown>>('mixStarted')).toMatchObject({ taskId: '111111:1111', seq: 123 })
    },
  },
  {
    name: 'a form stream_create with repeated keys gives URL arrays',
    send: (agent) => agent.post(path).type('form').send(toFormBody(sign('stream_create'))),
    status: 200,
    delivered: ['callback', 'streamCreated'],
    check: (seen) => {
      const event = seen.of<{ rtmpUrls: string[]; picUrls: string[] }>('streamCreated')
      expect(event.rtmpUrls).toHaveLength(2)
      expect(event.picUrls).toEqual(['http://pic.wsdemo.zego.im/zegodemo/aaa.jpg'])
    },
  },
  {
    name: 'a form mix_start with key[] keys gives URL arrays',
    send: (agent) => agent.post(path).type('form').send(toFormBody(sign('mix_start'), { brackets: true })),
    status: 200,
    delivered: ['callback', 'mixStarted'],
    check: (seen) => {
      expect(seen.of<{ hlsUrls: string[] }>('mixStarted').hlsUrls).toHaveLength(2)
    },
  },
  {
    name: 'bare 19-digit JSON numbers keep every digit, and the nonce still verifies',
    send: jsonText(
      toJsonBody(sign('stream_create', { room_session_id: 6085791336856668982n, nonce: 7254119327986670314n })),
    ),
    status: 200,
    delivered: ['callback', 'streamCreated'],
    check: (seen) => {
      const event = seen.of<{ roomSessionId: string; nonce: string; raw: Record<string, unknown> }>('streamCreated')
      expect(event.roomSessionId).toBe('6085791336856668982')
      expect(event.nonce).toBe('7254119327986670314')
      expect(event.raw['room_session_id']).toBe('6085791336856668982')
    },
  },
  {
    name: 'a JSON stream_close is delivered as a typed streamClosed',
    send: json(sign('stream_close')),
    status: 200,
    delivered: ['callback', 'streamClosed'],
    check: (seen) => {
      expect(seen.of<Record<string, unknown>>('streamClosed')).toMatchObject({
        streamId: 'stream_id',
        roomSessionId: '123456789',
        closeReason: 'normal',
        closeReasonCode: 0,
        streamSeq: 700,
        destroyTimeMs: 1666986067248,
      })
      expect(seen.of<CallbackEvent>('callback').event).toBe('stream_close')
    },
  },
  {
    name: 'a JSON mix_stop is delivered as a typed mixStopped',
    send: json(sign('mix_stop', asExample('mix_stop'))),
    status: 200,
    delivered: ['callback', 'mixStopped'],
    check: (seen) => {
      expect(seen.of<Record<string, unknown>>('mixStopped')).toMatchObject({ taskId: '111111:1111', seq: 1234 })
    },
  },
  {
    name: 'a JSON room_create is delivered as a typed roomCreated',
    send: json(sign('room_create', asExample('room_create'))),
    status: 200,
    delivered: ['callback', 'roomCreated'],
    check: (seen) => {
      expect(seen.of<Record<string, unknown>>('roomCreated')).toMatchObject({
        roomId: 'rid_1242649',
        roomSessionId: '858012925204410400',
        roomCreateTime: 1499676978027,
        idName: 'id123',
      })
    },
  },
  {
    name: 'a JSON room_close is delivered as a typed roomClosed',
    send: json(sign('room_close', asExample('room_close'))),
    status: 200,
    delivered: ['callback', 'roomClosed'],
    check: (seen) => {
      expect(seen.of<Record<string, unknown>>('roomClosed')).toMatchObject({
        roomId: 'rid_1242649',
        roomSessionId: '858012925204410400',
        closeReason: 'last_user_heartbeat_timeout',
        closeReasonCode: 1,
      })
    },
  },
  {
    name: 'a JSON room_login is delivered as a typed userLoggedIn',
    send: json(sign('room_login', asExample('room_login'))),
    status: 200,
    delivered: ['callback', 'userLoggedIn'],
    check: (seen) => {
      const event = seen.of<Record<string, unknown>>('userLoggedIn')
      expect(event).toMatchObject({
        roomSessionId: '6085791336856668982',
        userAccount: '888120154',
        sessionId: '792148503087288320',
        userRole: 'audience',
        userRoleCode: 2,
        relogin: false,
      })
      expect(event['terminalType']).toBeUndefined()
    },
  },
  {
    name: 'a JSON room_logout is delivered as a typed userLoggedOut',
    send: json(sign('room_logout', asExample('room_logout'))),
    status: 200,
    delivered: ['callback', 'userLoggedOut'],
    check: (seen) => {
      expect(seen.of<Record<string, unknown>>('userLoggedOut')).toMatchObject({
        roomSessionId: '6085791336856668982',
        sessionId: '792462300429684736',
        logoutReason: 'normal',
        logoutReasonCode: 0,
        userRole: 'host',
        logoutTime: 1663740627986,
      })
    },
  },
  {
    name: 'a room_close with a bare 19-digit room_session_id keeps every digit',
    send: jsonText(toJsonBody(sign('room_close', { room_session_id: 6085791336856668982n }))),
    status: 200,
    delivered: ['callback', 'roomClosed'],
    check: (seen) => {
      const event = seen.of<{ roomSessionId: string; raw: Record<string, unknown> }>('roomClosed')
      expect(event.roomSessionId).toBe('6085791336856668982')
      expect(event.raw['room_session_id']).toBe('6085791336856668982')
    },
  },
  {
    name: 'a form room_login is delivered as a typed userLoggedIn',
    send: (agent) => agent.post(path).type('form').send(toFormBody(sign('room_login', { term_type: '6', relogin: '1' }))),
    status: 200,
    delivered: ['callback', 'userLoggedIn'],
    check: (seen) => {
      expect(seen.of<Record<string, unknown>>('userLoggedIn')).toMatchObject({
        roomSessionId: '6085791336856668982',
        userRoleCode: 2,
        authLevel: 4,
        relogin: true,
        terminalType: 'web',
        terminalTypeCode: 6,
      })
    },
  },
  {
    name: 'an event type this version does not model reaches only `callback`',
    send: json(sign('room_user_update')),
    status: 200,
    delivered: ['callback'],
    check: (seen) => {
      const callback = seen.of<CallbackEvent>('callback')
      expect(callback.event).toBe('room_user_update')
      expect(Object.keys(callback.raw).sort()).toEqual(['appid', 'event', 'nonce', 'signature', 'timestamp'])
    },
  },
  {
    name: "a PascalCase callback of ZEGO's other products is verified and reaches `callback`",
    send: json(signCallback({ Event: 'room_user_update', AppId: 1, Timestamp: 0, Nonce: '1', Signature: '' }, { secret })),
    status: 200,
    delivered: ['callback'],
    check: (seen) => {
      expect(seen.of<CallbackEvent>('callback').event).toBe('room_user_update')
    },
  },
  {
    name: 'a PascalCase callback whose Event is a modeled name reaches `callback` only',
    send: json(signCallback({ Event: 'stream_create', AppId: 1, Timestamp: 0, Nonce: '1', Signature: '' }, { secret })),
    status: 200,
    delivered: ['callback'],
    check: (seen) => {
      expect(seen.of<CallbackEvent>('callback').event).toBe('stream_create')
    },
  },
  {
    name: 'a callback signed with the previous secret during a rotation is accepted',
    options: { secret: ['new-secret', secret] },
    send: json(sign('mix_start')),
    status: 200,
    delivered: ['callback', 'mixStarted'],
  },
  {
    name: 'an AppID on the allow-list is accepted',
    options: { appId: [111111, '2'] },
    send: json(sign('mix_start')),
    status: 200,
    delivered: ['callback', 'mixStarted'],
  },
  {
    name: '__proto__ and constructor keys pollute nothing',
    send: jsonText(
      toJsonBody(sign('stream_create')).replace(
        /}$/,
        ',"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
      ),
    ),
    status: 200,
    delivered: ['callback', 'streamCreated'],
    check: (seen) => {
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
      const event = seen.of<{ raw: Record<string, unknown> }>('streamCreated')
      expect(Object.hasOwn(event.raw, '__proto__')).toBe(true)
      expect(Object.getPrototypeOf(event.raw)).toBe(Object.prototype)
      expect(Object.getPrototypeOf(event)).toBe(Object.prototype)
    },
  },
  {
    name: 'a wrong signature is 401 bad_signature',
    send: json(withBadSignature(sign('stream_create'))),
    status: 401,
    reason: 'bad_signature',
    delivered: ['rejected'],
  },
  {
    name: 'a callback signed with another secret is 401 bad_signature',
    send: json(createCallback('stream_create', {}, { secret: 'someone-else' })),
    status: 401,
    reason: 'bad_signature',
    delivered: ['rejected'],
  },
  {
    name: 'a callback without signature fields is 401 missing_signature',
    send: json(sign('stream_create', { signature: undefined, nonce: undefined })),
    status: 401,
    reason: 'missing_signature',
    delivered: ['rejected'],
    check: (seen) => {
      expect(seen.of<RejectedEvent>('rejected').message).toMatch(/nonce, signature/)
    },
  },
  {
    name: 'a timestamp older than the tolerance is 401 stale_timestamp',
    send: (agent) => agent.post(path).send(createCallback('stream_create', {}, { secret, timestamp: now() - 305 })),
    status: 401,
    reason: 'stale_timestamp',
    delivered: ['rejected'],
  },
  {
    name: 'a timestamp further ahead than the tolerance is 401 stale_timestamp',
    send: (agent) => agent.post(path).send(createCallback('stream_create', {}, { secret, timestamp: now() + 305 })),
    status: 401,
    reason: 'stale_timestamp',
    delivered: ['rejected'],
  },
  {
    name: 'a timestamp within a custom tolerance is accepted',
    options: { toleranceSeconds: 3600 },
    send: (agent) => agent.post(path).send(createCallback('mix_start', {}, { secret, timestamp: now() - 1800 })),
    status: 200,
    delivered: ['callback', 'mixStarted'],
  },
  {
    name: 'an AppID outside the allow-list is 403 forbidden_app',
    options: { appId: 2 },
    send: json(sign('mix_start')),
    status: 403,
    reason: 'forbidden_app',
    delivered: ['rejected'],
  },
  {
    name: 'a verified payload failing validation is 400 invalid_payload naming the field, and no listener runs',
    send: json(sign('mix_start', { seq: '1.5' })),
    status: 400,
    reason: 'invalid_payload',
    delivered: ['rejected'],
    check: (seen) => {
      expect(seen.of<RejectedEvent>('rejected').message).toMatch(/\bseq\b/)
    },
  },
  {
    name: 'a missing required identifier is 400 invalid_payload',
    send: json(sign('stream_create', { stream_id: undefined })),
    status: 400,
    reason: 'invalid_payload',
    delivered: ['rejected'],
    check: (seen) => {
      expect(seen.of<RejectedEvent>('rejected').message).toMatch(/stream_id/)
    },
  },
  {
    name: 'malformed JSON is 400 invalid_body',
    send: jsonText('{"event":"stream_create",'),
    status: 400,
    reason: 'invalid_body',
    delivered: ['rejected'],
  },
  {
    name: 'invalid UTF-8 is 400 invalid_body',
    send: (agent) => {
      // write(), not send(): superagent would JSON-encode a Buffer under a JSON content type.
      const test = agent.post(path).set('Content-Type', 'application/json')
      test.write(Buffer.concat([Buffer.from(JSON.stringify(sign('mix_start')).slice(0, -1)), Buffer.from(',"x":"\xff"}', 'latin1')]))
      return test
    },
    status: 400,
    reason: 'invalid_body',
    delivered: ['rejected'],
  },
  {
    name: 'a JSON array body is 400 invalid_body',
    send: jsonText('[1,2]'),
    status: 400,
    reason: 'invalid_body',
    delivered: ['rejected'],
  },
  {
    name: 'duplicate JSON keys are 400 invalid_body',
    send: jsonText('{"nonce":"1","nonce":"2"}'),
    status: 400,
    reason: 'invalid_body',
    delivered: ['rejected'],
  },
  {
    name: 'deeply nested JSON is 400 invalid_body',
    send: jsonText(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`),
    status: 400,
    reason: 'invalid_body',
    delivered: ['rejected'],
  },
  {
    name: 'a verified callback without an event name is 400 invalid_body',
    send: json(sign('mix_start', { event: '' })),
    status: 400,
    reason: 'invalid_body',
    delivered: ['rejected'],
  },
  {
    name: 'text/plain is 415',
    send: (agent) => agent.post(path).set('Content-Type', 'text/plain').send(JSON.stringify(sign('mix_start'))),
    status: 415,
    reason: 'unsupported_media_type',
    delivered: ['rejected'],
  },
  {
    name: 'a body without a content type is 415',
    send: (agent) => agent.post(path).send(Buffer.from(JSON.stringify(sign('mix_start')))),
    status: 415,
    reason: 'unsupported_media_type',
    delivered: ['rejected'],
  },
  {
    name: 'a body over the limit is 413',
    options: { bodyLimit: 2048 },
    send: json(sign('mix_start', { padding: 'x'.repeat(4096) })),
    status: 413,
    reason: 'body_too_large',
    delivered: ['rejected'],
  },
  {
    name: 'a chunked body over the limit is 413',
    options: { bodyLimit: 2048 },
    send: (agent) => {
      const test = agent.post(path).set('Content-Type', 'application/json')
      test.write(JSON.stringify(sign('mix_start', { padding: 'x'.repeat(4096) })))
      return test
    },
    status: 413,
    reason: 'body_too_large',
    delivered: ['rejected'],
  },
  {
    name: 'GET on the path is 405 with Allow: POST',
    send: (agent) => agent.get(path),
    status: 405,
    reason: 'method_not_allowed',
    delivered: ['rejected'],
  },
  {
    name: 'the path with a trailing slash and a query string is answered',
    send: (agent) => agent.post(`${path}/?source=zego`).send(sign('mix_start')),
    status: 200,
    delivered: ['callback', 'mixStarted'],
  },
]

/** The answer and the events every framework gives for a case of the shared table. */
function expectAnswered(testCase: Case, response: request.Response, seen: Seen): void {
  expect(response.status).toBe(testCase.status)
  expect(response.headers['content-type']).toMatch(/^application\/json/)
  if (testCase.status === 200) expect(response.body).toEqual({ ok: true })
  else expect(response.body).toMatchObject({ ok: false, reason: testCase.reason })
  if (testCase.status === 405) expect(response.headers['allow']).toBe('POST')
  expect(response.text).not.toContain(secret)
  expect(seen.events.map((event) => event.name).sort()).toEqual([...testCase.delivered].sort())
  if (testCase.reason !== undefined) {
    expect(seen.of<RejectedEvent>('rejected')).toMatchObject({ reason: testCase.reason, status: testCase.status })
  }
  testCase.check?.(seen)
}

describe.each(frameworks)('$name', (framework: Framework) => {
  const build = (options: Partial<ZegoCallbacksOptions> = {}, mount?: Mount) =>
    framework.build({ secret, ...options }, mount)

  describe('the shared table', () => {
    it.each(cases)('$name', async (testCase) => {
      const { server, zego } = build(testCase.options)
      const seen = record(zego)
      const response = await testCase.send(request(server))
      expectAnswered(testCase, response, seen)
      // In process (Node's own server under every framework): the whole answer in one piece, its length said, not chunked.
      expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.text))
    })
  })

  it('passes other paths on untouched', async () => {
    const { server, zego } = build()
    const seen = record(zego)
    const response = await request(server).post('/elsewhere').send(sign('mix_start'))
    expect(response.status).toBe(404)
    expect(response.body).toEqual({ fallthrough: true })
    expect(seen.events).toEqual([])
  })

  it.runIf(/^(Express|node:http)/.test(framework.name))('answers a 204 a failurePolicy chose without a body or content type', async () => {
    const { server, zego } = build({ failurePolicy: () => 204, logger: false })
    zego.on('mixStarted', () => {
      throw new Error('listener failed')
    })
    const response = await request(server).post(path).send(sign('mix_start'))
    expect(response.status).toBe(204)
    expect(response.text).toBe('')
    expect(response.headers['content-type']).toBeUndefined()
  })

  it('answers a custom path and passes the default one on', async () => {
    const { server } = build({ path: '/hooks/zego' })
    expect((await request(server).post('/hooks/zego').send(sign('mix_start'))).status).toBe(200)
    expect((await request(server).post(path).send(sign('mix_start'))).status).toBe(404)
  })

  it('mounted on an explicit route, it answers what reaches it', async () => {
    const { server, zego } = build({}, { route: true })
    const seen = record(zego)
    const response = await request(server).post('/hooks/zego').send(sign('stream_create'))
    expect(response.status).toBe(200)
    expect(seen.of<{ streamId: string }>('streamCreated').streamId).toBe('stream_id')
  })

  it('waits for async listeners before answering', async () => {
    const { server, zego } = build()
    let finished = false
    zego.on('streamCreated', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      finished = true
    })
    const response = await request(server).post(path).send(sign('stream_create'))
    expect(response.status).toBe(200)
    expect(finished).toBe(true)
  })

  it.each([
    ['throws', () => { throw new Error('db down: password=hunter2') }],
    ['rejects', async () => { throw new Error('db down: password=hunter2') }],
  ])('answers 500 listener_failed when a listener %s, without its message', async (_how, listener) => {
    const { server, zego } = build()
    const seen = record(zego)
    let otherRan = false
    zego.on('streamCreated', listener)
    zego.on('streamCreated', () => {
      otherRan = true
    })
    const response = await request(server).post(path).send(sign('stream_create'))
    expect(response.status).toBe(500)
    expect(response.body).toMatchObject({ ok: false, reason: 'listener_failed' })
    expect(response.text).not.toContain('hunter2')
    expect(otherRan).toBe(true)
    const rejected = seen.of<RejectedEvent>('rejected')
    expect(rejected.reason).toBe('listener_failed')
    expect(rejected.error.cause).toBeInstanceOf(AggregateError)
    expect((rejected.error.cause as AggregateError).errors[0]).toMatchObject({ message: 'db down: password=hunter2' })
  })

  it('a failing `callback` listener also answers 500 so ZEGO retries', async () => {
    const { server, zego } = build()
    zego.on('callback', () => Promise.reject(new Error('queue full')))
    const response = await request(server).post(path).send(sign('room_create'))
    expect(response.status).toBe(500)
  })

  it('a failing `rejected` listener does not change the answer', async () => {
    const { server, zego } = build()
    zego.on('rejected', () => {
      throw new Error('logger down')
    })
    const response = await request(server).post(path).send(withBadSignature(sign('mix_start')))
    expect(response.status).toBe(401)
  })

  it('once listeners run once; off removes listeners', async () => {
    const { server, zego } = build()
    const calls: string[] = []
    const persistent = () => calls.push('on')
    zego.once('mixStarted', () => calls.push('once'))
    zego.on('mixStarted', persistent)
    // Three distinct mix requests (seq 1, 2, 3): the same seq again would be a duplicate, not delivered.
    await request(server).post(path).send(sign('mix_start', { seq: '1' }))
    await request(server).post(path).send(sign('mix_start', { seq: '2' }))
    zego.off('mixStarted', persistent)
    await request(server).post(path).send(sign('mix_start', { seq: '3' }))
    expect(calls.sort()).toEqual(['on', 'on', 'once'])
  })

  it('answers and delivers 200 callbacks sent in parallel', async () => {
    const { server, zego } = build()
    const nonces = new Set<string>()
    zego.on('streamCreated', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10))
      nonces.add((event as { nonce: string }).nonce)
    })
    // 200 distinct streams (each its own stream_sid): the same stream_sid and stream_seq would be a duplicate.
    const payloads = Array.from({ length: 200 }, (_, i) => sign('stream_create', { stream_id: `s${i}`, stream_sid: `sid-${i}` }))
    const responses = await Promise.all(payloads.map((payload) => request(server).post(path).send(payload)))
    expect(responses.map((response) => response.status)).toEqual(payloads.map(() => 200))
    expect(nonces).toEqual(new Set(payloads.map((payload) => payload['nonce'])))
  })

  it("answers ZEGO's own room_create example byte for byte, bare 18-digit room_session_id kept exact", async () => {
    const { server, zego } = build()
    const seen = record(zego)
    const signed = sign('room_create')
    const text = readFileSync(new URL('./fixtures/room_create.json', import.meta.url), 'utf8')
      .replace('"timestamp":1499676978', `"timestamp":${signed['timestamp']}`)
      .replace('"nonce":"350176"', `"nonce":"${signed['nonce']}"`)
      .replace('"signature":"signature"', `"signature":"${signed['signature']}"`)
    const response = await request(server).post(path).type('json').send(text)
    expect(response.status).toBe(200)
    expect(seen.of<CallbackEvent>('callback').raw['room_session_id']).toBe('858012925204410400')
    expect(seen.of<{ roomSessionId: string }>('roomCreated').roomSessionId).toBe('858012925204410400')
  })

  it('passes other paths on even after a route that matched and called next()', async () => {
    const { server, zego } = build({}, { passThroughRoutes: true })
    const seen = record(zego)
    const health = await request(server).get('/health')
    expect(health.status).toBe(404)
    expect(health.body).toEqual({ fallthrough: true })
    expect(seen.events).toEqual([])
    expect((await request(server).post(path).send(sign('mix_start'))).status).toBe(200)
  })

  it('runs a failed once listener again on ZEGO\'s retry, and only until it succeeds', async () => {
    const { server, zego } = build()
    let calls = 0
    zego.once('mixStarted', () => {
      calls++
      if (calls === 1) throw new Error('first attempt fails')
    })
    const payload = sign('mix_start')
    expect((await request(server).post(path).send(payload)).status).toBe(500)
    expect((await request(server).post(path).send(payload)).status).toBe(200)
    expect((await request(server).post(path).send(payload)).status).toBe(200)
    expect(calls).toBe(2)
  })

  it('closes the connection after refusing a body it did not read', async () => {
    const { server } = build({ bodyLimit: 2048 })
    const tooLarge = await request(server).post(path).send(sign('mix_start', { padding: 'x'.repeat(4096) }))
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.headers['connection']).toBe('close')
    const wrongType = await request(server).post(path).set('Content-Type', 'text/plain').send('x')
    expect(wrongType.headers['connection']).toBe('close')
  })

  describe('delivery guarantees', () => {
    it('answers a repeat 200 without running the listeners, whether the same request or re-signed', async () => {
      const { server, zego } = build()
      const seen = record(zego)
      const duplicates: unknown[] = []
      zego.on('duplicate', (event) => {
        duplicates.push(event.matchedBy)
      })
      const payload = sign('stream_create')
      expect((await request(server).post(path).send(payload)).body).toEqual({ ok: true })
      const same = await request(server).post(path).send(payload)
      expect(same.status).toBe(200)
      expect(same.body).toEqual({ ok: true, duplicate: true })
      const resigned = signCallback({ ...payload }, { secret })
      expect((await request(server).post(path).send(resigned)).body).toEqual({ ok: true, duplicate: true })
      expect(seen.events.filter((event) => event.name === 'streamCreated')).toHaveLength(1)
      expect(duplicates).toEqual(['signature', 'key'])
    })

    it('refuses a reused signature with a swapped body: 401 replayed_signature', async () => {
      const { server, zego } = build()
      const seen = record(zego)
      const payload = sign('mix_start')
      await request(server).post(path).send(payload)
      const swapped = await request(server).post(path).send({ ...payload, task_id: 'forged' })
      expect(swapped.status).toBe(401)
      expect(swapped.body).toMatchObject({ ok: false, reason: 'replayed_signature' })
      expect(seen.events.filter((event) => event.name === 'mixStarted')).toHaveLength(1)
    })

    it('passes the DeliveryContext to listeners, attempt 2 on the retry after a 500', async () => {
      const { server, zego } = build()
      const attempts: number[] = []
      zego.on('mixStarted', (_event, delivery) => {
        attempts.push(delivery.attempt)
        if (delivery.attempt === 1) throw new Error('transient')
      })
      const payload = sign('mix_start')
      expect((await request(server).post(path).send(payload)).status).toBe(500)
      expect((await request(server).post(path).send(signCallback({ ...payload }, { secret }))).status).toBe(200)
      expect(attempts).toEqual([1, 2])
    })

    it('answers 503 listener_timeout past the deadline and the retry after success as a duplicate', async () => {
      const { server, zego } = build({ listenerTimeoutMs: 30 })
      let release!: () => void
      const done = new Promise<void>((resolve) => {
        release = resolve
      })
      zego.on('mixStarted', () => done)
      const payload = sign('mix_start')
      const late = await request(server).post(path).send(payload)
      expect(late.status).toBe(503)
      expect(late.body).toMatchObject({ reason: 'listener_timeout' })
      release()
      await zego.close()
    })

    it('close() answers new callbacks 503 closing and waits for the ones in flight', async () => {
      const { server, zego } = build()
      let release!: () => void
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      zego.on('mixStarted', () => gate)
      const agent = request(server)
      const inFlight = agent.post(path).send(sign('mix_start', { seq: '1' })).then((response) => response)
      await new Promise((resolve) => setTimeout(resolve, 50))
      const closing = zego.close()
      const refused = await request(server).post(path).send(sign('mix_start', { seq: '2' }))
      expect(refused.status).toBe(503)
      expect(refused.body).toMatchObject({ reason: 'closing' })
      expect(refused.headers['connection']).toBe('close')
      release()
      await closing
      expect((await inFlight).status).toBe(200)
    })

    it('answers 503 overloaded beyond maxInFlight', async () => {
      const { server, zego } = build({ maxInFlight: 1 })
      let release!: () => void
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      zego.on('mixStarted', () => gate)
      const first = request(server).post(path).send(sign('mix_start', { seq: '1' })).then((response) => response)
      await new Promise((resolve) => setTimeout(resolve, 50))
      const over = await request(server).post(path).send(sign('mix_start', { seq: '2' }))
      expect(over.status).toBe(503)
      expect(over.body).toMatchObject({ reason: 'overloaded' })
      release()
      expect((await first).status).toBe(200)
    })

    // A fetch Request's body is read once: no parser runs before the handler there.
    if (framework.hostParsers !== false) it('deduplicates behind a host JSON parser that kept the raw body', async () => {
      const { server, zego } = build({}, { parser: 'json-raw' })
      const seen = record(zego)
      const payload = sign('room_create', { room_session_id: 6085791336856668982n })
      const body = toJsonBody(payload)
      await request(server).post(path).type('json').send(body)
      expect((await request(server).post(path).type('json').send(body)).body).toEqual({ ok: true, duplicate: true })
      expect(seen.events.filter((event) => event.name === 'roomCreated')).toHaveLength(1)
    })
  })

  if (framework.hostParsers !== false) describe('behind a host body parser', () => {
    it('uses the exact bytes a raw-body parser left in req.body', async () => {
      const { server, zego } = build({}, { parser: 'raw' })
      const seen = record(zego)
      const body = toJsonBody(sign('stream_create', { room_session_id: 6085791336856668982n }))
      const response = await request(server).post(path).type('json').send(body)
      expect(response.status).toBe(200)
      expect(seen.of<{ roomSessionId: string }>('streamCreated').roomSessionId).toBe('6085791336856668982')
    })

    it('uses the exact raw body the host kept', async () => {
      const { server, zego } = build({}, { parser: 'json-raw' })
      const seen = record(zego)
      const body = toJsonBody(sign('stream_create', { room_session_id: 6085791336856668982n, nonce: 7254119327986670314n }))
      const response = await request(server).post(path).type('json').send(body)
      expect(response.status).toBe(200)
      expect(seen.of<{ roomSessionId: string }>('streamCreated').roomSessionId).toBe('6085791336856668982')
    })

    it('accepts a JSON body parsed before it when no digit was lost', async () => {
      const { server } = build({}, { parser: 'json' })
      expect((await request(server).post(path).send(sign('mix_start'))).status).toBe(200)
    })

    it('accepts a form body parsed before it', async () => {
      const { server, zego } = build({}, { parser: 'form' })
      const seen = record(zego)
      const response = await request(server).post(path).type('form').send(toFormBody(sign('stream_create'), { brackets: true }))
      expect(response.status).toBe(200)
      expect(seen.of<{ hlsUrls: string[] }>('streamCreated').hlsUrls).toHaveLength(2)
    })
  })
})

describe('Express with another middleware that answers first (a timeout guard)', () => {
  it.each(frameworks.filter((framework) => framework.name.startsWith('Express')))(
    'leaves its answer alone and does not crash ($name)',
    async (framework) => {
      const express = framework.name === 'Express 4' ? (await import('express4')).default : (await import('express')).default
      const { zegoCallbacks } = await import('../adapters/express.js')
      const app = express()
      app.use((_req, res, next) => {
        setTimeout(() => {
          if (!res.headersSent) res.status(503).json({ timeout: true })
        }, 20)
        next()
      })
      app.use(zegoCallbacks({ secret }).on('streamCreated', () => new Promise((resolve) => setTimeout(resolve, 80))))
      const response = await request(app).post(path).send(sign('stream_create'))
      expect(response.status).toBe(503)
      // The late answer would have thrown ERR_HTTP_HEADERS_SENT as an unhandled rejection here.
      await new Promise((resolve) => setTimeout(resolve, 120))
    },
  )
})

describe('a JSON body parsed before the middleware that rounded a 19-digit number', () => {
  // Only Express's express.json() keeps no raw copy; @koa/bodyparser always keeps rawBody.
  const expressFrameworks = frameworks.filter((framework) => framework.name.startsWith('Express'))

  it.each(expressFrameworks)('is refused with 500 body_unavailable and a fix in the message ($name)', async (framework) => {
    const { server, zego } = framework.build({ secret }, { parser: 'json' })
    const seen = record(zego)
    const body = toJsonBody(sign('stream_create', { room_session_id: 6085791336856668982n }))
    const response = await request(server).post(path).type('json').send(body)
    expect(response.status).toBe(500)
    expect(response.body).toMatchObject({ reason: 'body_unavailable' })
    expect(response.body.message).toMatch(/room_session_id.*rawBody/s)
    expect(seen.events.map((event) => event.name)).toEqual(['rejected'])
  })

  // A rounded nonce cannot verify, and the sender is then not proven to be ZEGO: 401, with the fix named.
  it.each(expressFrameworks)('is 401 naming the rounded nonce when the signature cannot match ($name)', async (framework) => {
    const { server } = framework.build({ secret }, { parser: 'json' })
    const body = toJsonBody(sign('mix_start', { nonce: 7254119327986670314n }))
    const response = await request(server).post(path).type('json').send(body)
    expect(response.status).toBe(401)
    expect(response.body).toMatchObject({ reason: 'bad_signature' })
    expect(response.body.message).toMatch(/rounded nonce.*rawBody/s)
  })

  it.each(expressFrameworks)('is acknowledged when no listener would see the rounded digits ($name)', async (framework) => {
    const { server } = framework.build({ secret }, { parser: 'json' })
    const body = toJsonBody(sign('room_create', { room_session_id: 6085791336856668982n }))
    expect((await request(server).post(path).type('json').send(body)).status).toBe(200)
  })
})

// The same table through real server processes of the other runtimes, each serving
// test/runtimes/harness.ts: a fresh zego-callbacks/fetch handler per case, its events reported back.
const remotes = [
  { name: 'Bun', start: () => bun('test/runtimes/bun.ts') },
  { name: 'Deno', start: () => deno('test/runtimes/deno.ts') },
  { name: 'Cloudflare Workers (workerd, nodejs_compat)', start: () => workerd('test/runtimes/worker.ts') },
  { name: 'Next.js route handler (next build, next start)', start: () => next('test/runtimes/next') },
]
let starting: Map<string, Promise<ServerProcess>> | undefined
// Started together when the first of them is needed, so their start-up times overlap.
const started = (name: string): Promise<ServerProcess> => {
  starting ??= new Map(remotes.map((remote) => [remote.name, remote.start()]))
  for (const server of starting.values()) server.catch(() => {})
  return starting.get(name)!
}
// Stops every one started, also those whose tests a filter left out.
afterAll(async () => {
  await Promise.all([...(starting?.values() ?? [])].map((server) => server.then((started) => started.stop(), () => {})))
})

describe.each(remotes)('$name, a real server process: the shared table', ({ name }) => {
  let server: ServerProcess | undefined
  beforeAll(async () => {
    server = await started(name)
  }, 180_000)

  it.each(cases)('$name', async (testCase) => {
    onTestFailed(() => console.log(`${name} printed:\n${server?.output().slice(-4_000)}`))
    const mounted = await mount(server!, { secret, ...testCase.options })
    const response = await testCase.send(request(mounted.url))
    const { events, pollution } = await mounted.received()
    expectAnswered(testCase, response, seenOf(events as Seen['events']))
    expect(pollution).toEqual([])
  })
})
