import type { Readable } from 'node:stream'
import { decodeBody, fromParsedBody, mediaTypeOf, type MediaType } from './body.js'
import { BodyUnavailableError, RequestError } from './errors.js'
import { quote, type RawPayload } from './raw.js'
import type { Deadlines } from './delivery/deadline.js'
import { readBody, takeBufferedBody, type BodyReaders } from './read-body.js'
import { isWebStream, readWebBody } from './read-web-body.js'

/** A framework-free description of one incoming request; adapters fill it from their framework. */
export interface CallbackRequest {
  /** The HTTP method. */
  method: string
  /** The `Content-Type` header. */
  contentType?: string | undefined
  /** The `Content-Length` header, used to refuse an oversized body before reading it. */
  contentLength?: string | number | undefined
  /** The exact body, when the host already has it (a raw-body middleware, a serverless event). */
  body?: Uint8Array | string | undefined
  /** What a host body parser left (`req.body`), used only when neither `body` nor `stream` can be read. */
  parsedBody?: unknown
  /** The request stream (a Node stream, or a fetch `Request`'s `body`), read with the size limit when the body was not read yet. */
  stream?: Readable | ReadableStream<Uint8Array> | undefined
}

/** What decoding needs from the options. */
export interface DecodeSettings {
  bodyLimit: number
  bodyTimeoutMs: number
  readers: BodyReaders
  /** One timer for every body's `bodyTimeoutMs`. */
  deadlines: Deadlines
}

/** A decoded request: the payload, and the fields a host JSON parser rounded before we saw the body. */
export interface Decoded {
  raw: RawPayload
  lossy: readonly string[]
}

const NO_FIELDS: readonly string[] = Object.freeze([])

/**
 * Turns a request into a raw payload: refuses a method other than POST (405), a media type other
 * than JSON or form (415), an oversized (413), slow (408) or malformed (400) body, and a body a
 * host middleware consumed without keeping a copy (500). Synchronous when the body is at hand.
 */
export function decodeRequest(request: CallbackRequest, settings: DecodeSettings): Decoded | Promise<Decoded> {
  if (request.method.toUpperCase() !== 'POST') {
    throw new RequestError('method_not_allowed', `${quote(request.method)} is not allowed here: ZEGO posts callbacks`)
  }
  const media = mediaTypeOf(request.contentType)
  const { stream } = request
  if (request.body !== undefined) return fromBody(request.body, media)
  const length = Number(request.contentLength)
  const declared = Number.isFinite(length) ? length : undefined
  const limits = { limit: settings.bodyLimit, timeoutMs: settings.bodyTimeoutMs, readers: settings.readers, deadlines: settings.deadlines }
  if (isWebStream(stream)) {
    return readWebBody(stream, declared, limits).then((bytes) => fromBody(bytes, media))
  }
  if (stream !== undefined && !stream.readableEnded && !stream.destroyed) {
    const buffered = takeBufferedBody(stream, declared, settings.bodyLimit)
    if (buffered !== undefined) return fromBody(buffered, media)
    // A body sent with its headers is parsed right after the handler its headers started returns:
    // look again then, and only a body still arriving is read with listeners and a deadline.
    return Promise.resolve().then(() => {
      const arrived = takeBufferedBody(stream, declared, settings.bodyLimit)
      if (arrived !== undefined) return fromBody(arrived, media)
      if (stream.destroyed && !stream.readableEnded) throw aborted()
      return readBody(stream, declared, limits).then((bytes) => fromBody(bytes, media))
    })
  }
  if (request.parsedBody !== undefined && request.parsedBody !== null) {
    const { payload, lossy } = fromParsedBody(request.parsedBody)
    return { raw: payload, lossy }
  }
  if (stream !== undefined && stream.destroyed && !stream.readableEnded) {
    // The client went away before we ran: not a setup problem.
    throw aborted()
  }
  throw new BodyUnavailableError(
    'the request body was already read by another middleware, which kept no copy: mount zego-callbacks before body parsers',
  )
}

// The body itself was read: nothing was rounded before us.
function fromBody(body: Uint8Array | string, media: MediaType): Decoded {
  return { raw: decodeBody(body, media), lossy: NO_FIELDS }
}

function aborted(): RequestError {
  return new RequestError('request_aborted', 'the request was aborted before its body was read')
}

/** Why a host body parser's rounding makes a payload unusable, and how to fix the setup. */
export function lossyHint(fields: readonly string[]): string {
  return (
    `a body parser that ran before zego-callbacks rounded ${fields.join(', ')} (a plain JSON.parse loses digits past 2^53): ` +
    'mount zego-callbacks before express.json(), or keep the raw body (express.json({ verify: (req, res, buf) => { req.rawBody = buf } }))'
  )
}
