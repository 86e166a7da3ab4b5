import { createServer, type Server } from 'node:http'
import { connect } from 'node:net'
import { PassThrough } from 'node:stream'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { zegoCallbacks } from '../adapters/express.js'
import { ZegoReceiver, type CallbackRequest, type RejectedEvent } from '../src/index.js'
import { createCallback, toJsonBody, toFormBody } from '../src/testing/index.js'

const secret = 'receiver-secret'
const clock = 1_700_000_000_000
const signedAt = (seconds: number, event = 'mix_start') =>
  createCallback(event, {}, { secret, timestamp: seconds })

function receiver(options: ConstructorParameters<typeof ZegoReceiver>[0] = {}): {
  receiver: ZegoReceiver
  rejected: RejectedEvent[]
} {
  const instance = new ZegoReceiver({ secret, now: () => clock, ...options })
  const rejected: RejectedEvent[] = []
  instance.on('rejected', (event) => {
    rejected.push(event)
  })
  return { receiver: instance, rejected }
}

const post = (body: CallbackRequest['body'], extra: Partial<CallbackRequest> = {}): CallbackRequest => ({
  method: 'POST',
  contentType: 'application/json',
  body,
  ...extra,
})

describe('ZegoReceiver without a framework', () => {
  it.each([
    ['exactly at the tolerance in the past', -300, 200],
    ['exactly at the tolerance in the future', 300, 200],
    ['one second past the tolerance', -301, 401],
    ['one second ahead of the tolerance', 301, 401],
  ])('a timestamp %s answers %i', async (_name, offset, status) => {
    const { receiver: zego } = receiver()
    const answer = await zego.receive(post(JSON.stringify(signedAt(clock / 1000 + offset))))
    expect(answer.status).toBe(status)
  })

  // Changed in 1.1 (hardening): 1.0 accepted any digits with an infinite tolerance; ZEGO signs the
  // timestamp and nonce joined without a separator, so only the product's own digit count is taken.
  it('toleranceSeconds: Infinity accepts any well-formed timestamp, still refuses a malformed one', async () => {
    const { receiver: zego, rejected } = receiver({ toleranceSeconds: Infinity })
    expect((await zego.receive(post(JSON.stringify(signedAt(1_000_000_000))))).status).toBe(200)
    for (const timestamp of ['17e8', '1', '999999999', '01700000000', '17000000000']) {
      const odd = createCallback('mix_start', {}, { secret, timestamp })
      expect((await zego.receive(post(JSON.stringify(odd)))).status).toBe(401)
      expect(rejected.at(-1)?.reason).toBe('stale_timestamp')
    }
  })

  it('takes the body as text, as bytes, or from a stream', async () => {
    const { receiver: zego } = receiver()
    const text = toJsonBody(signedAt(clock / 1000))
    expect((await zego.receive(post(text))).status).toBe(200)
    expect((await zego.receive(post(new TextEncoder().encode(text)))).status).toBe(200)
    const stream = new PassThrough()
    const answer = zego.receive(post(undefined, { stream }))
    stream.end(text)
    expect((await answer).status).toBe(200)
  })

  it('takes a form body', async () => {
    const { receiver: zego } = receiver()
    const answer = await zego.receive(
      post(toFormBody(signedAt(clock / 1000)), { contentType: 'application/x-www-form-urlencoded' }),
    )
    expect(answer).toEqual({ status: 200, headers: {}, body: { ok: true } })
  })

  it('answers 500 body_unavailable when the stream was consumed and nothing was kept', async () => {
    const { receiver: zego, rejected } = receiver()
    const stream = new PassThrough()
    stream.end('{}')
    stream.resume()
    await new Promise((resolve) => stream.on('end', resolve))
    const answer = await zego.receive(post(undefined, { stream }))
    expect(answer.status).toBe(500)
    expect(answer.body).toMatchObject({ reason: 'body_unavailable' })
    expect(rejected[0]?.message).toMatch(/before body parsers/)
  })

  it('refuses a declared Content-Length over the limit without reading the stream', async () => {
    const { receiver: zego } = receiver({ bodyLimit: 10 })
    const stream = new PassThrough()
    const answer = await zego.receive(post(undefined, { stream, contentLength: '11' }))
    expect(answer.status).toBe(413)
  })

  it('turns an unexpected internal failure into a 500 internal_error without details', async () => {
    const { receiver: zego, rejected } = receiver()
    const hostile = {
      method: 'POST',
      get contentType(): string {
        throw new Error('secret internals')
      },
    } as CallbackRequest
    const answer = await zego.receive(hostile)
    expect(answer.status).toBe(500)
    expect(answer.body).toEqual({ ok: false, reason: 'internal_error', message: 'zego-callbacks failed unexpectedly' })
    expect((rejected[0]?.error.cause as Error).message).toBe('secret internals')
  })

  it('answers 200 for a verified callback with no listener at all', async () => {
    const zego = new ZegoReceiver({ secret, now: () => clock })
    expect((await zego.receive(post(JSON.stringify(signedAt(clock / 1000, 'room_login')))))).toEqual({
      status: 200,
      headers: {},
      body: { ok: true },
    })
  })

  it('off(event) without a listener removes them all; listenerCount tells', async () => {
    const { receiver: zego } = receiver()
    const calls: number[] = []
    zego.on('mixStarted', () => calls.push(1)).on('mixStarted', () => calls.push(2))
    expect(zego.listenerCount('mixStarted')).toBe(2)
    zego.off('mixStarted')
    expect(zego.listenerCount('mixStarted')).toBe(0)
    await zego.receive(post(JSON.stringify(signedAt(clock / 1000))))
    expect(calls).toEqual([])
  })

  it('refuses a timestamp, nonce or signature sent twice (form arrays) as bad_signature', async () => {
    const { receiver: zego, rejected } = receiver()
    const payload = signedAt(clock / 1000)
    const form = `${toFormBody(payload)}&nonce=1`
    const answer = await zego.receive(post(form, { contentType: 'application/x-www-form-urlencoded' }))
    expect(answer.status).toBe(401)
    expect(rejected[0]?.reason).toBe('bad_signature')
  })
})

describe('a body that stops arriving, over a real socket', () => {
  let server: Server | undefined
  afterEach(() => {
    server?.close()
  })

  it('is answered 408 body_timeout instead of hanging', async () => {
    const app = express()
    const zego = zegoCallbacks({ secret, bodyTimeoutMs: 100 })
    const reasons: string[] = []
    zego.on('rejected', (event) => {
      reasons.push(event.reason)
    })
    app.use(zego)
    server = createServer(app).listen(0, '127.0.0.1')
    await new Promise((resolve) => server?.once('listening', resolve))
    const { port } = server.address() as { port: number }
    const socket = connect(port, '127.0.0.1')
    socket.write(
      'POST /zego/callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"event":',
    )
    const reply = await new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (chunk) => {
        text += chunk.toString()
        if (text.includes('\r\n\r\n')) resolve(text)
      })
    })
    socket.destroy()
    expect(reply).toMatch(/^HTTP\/1\.1 408/)
    expect(reply).toMatch(/\r\nConnection: close\r\n/i)
    expect(reasons).toEqual(['body_timeout'])
  })
})
