import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { RequestError } from '../src/errors.js'
import { readBody, takeBufferedBody } from '../src/read-body.js'

const limits = { limit: 100, timeoutMs: 10_000 }

async function rejection(promise: Promise<unknown>): Promise<RequestError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(RequestError)
    return error as RequestError
  }
  throw new Error('expected readBody to reject')
}

describe('readBody', () => {
  it('returns the whole body of a stream of buffers', async () => {
    const body = await readBody(Readable.from([Buffer.from('{"a":'), Buffer.from('"1"}')]), undefined, limits)
    expect(body).toBeInstanceOf(Buffer)
    expect(body.toString('utf8')).toBe('{"a":"1"}')
  })

  it('returns the exact bytes when a multi-byte character is split across chunks', async () => {
    const bytes = Buffer.from('{"room":"房间"}', 'utf8')
    const chunks = [bytes.subarray(0, 10), bytes.subarray(10, 11), bytes.subarray(11)]
    const body = await readBody(Readable.from(chunks), bytes.length, limits)
    expect(body.equals(bytes)).toBe(true)
  })

  it('accepts string chunks', async () => {
    const body = await readBody(Readable.from(['a=1', '&b=2']), undefined, limits)
    expect(body.toString()).toBe('a=1&b=2')
  })

  it('returns an empty buffer for an empty body', async () => {
    const stream = new PassThrough()
    stream.end()
    const body = await readBody(stream, 0, limits)
    expect(body.length).toBe(0)
  })

  it('accepts a body of exactly the limit, declared and streamed', async () => {
    const bytes = Buffer.alloc(100, 0x61)
    const body = await readBody(Readable.from([bytes.subarray(0, 60), bytes.subarray(60)]), 100, limits)
    expect(body.equals(bytes)).toBe(true)
  })

  it('returns a body written into a PassThrough over time', async () => {
    const stream = new PassThrough()
    const promise = readBody(stream, undefined, limits)
    stream.write('{"a"')
    await nextTurn()
    stream.write(':"1"}')
    stream.end()
    expect((await promise).toString()).toBe('{"a":"1"}')
  })

  it('rejects at once with body_too_large (413) when the declared Content-Length is over the limit', async () => {
    // Nothing is ever written and the stream never ends: only the declared length can reject it.
    const stream = new PassThrough()
    const error = await rejection(readBody(stream, 101, limits))
    expect(error.code).toBe('body_too_large')
    expect(error.status).toBe(413)
    expect(stream.readableEnded).toBe(false)
    // The rest is drained, not buffered.
    expect(stream.readableFlowing).toBe(true)
  })

  it('rejects a streamed body over the limit with body_too_large before the stream ends', async () => {
    const stream = new PassThrough()
    const promise = readBody(stream, undefined, limits)
    stream.write(Buffer.alloc(60))
    stream.write(Buffer.alloc(60))
    // The stream is never ended: if readBody waited for the end it would time out instead.
    const error = await rejection(promise)
    expect(error.code).toBe('body_too_large')
    expect(error.status).toBe(413)
    expect(stream.writableEnded).toBe(false)
    expect(stream.readableEnded).toBe(false)
  })

  it('does not keep buffering a body that is over the limit', async () => {
    const stream = new PassThrough()
    const promise = readBody(stream, undefined, limits)
    stream.write(Buffer.alloc(101))
    const error = await rejection(promise)
    expect(error.code).toBe('body_too_large')
    // What still arrives is drained and discarded: nothing piles up in the stream's buffers.
    for (let i = 0; i < 64; i++) stream.write(Buffer.alloc(64 * 1024))
    await nextTurn()
    expect(stream.readableFlowing).toBe(true)
    expect(stream.readableLength).toBe(0)
    expect(stream.writableLength).toBe(0)
    expect(stream.writableNeedDrain).toBe(false)
  })

  it('rejects with body_too_large when the stream sends more than a small declared Content-Length allows', async () => {
    const stream = new PassThrough()
    const promise = readBody(stream, 10, limits)
    stream.write(Buffer.alloc(150))
    const error = await rejection(promise)
    expect(error.code).toBe('body_too_large')
  })

  it('rejects with body_timeout (408) when the stream stops sending', async () => {
    const stream = new PassThrough()
    const promise = readBody(stream, 20, { limit: 100, timeoutMs: 50 })
    stream.write('{"partial":')
    const error = await rejection(promise)
    expect(error.code).toBe('body_timeout')
    expect(error.status).toBe(408)
    expect(stream.readableEnded).toBe(false)
  })

  it('rejects with request_aborted (400) when the stream is destroyed mid-body', async () => {
    const stream = new PassThrough()
    const promise = readBody(stream, 20, limits)
    stream.write('{"partial":')
    await nextTurn()
    stream.destroy()
    const error = await rejection(promise)
    expect(error.code).toBe('request_aborted')
    expect(error.status).toBe(400)
  })

  it('rejects with request_aborted when the stream is destroyed with an error mid-body', async () => {
    const stream = new PassThrough()
    const promise = readBody(stream, 20, limits)
    stream.write('{"partial":')
    await nextTurn()
    stream.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    const error = await rejection(promise)
    expect(error.code).toBe('request_aborted')
    expect(error.status).toBe(400)
  })
})

// A real request, its head and first body part in one write as an HTTP client sends a small one,
// handed over once its whole body has arrived (or at once, with `early`).
async function serve(body: string[], take: (req: IncomingMessage) => unknown, early = false): Promise<unknown> {
  let taken: unknown
  const server = createServer((req, res) => {
    const run = () => {
      taken = take(req)
      // Answered once it is taken (answering at once would have Node discard the body).
      void Promise.resolve(taken).finally(() => res.end())
    }
    // Looked at between turns, untouched: a listener would start reading it.
    const wait = (): unknown => (req.complete ? run() : setImmediate(wait))
    if (early) run()
    else wait()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve, reject) => {
    const length = Buffer.byteLength(body.join(''))
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body[0] ?? ''}`)
      for (const part of body.slice(1)) setTimeout(() => socket.write(part), 5)
    })
    socket.on('error', reject).on('close', () => resolve()).resume()
  })
  server.close()
  return taken
}

const declared = (req: IncomingMessage): number => Number(req.headers['content-length'])

describe('takeBufferedBody', () => {
  it('takes a body that arrived with its headers a microtask after the handler started, before Node marks it complete', async () => {
    let early: unknown
    const taken = await serve(['{"a":"1"}'], (req) => {
      early = takeBufferedBody(req, declared(req), 100)
      return Promise.resolve().then(() => takeBufferedBody(req, declared(req), 100))
    }, true)
    expect(early).toBeUndefined()
    const body = await taken
    expect(Buffer.isBuffer(body) && body.toString()).toBe('{"a":"1"}')
  })


  it('takes the whole body of a request that has arrived, in one piece', async () => {
    const taken = await serve(['{"a":', '"1"}'], (req) => takeBufferedBody(req, declared(req), 100))
    expect(Buffer.isBuffer(taken) && taken.toString()).toBe('{"a":"1"}')
  })

  it('takes an empty body as an empty buffer', async () => {
    const taken = await serve([], (req) => takeBufferedBody(req, declared(req), 100))
    expect(Buffer.isBuffer(taken) && taken.length).toBe(0)
  })

  it('leaves a body still arriving, one over the limit and one being read to readBody', async () => {
    expect(await serve(['{"a":"1"}'], (req) => takeBufferedBody(req, declared(req), 100), true)).toBeUndefined()
    expect(await serve(['{"a":"1"}'], (req) => takeBufferedBody(req, declared(req), 8))).toBeUndefined()
    expect(await serve(['{"a":"1"}'], (req) => takeBufferedBody(req.on('data', () => {}), declared(req), 100))).toBeUndefined()
    expect(takeBufferedBody(Readable.from(['{}']), 2, 100)).toBeUndefined()
  })
})
