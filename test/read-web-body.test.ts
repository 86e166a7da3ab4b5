import { describe, expect, it } from 'vitest'
import { BodyUnavailableError, RequestError } from '../src/errors.js'
import { BodyReaders, DISCARD_LIMIT } from '../src/read-body.js'
import { isWebStream, readWebBody } from '../src/read-web-body.js'

const limits = { limit: 100, timeoutMs: 10_000 }
const tooLarge = { code: 'body_too_large', status: 413, message: 'the body is larger than the limit of 100 bytes' }
const encoder = new TextEncoder()

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected readWebBody to reject')
}

/** A pull source giving `chunks` one at a time, then the end, noting whether it was cancelled. */
function chunked(chunks: unknown[]) {
  const seen = { pulled: 0, cancelled: false }
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.pulled === chunks.length) return controller.close()
        controller.enqueue(chunks[seen.pulled++] as Uint8Array)
      },
      cancel() {
        seen.cancelled = true
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, seen }
}

/** A pull source of `chunk`-byte chunks, `total` bytes in all (Infinity: never ends), counting what was pulled. */
function source(total: number, chunk: number) {
  const seen = { pulled: 0, cancelled: false }
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.pulled >= total) return controller.close()
        const size = Math.min(chunk, total - seen.pulled)
        seen.pulled += size
        controller.enqueue(new Uint8Array(size).fill(0x20))
      },
      cancel() {
        seen.cancelled = true
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, seen }
}

describe('readWebBody', () => {
  it('returns the exact bytes of a body in chunks, a multi-byte character split across two', async () => {
    const bytes = encoder.encode('{"room":"房间"}')
    const stream = new Request('http://localhost/', { method: 'POST', body: bytes }).body!
    expect(await readWebBody(stream, bytes.length, limits)).toEqual(bytes)
    const split = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of [bytes.subarray(0, 10), bytes.subarray(10, 11), bytes.subarray(11)]) controller.enqueue(part)
        controller.close()
      },
    })
    expect(new TextDecoder().decode(await readWebBody(split, undefined, limits))).toBe('{"room":"房间"}')
  })

  it('returns a body that came in one chunk as that chunk, without copying it', async () => {
    const bytes = encoder.encode('{"a":"1"}')
    expect(await readWebBody(chunked([bytes]).stream, undefined, limits)).toBe(bytes)
  })

  it('accepts a body of exactly the limit and an empty one', async () => {
    const { stream } = source(100, 30)
    expect((await readWebBody(stream, 100, limits)).byteLength).toBe(100)
    expect((await readWebBody(source(0, 1).stream, 0, limits)).byteLength).toBe(0)
  })

  it('refuses a declared Content-Length over the limit before buffering anything (413)', async () => {
    const { stream, seen } = source(Infinity, 64 * 1024)
    const error = await rejection(readWebBody(stream, 101, limits))
    expect(error).toBeInstanceOf(RequestError)
    expect(error).toMatchObject(tooLarge)
    // The rest was read and dropped up to the discard cap, then the stream cancelled, all before the answer.
    expect(seen.cancelled).toBe(true)
    expect(seen.pulled).toBeLessThanOrEqual(DISCARD_LIMIT + 2 * 64 * 1024)
  })

  it('refuses a streamed body once past the limit, and cancels a source that never ends before answering', async () => {
    const { stream, seen } = source(Infinity, 30)
    const error = await rejection(readWebBody(stream, undefined, limits))
    expect(error).toMatchObject(tooLarge)
    expect(seen.cancelled).toBe(true)
    expect(seen.pulled).toBeLessThanOrEqual(limits.limit + DISCARD_LIMIT + 2 * 30)
    const pulled = seen.pulled
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(seen.pulled).toBe(pulled)
  })

  it('reads a small oversized body to its end before answering, so a client still sending gets the answer', async () => {
    const { stream, seen } = source(5_000, 1_000)
    expect(await rejection(readWebBody(stream, 5_000, limits))).toMatchObject({ code: 'body_too_large' })
    expect(seen.pulled).toBe(5_000)
    expect(seen.cancelled).toBe(false)
  })

  it('refuses a small body whose declared Content-Length is over the limit (413)', async () => {
    const { stream, seen } = source(10, 10)
    expect(await rejection(readWebBody(stream, 101, limits))).toMatchObject(tooLarge)
    expect(seen.pulled).toBe(10)
  })

  it('drops up to DISCARD_LIMIT bytes before answering 413, and cancels a body with more', async () => {
    const exact = source(DISCARD_LIMIT, 64 * 1024)
    expect(await rejection(readWebBody(exact.stream, DISCARD_LIMIT, limits))).toMatchObject(tooLarge)
    expect(exact.seen).toEqual({ pulled: DISCARD_LIMIT, cancelled: false })
    const more = source(DISCARD_LIMIT + 1, 64 * 1024)
    expect(await rejection(readWebBody(more.stream, DISCARD_LIMIT + 1, limits))).toMatchObject(tooLarge)
    expect(more.seen).toEqual({ pulled: DISCARD_LIMIT + 1, cancelled: true })
  })

  it('drops chunks that are not bytes while refusing, counting each as one byte', async () => {
    const { stream, seen } = chunked([undefined, 'text', new Uint8Array(10)])
    expect(await rejection(readWebBody(stream, 101, limits))).toMatchObject(tooLarge)
    expect(seen).toEqual({ pulled: 3, cancelled: false })
  })

  it('answers 413 when the stream fails while the rest is dropped', async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('socket hang up'))
      },
    })
    expect(await rejection(readWebBody(failing, 101, limits))).toMatchObject(tooLarge)
  })

  it('answers 408 body_timeout when the body stops arriving, and cancels the stream', async () => {
    let cancelled = false
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('{"a":'))
      },
      cancel() {
        cancelled = true
      },
    })
    const error = await rejection(readWebBody(stalled, undefined, { limit: 100, timeoutMs: 30 }))
    expect(error).toMatchObject({ code: 'body_timeout', status: 408, message: 'the body did not arrive within 30 ms' })
    expect(cancelled).toBe(true)
  })

  it('answers 413, not 408, when an oversized body stalls while the rest is dropped', async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(150))
      },
    })
    expect(await rejection(readWebBody(stalled, undefined, { limit: 100, timeoutMs: 30 }))).toMatchObject(tooLarge)
  })

  it('past the readers bound, cuts off the body that has been arriving longest (408) and lets the new one through', async () => {
    const readers = new BodyReaders(1)
    const stalled = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(encoder.encode('{"a":')) })
    const slow = readWebBody(stalled, undefined, { ...limits, readers })
    await new Promise((resolve) => setTimeout(resolve, 10))
    const fresh = readWebBody(new Request('http://localhost/', { method: 'POST', body: '{"b":1}' }).body!, 7, { ...limits, readers })
    expect(await rejection(slow)).toMatchObject({ code: 'body_timeout', status: 408, message: expect.stringMatching(/too many slow bodies/) })
    expect(new TextDecoder().decode(await fresh)).toBe('{"b":1}')
    expect(readers.size).toBe(0)
  })

  it('answers 400 request_aborted when the stream fails (the client went away)', async () => {
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('{"a":'))
      },
      pull(controller) {
        controller.error(new Error('socket hang up'))
      },
    })
    const error = await rejection(readWebBody(failing, undefined, limits))
    expect(error).toMatchObject({ code: 'request_aborted', status: 400, message: 'the request was aborted before its body ended' })
    expect((error as RequestError).cause).toMatchObject({ message: 'socket hang up' })
  })

  it('answers 400 invalid_body for a stream of something other than bytes', async () => {
    const strings = new ReadableStream<unknown>({
      start(controller) {
        controller.enqueue('{"a":1}')
        controller.close()
      },
    }) as ReadableStream<Uint8Array>
    expect(await rejection(readWebBody(strings, undefined, limits))).toMatchObject({
      code: 'invalid_body',
      status: 400,
      message: 'the body stream gave something other than bytes',
    })
  })

  it('answers 500 body_unavailable for a body something else is reading or has read', async () => {
    const request = new Request('http://localhost/', { method: 'POST', body: '{"a":1}' })
    await request.text()
    const error = await rejection(readWebBody(request.body!, undefined, limits))
    expect(error).toBeInstanceOf(BodyUnavailableError)
    expect(error).toMatchObject({ code: 'body_unavailable', status: 500 })
    expect(error.message).toMatch(/already read.*untouched request/)
  })

  it('tells a web stream from a Node stream', async () => {
    const { Readable } = await import('node:stream')
    expect(isWebStream(new ReadableStream())).toBe(true)
    expect(isWebStream(Readable.from(['x']))).toBe(false)
    expect(isWebStream(undefined)).toBe(false)
  })
})
