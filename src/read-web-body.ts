import { Deadlines } from './delivery/deadline.js'
import { BodyUnavailableError, RequestError } from './errors.js'
import { DISCARD_LIMIT, type ReadLimits } from './read-body.js'

/** Whether `value` is a web `ReadableStream` (a fetch `Request`'s `body`) rather than a Node stream. */
export function isWebStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as Partial<ReadableStream> | undefined)?.getReader === 'function'
}

/**
 * Reads a web body stream (a fetch `Request`'s `body`) to its end, refusing it with a 413 as soon
 * as it is known to exceed `limit` (from `Content-Length` or while streaming, never buffering past
 * the limit), with a 408 when it stops arriving, and with a 400 when it fails (the client went away).
 *
 * Note: before a 413, up to `DISCARD_LIMIT` more bytes are read and dropped (a client still sending
 * then reads the answer instead of a reset), then the stream is cancelled. All of it happens before
 * the answer, so no read is left running after it (Workers do not keep one alive). Past `readers`'
 * bound, the body arriving longest is cut off (408), as readBody does. A stream already being read
 * (`request.json()` ran first) is a 500 `body_unavailable`.
 */
export async function readWebBody(
  stream: ReadableStream<Uint8Array>,
  declaredLength: number | undefined,
  { limit, timeoutMs, readers, deadlines = new Deadlines(timeoutMs) }: ReadLimits,
): Promise<Uint8Array> {
  if (stream.locked) {
    throw new BodyUnavailableError(
      'the request body was already read (request.json() or a body parser ran first): hand zego-callbacks the untouched request',
    )
  }
  const reader = stream.getReader()
  let cutOff: string | undefined
  // Cancelling the reader ends the pending read() with `done`, so nothing races the read.
  const cut = (why: string): void => {
    cutOff ??= why
    reader.cancel().catch(() => {})
  }
  const deadline = deadlines.start()
  const stopWaiting = deadline.onPassed(() => cut(`the body did not arrive within ${timeoutMs} ms`))
  const leave = readers?.enter(() => cut('the body was still arriving when newer requests needed the room: too many slow bodies at once'))
  try {
    if (declaredLength !== undefined && declaredLength > limit) return await refuse(reader, limit)
    const chunks: Uint8Array[] = []
    let size = 0
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      if (!(next.value instanceof Uint8Array)) throw new RequestError('invalid_body', 'the body stream gave something other than bytes')
      size += next.value.byteLength
      if (size > limit) return await refuse(reader, limit)
      chunks.push(next.value)
    }
    if (cutOff !== undefined) throw new RequestError('body_timeout', cutOff)
    return concat(chunks, size)
  } catch (error) {
    reader.cancel().catch(() => {})
    if (error instanceof RequestError) throw error
    throw new RequestError('request_aborted', 'the request was aborted before its body ended', { cause: error })
  } finally {
    stopWaiting()
    deadline.clear()
    leave?.()
  }
}

// Reads on and drops up to DISCARD_LIMIT bytes (until the end, the timer or a failure), then refuses.
async function refuse(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<never> {
  let dropped = 0
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      dropped += Number(next.value?.byteLength) || 1
      if (dropped > DISCARD_LIMIT) break
    }
  } catch {
    // The client went away: the answer is still that the body is too large.
  }
  throw new RequestError('body_too_large', `the body is larger than the limit of ${limit} bytes`)
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
