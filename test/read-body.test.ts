import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { RequestError } from '../src/errors.js'
import { BodyReaders, DISCARD_LIMIT, readBody, takeBufferedBody } from '../src/read-body.js'

const limits = { limit: 100, timeoutMs: 10_000 }
const tooLarge = { code: 'body_too_large', status: 413, message: 'the body is larger than the limit of 100 bytes' }
const aborted = { code: 'request_aborted', status: 400, message: 'the request was aborted before its body ended' }
const events = ['data', 'end', 'error', 'close'] as const

/** How many listeners of each event `stream` has. */
const listeners = (stream: Readable): number[] => events.map((name) => stream.listenerCount(name))

/** Waits until what was written to `stream` has flowed out of it. */
async function drained(stream: PassThrough): Promise<void> {
  while (stream.writableLength > 0 || stream.readableLength > 0) await nextTurn()
  await nextTurn()
}

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

  it('returns a body that came in one chunk as that chunk, without copying it', async () => {
    const bytes = Buffer.from('{"a":"1"}')
    expect(await readBody(Readable.from([bytes]), undefined, limits)).toBe(bytes)
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
    expect(error).toMatchObject(tooLarge)
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
    expect(error).toMatchObject(tooLarge)
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
    expect(error).toMatchObject({ code: 'body_timeout', status: 408, message: 'the body did not arrive within 50 ms' })
    expect(stream.readableEnded).toBe(false)
  })

  it('rejects with request_aborted (400) when the stream is destroyed mid-body', async () => {
    const stream = new PassThrough()
    const promise = readBody(stream, 20, limits)
    stream.write('{"partial":')
    await nextTurn()
    stream.destroy()
    const error = await rejection(promise)
    expect(error).toMatchObject(aborted)
  })

  it('rejects with request_aborted when the stream is destroyed with an error mid-body', async () => {
    const stream = new PassThrough()
    const promise = readBody(stream, 20, limits)
    stream.write('{"partial":')
    await nextTurn()
    stream.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    const error = await rejection(promise)
    expect(error).toMatchObject(aborted)
  })

  it('takes its listeners off the stream once the body is read, refused, late or aborted', async () => {
    const read = new PassThrough()
    const reading = readBody(read, undefined, limits)
    read.end('{}')
    await reading
    expect(listeners(read)).toEqual([0, 0, 0, 0])

    // After a refusal only the discarding reader listens: one data and one error listener.
    const large = new PassThrough()
    const refusing = readBody(large, undefined, limits)
    large.write(Buffer.alloc(101))
    await rejection(refusing)
    expect(listeners(large)).toEqual([1, 0, 1, 0])
    large.write(Buffer.alloc(200))
    await drained(large)
    expect(listeners(large)).toEqual([1, 0, 1, 0])

    const late = new PassThrough()
    await rejection(readBody(late, undefined, { limit: 100, timeoutMs: 20 }))
    expect(listeners(late)).toEqual([1, 0, 1, 0])

    const gone = new PassThrough()
    const going = readBody(gone, undefined, limits)
    gone.destroy()
    await rejection(going)
    expect(listeners(gone)).toEqual([0, 0, 0, 0])
  })

  it('adds no listener to a refused stream that has already ended or been destroyed', async () => {
    const ended = new Readable({ autoDestroy: false, read() {} })
    ended.push(null)
    ended.resume()
    await once(ended, 'end')
    const destroyed = new PassThrough()
    destroyed.destroy()
    for (const stream of [ended, destroyed]) {
      const before = listeners(stream)
      expect(await rejection(readBody(stream, 101, limits))).toMatchObject(tooLarge)
      expect(listeners(stream)).toEqual(before)
    }
  })

  describe('after a refusal', () => {
    it(`reads and drops up to DISCARD_LIMIT bytes, then destroys the stream`, async () => {
      const stream = new PassThrough()
      expect(await rejection(readBody(stream, 101, limits))).toMatchObject(tooLarge)
      for (let sent = 0; sent < DISCARD_LIMIT; sent += 64 * 1024) stream.write(Buffer.alloc(64 * 1024))
      await drained(stream)
      expect(stream.destroyed).toBe(false)
      stream.write(Buffer.alloc(1))
      await nextTurn()
      expect(stream.destroyed).toBe(true)
      expect(stream.listenerCount('data')).toBe(0)
    })

    it('counts string chunks by their length', async () => {
      const stream = new PassThrough({ decodeStrings: false, encoding: 'latin1' })
      expect(await rejection(readBody(stream, 101, limits))).toMatchObject(tooLarge)
      stream.write('a'.repeat(DISCARD_LIMIT))
      await drained(stream)
      expect(stream.destroyed).toBe(false)
      stream.write('a')
      await nextTurn()
      expect(stream.destroyed).toBe(true)
    })

    it('takes an error of the stream (the client resetting) without throwing it', async () => {
      const stream = new PassThrough()
      expect(await rejection(readBody(stream, 101, limits))).toMatchObject(tooLarge)
      // With no error listener, emit would throw the error (and a destroy(error) would crash the process).
      expect(() => stream.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).not.toThrow()
      const streamed = new PassThrough()
      const refusing = readBody(streamed, undefined, limits)
      streamed.write(Buffer.alloc(101))
      await rejection(refusing)
      expect(() => streamed.emit('error', new Error('read ECONNRESET'))).not.toThrow()
    })
  })
})

describe('BodyReaders', () => {
  it('cuts off no read while under its bound, and the oldest one past it', () => {
    const readers = new BodyReaders(2)
    const cut: string[] = []
    const leaveA = readers.enter(() => cut.push('a'))
    readers.enter(() => cut.push('b'))
    expect(readers.size).toBe(2)
    expect(cut).toEqual([])
    leaveA()
    expect(readers.size).toBe(1)
    readers.enter(() => cut.push('c'))
    expect(cut).toEqual([])
    readers.enter(() => cut.push('d'))
    expect(cut).toEqual(['b'])
    expect(readers.size).toBe(2)
  })

  it('past the bound, cuts off the body arriving longest with body_timeout (408) and reads the new one', async () => {
    const readers = new BodyReaders(1)
    const slowStream = new PassThrough()
    const slow = readBody(slowStream, undefined, { ...limits, readers })
    slowStream.write('{"a":')
    const fresh = readBody(Readable.from(['{"b":1}']), undefined, { ...limits, readers })
    expect(await rejection(slow)).toMatchObject({
      code: 'body_timeout',
      status: 408,
      message: 'the body was still arriving when newer requests needed the room: too many slow bodies at once',
    })
    expect((await fresh).toString()).toBe('{"b":1}')
    expect(readers.size).toBe(0)
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

  it('takes a body of exactly the limit', async () => {
    const taken = await serve(['{"a":"1"}'], (req) => takeBufferedBody(req, declared(req), 9))
    expect(Buffer.isBuffer(taken) && taken.toString()).toBe('{"a":"1"}')
  })

  it('trusts a Content-Length count only on a Node request: a stream that does not say it is complete is left to readBody', () => {
    const stream = new PassThrough()
    stream.write('{}')
    expect(stream.readableLength).toBe(2)
    expect(takeBufferedBody(stream, 2, 100)).toBeUndefined()
    expect(stream.readableLength).toBe(2)
  })
})
