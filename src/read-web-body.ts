import { BodyUnavailableError, RequestError } from './errors.js'
import { DISCARD_LIMIT, type ReadLimits } from './read-body.js'

/** Whether `value` is a web `ReadableStream` (a fetch `Request`'s `body`) rather than a Node stream. */
export function isWebStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as Partial<ReadableStream> | undefined)?.getReader === 'function'
}

/**
 * Reads a web body stream (a fetch `Request`'s `body`) to its end, refusing it with a 413 as soon
 * as it is known to exceed `limit` (from `Content-Length` or while streaming, never buffering past
 * the limit), with a 408 when it stops arriving, and with a 400 when it fails (the client went
 * away). The stream is cancelled on every refusal; what happens to the connection is the runtime's.
 *
 * Note: a stream already being read (`request.json()` or a framework's body parser ran first) is a
 * 500 `body_unavailable`: nothing can be verified without the exact bytes.
 */
export async function readWebBody(
  stream: ReadableStream<Uint8Array>,
  declaredLength: number | undefined,
  { limit, timeoutMs }: ReadLimits,
): Promise<Uint8Array> {
  if (stream.locked) {
    throw new BodyUnavailableError(
      'the request body was already read (request.json() or a body parser ran first): hand zego-callbacks the untouched request',
    )
  }
  const reader = stream.getReader()
  if (declaredLength !== undefined && declaredLength > limit) {
    discardRest(reader)
    throw tooLarge(limit)
  }
  let timedOut = false
  // Cancelling the reader ends the pending read() with `done`, so no race against a timer is needed.
  const timer = setTimeout(() => {
    timedOut = true
    reader.cancel().catch(() => {})
  }, timeoutMs)
  ;(timer as { unref?: () => void }).unref?.()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      if (!(next.value instanceof Uint8Array)) throw new RequestError('invalid_body', 'the body stream gave something other than bytes')
      size += next.value.byteLength
      if (size > limit) throw tooLarge(limit)
      chunks.push(next.value)
    }
  } catch (error) {
    const refusal =
      error instanceof RequestError
        ? error
        : new RequestError('request_aborted', 'the request was aborted before its body ended', { cause: error })
    if (refusal.code === 'body_too_large') discardRest(reader)
    else reader.cancel().catch(() => {})
    throw refusal
  } finally {
    clearTimeout(timer)
  }
  if (timedOut) throw new RequestError('body_timeout', `the body did not arrive within ${timeoutMs} ms`)
  return concat(chunks, size)
}

// As readBody does: reading on lets a client still uploading see the answer (a cancel mid-upload
// can reset the connection first); the cap stops a source that never ends.
function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  let discarded = 0
  const pump = async (): Promise<void> => {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      discarded += Number(next.value?.byteLength) || 1
      if (discarded > DISCARD_LIMIT) return reader.cancel()
    }
  }
  pump().catch(() => {})
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

function tooLarge(limit: number): RequestError {
  return new RequestError('body_too_large', `the body is larger than the limit of ${limit} bytes`)
}
