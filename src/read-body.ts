import type { Readable } from 'node:stream'
import { Deadlines } from './delivery/deadline.js'
import { RequestError } from './errors.js'

/** Limits for reading a request body. */
export interface ReadLimits {
  /** Largest body accepted, in bytes. */
  limit: number
  /** Longest wait for the whole body, in milliseconds. */
  timeoutMs: number
  /** The bound on bodies read at once, if any. */
  readers?: BodyReaders | undefined
  /** A shared timer for `timeoutMs` deadlines (one timer for every body being read); default one of its own. */
  deadlines?: Deadlines | undefined
}

/**
 * Bounds how many bodies are read at once without letting slow ones shut out new ones: past the
 * bound, the body that has been arriving longest is cut off (408), so an attacker's trickling
 * uploads cannot hold the room a genuine callback, which arrives in milliseconds, needs.
 */
export class BodyReaders {
  readonly #active = new Set<() => void>()
  readonly #max: number

  /** At most `max` bodies read at once. */
  constructor(max: number) {
    this.#max = max
  }

  /** Bodies being read now. */
  get size(): number {
    return this.#active.size
  }

  /** Registers a read that `cut` ends; returns what to call when it ends by itself. */
  enter(cut: () => void): () => void {
    if (this.#active.size >= this.#max) {
      // A Set iterates in insertion order: the first is the oldest.
      for (const oldest of this.#active) {
        this.#active.delete(oldest)
        oldest()
        break
      }
    }
    this.#active.add(cut)
    return () => this.#active.delete(cut)
  }
}

/**
 * Reads a request stream to its end, refusing it with a 413 as soon as it is known to exceed
 * `limit` (from `Content-Length` or while streaming, never buffering past the limit), with a 408
 * when it stops arriving, and with a 400 when the client aborts it.
 *
 * Note: on refusal up to `DISCARD_LIMIT` more bytes are read and discarded (so an HTTP client
 * still uploading reads the answer instead of a reset), then the stream is destroyed.
 */
export function readBody(
  stream: Readable,
  declaredLength: number | undefined,
  { limit, timeoutMs, readers, deadlines = new Deadlines(timeoutMs) }: ReadLimits,
): Promise<Buffer> {
  if (declaredLength !== undefined && declaredLength > limit) {
    discardRest(stream)
    return Promise.reject(tooLarge(limit))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const finish = (error: RequestError | undefined): void => {
      stopWaiting()
      deadline.clear()
      leave?.()
      stream.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort)
      // A callback's body usually arrives in one chunk: no copy then.
      if (error === undefined) return resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size))
      chunks.length = 0
      discardRest(stream)
      reject(error)
    }
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += bytes.length
      if (size > limit) finish(tooLarge(limit))
      else chunks.push(bytes)
    }
    const onEnd = (): void => finish(undefined)
    const onAbort = (): void =>
      finish(new RequestError('request_aborted', 'the request was aborted before its body ended'))
    const deadline = deadlines.start()
    const stopWaiting = deadline.onPassed(() => finish(new RequestError('body_timeout', `the body did not arrive within ${timeoutMs} ms`)))
    const leave = readers?.enter(() =>
      finish(new RequestError('body_timeout', 'the body was still arriving when newer requests needed the room: too many slow bodies at once')),
    )
    stream.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort)
  })
}

/**
 * The whole body at once when a Node request has already received all of it and nothing has
 * started reading it, as a callback's small body usually has just after its handler starts: no
 * listeners, promise or deadline. All of it means `complete`, or (Node marks that a little later)
 * as many bytes buffered as its `Content-Length`, more than which Node never hands over. Undefined
 * otherwise, and for a body over `limit`, which `readBody` then refuses as usual.
 */
export function takeBufferedBody(stream: Readable, declaredLength: number | undefined, limit: number): Buffer | string | undefined {
  const { complete } = stream as { complete?: unknown }
  const arrived = complete === true || (complete === false && stream.readableLength === declaredLength)
  if (!arrived || stream.readableFlowing !== null || stream.readableLength > limit) return undefined
  // Paused and ended: read() hands over everything buffered (null when that is nothing).
  return (stream.read() as Buffer | string | null) ?? Buffer.alloc(0)
}

/** Most bytes read and thrown away after a refusal before the stream is destroyed. */
export const DISCARD_LIMIT = 1024 * 1024

// Reading on (not pausing) lets a client blocked on its upload see the answer; Connection: close
// ends the socket after it. The cap stops a source that never ends (or pushes synchronously).
function discardRest(stream: Readable): void {
  if (stream.destroyed || stream.readableEnded) return
  let discarded = 0
  const onData = (chunk: Buffer | string): void => {
    discarded += chunk.length
    if (discarded > DISCARD_LIMIT) {
      stream.off('data', onData)
      stream.destroy()
    }
  }
  stream.on('error', () => {}).on('data', onData)
}

function tooLarge(limit: number): RequestError {
  return new RequestError('body_too_large', `the body is larger than the limit of ${limit} bytes`)
}
