import { once } from 'node:events'
import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { decodeRequest, lossyHint, type CallbackRequest, type DecodeSettings } from '../src/decode.js'
import { Deadlines } from '../src/delivery/deadline.js'
import { BodyUnavailableError, RequestError } from '../src/errors.js'
import { BodyReaders } from '../src/read-body.js'

const settings = (): DecodeSettings => ({ bodyLimit: 100, bodyTimeoutMs: 50, readers: new BodyReaders(8), deadlines: new Deadlines(50) })
const json = 'application/json'

async function failure(run: () => unknown): Promise<Error> {
  try {
    await run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected decodeRequest to fail')
}

/** A Node stream that has ended but, like a request a body parser read, is not destroyed. */
async function endedStream(): Promise<Readable> {
  const stream = new Readable({ autoDestroy: false, read() {} })
  stream.push('{"from":"stream"}')
  stream.push(null)
  stream.resume()
  await once(stream, 'end')
  return stream
}

/** A Node stream read to its end and then destroyed, as Node does by default. */
async function consumedStream(): Promise<Readable> {
  const stream = Readable.from(['{"from":"stream"}'])
  stream.resume()
  await once(stream, 'close')
  expect(stream.readableEnded && stream.destroyed).toBe(true)
  return stream
}

function destroyedStream(): Readable {
  const stream = new PassThrough()
  stream.destroy()
  return stream
}

describe('decodeRequest', () => {
  it('refuses a stream destroyed before the second look at its buffer as aborted before it was read', async () => {
    const stream = new PassThrough()
    stream.write('{"a":')
    const decoding = decodeRequest({ method: 'POST', contentType: json, contentLength: '9', stream }, settings())
    stream.destroy()
    expect(await failure(() => decoding)).toMatchObject({ code: 'request_aborted', status: 400, message: 'the request was aborted before its body was read' })
  })

  it.each(['GET', 'PUT', 'get', 'HEAD'])('refuses the method %s with method_not_allowed (405)', async (method) => {
    const error = await failure(() => decodeRequest({ method, contentType: json, body: '{}' }, settings()))
    expect(error).toBeInstanceOf(RequestError)
    expect(error).toMatchObject({ code: 'method_not_allowed', status: 405, message: `"${method}" is not allowed here: ZEGO posts callbacks` })
  })

  it('takes POST in any case and decodes a body at hand synchronously', () => {
    expect(decodeRequest({ method: 'post', contentType: json, body: '{"a":1}' }, settings())).toEqual({ raw: { a: '1' }, lossy: [] })
    expect(decodeRequest({ method: 'POST', contentType: 'application/x-www-form-urlencoded', body: new TextEncoder().encode('a=1') }, settings())).toEqual({
      raw: { a: '1' },
      lossy: [],
    })
  })

  it.each([undefined, ''])('refuses a content type of %j with unsupported_media_type (415)', async (contentType) => {
    const error = await failure(() => decodeRequest({ method: 'POST', contentType, body: '{}' }, settings()))
    expect(error).toMatchObject({
      code: 'unsupported_media_type',
      status: 415,
      message: 'the request has no content type: send application/json or application/x-www-form-urlencoded',
    })
  })

  it.each([
    ['a Node stream', () => Readable.from([Buffer.from('{"a":'), Buffer.from('2}')])],
    ['a web stream', () => new Request('http://localhost/', { method: 'POST', body: '{"a":2}' }).body!],
  ])('reads %s', async (_label, stream) => {
    const pending = decodeRequest({ method: 'POST', contentType: json, stream: stream(), parsedBody: { a: 'parsed' } }, settings())
    expect(pending).toBeInstanceOf(Promise)
    expect(await pending).toEqual({ raw: { a: '2' }, lossy: [] })
  })

  it.each([
    ['a Node stream', () => new PassThrough()],
    ['a web stream', () => new ReadableStream<Uint8Array>()],
  ])('refuses %s at once with body_too_large (413) when its Content-Length is over the limit', async (_label, stream) => {
    for (const contentLength of ['101', 101]) {
      const error = await failure(() => decodeRequest({ method: 'POST', contentType: json, contentLength, stream: stream() }, settings()))
      expect(error).toMatchObject({ code: 'body_too_large', status: 413, message: 'the body is larger than the limit of 100 bytes' })
    }
  })

  it.each(['abc', 'Infinity', ''])('reads a body whose Content-Length %j says nothing', async (contentLength) => {
    const stream = Readable.from([Buffer.from('{"a":3}')])
    expect(await decodeRequest({ method: 'POST', contentType: json, contentLength, stream }, settings())).toEqual({ raw: { a: '3' }, lossy: [] })
  })

  it('rebuilds what a body parser left when the stream has ended, naming the rounded fields', async () => {
    const request: CallbackRequest = { method: 'POST', contentType: json, stream: await endedStream(), parsedBody: JSON.parse('{"nonce":7254119327986670314,"a":1}') }
    expect(decodeRequest(request, settings())).toEqual({ raw: { nonce: '7254119327986671000', a: '1' }, lossy: ['nonce'] })
  })

  it('rebuilds what a body parser left when there is no stream, or a destroyed one', () => {
    expect(decodeRequest({ method: 'POST', contentType: json, parsedBody: { a: 1 } }, settings())).toEqual({ raw: { a: '1' }, lossy: [] })
    expect(decodeRequest({ method: 'POST', contentType: json, stream: destroyedStream(), parsedBody: { a: 1 } }, settings())).toEqual({
      raw: { a: '1' },
      lossy: [],
    })
  })

  it('answers request_aborted (400) for a stream destroyed before its body was read and nothing parsed', async () => {
    for (const parsedBody of [undefined, null]) {
      const error = await failure(() => decodeRequest({ method: 'POST', contentType: json, stream: destroyedStream(), parsedBody }, settings()))
      expect(error).toBeInstanceOf(RequestError)
      expect(error).toMatchObject({ code: 'request_aborted', status: 400, message: 'the request was aborted before its body was read' })
    }
  })

  it('answers body_unavailable (500) when another middleware read the body and kept nothing', async () => {
    const cases: CallbackRequest[] = [
      { method: 'POST', contentType: json },
      { method: 'POST', contentType: json, parsedBody: null },
      { method: 'POST', contentType: json, stream: await endedStream() },
      { method: 'POST', contentType: json, stream: await endedStream(), parsedBody: null },
      { method: 'POST', contentType: json, stream: await consumedStream() },
    ]
    for (const request of cases) {
      const error = await failure(() => decodeRequest(request, settings()))
      expect(error).toBeInstanceOf(BodyUnavailableError)
      expect(error).toMatchObject({
        code: 'body_unavailable',
        status: 500,
        message: 'the request body was already read by another middleware, which kept no copy: mount zego-callbacks before body parsers',
      })
    }
  })
})

describe('lossyHint', () => {
  it('names the rounded fields and both fixes', () => {
    expect(lossyHint(['nonce', 'room_session_id'])).toBe(
      'a body parser that ran before zego-callbacks rounded nonce, room_session_id (a plain JSON.parse loses digits past 2^53): ' +
        'mount zego-callbacks before express.json(), or keep the raw body (express.json({ verify: (req, res, buf) => { req.rawBody = buf } }))',
    )
  })
})
