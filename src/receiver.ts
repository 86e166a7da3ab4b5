import type { Readable } from 'node:stream'
import { EventEmitter } from 'eventemitter3'
import { decodeBody, fromParsedBody, mediaTypeOf } from './body.js'
import { Deliverer, type DeliveryContext } from './delivery/deliverer.js'
import { contentDigest, tripleOf } from './delivery/keys.js'
import {
  BodyUnavailableError,
  DeliveryError,
  ListenerError,
  RequestError,
  VerificationError,
  ZegoCallbackError,
  type RejectionReason,
} from './errors.js'
import { definitionFor, type ModeledEventMap, type ModeledEventName } from './events/registry.js'
import { resolveOptions, type ResolvedOptions, type ZegoCallbacksOptions } from './options.js'
import { getOwn, quote, type RawPayload } from './raw.js'
import { readBody } from './read-body.js'
import { isWebStream, readWebBody } from './read-web-body.js'
import { commonField, verifyCallback, type VerifiedSignature } from './verify.js'

/** What the `callback` event's listeners get: every verified callback, modeled or not. */
export interface CallbackEvent {
  /** ZEGO's event name as sent (`'stream_create'`, or the `Event` of a PascalCase product). */
  event: string
  /** The payload exactly as received. */
  raw: RawPayload
}

export type { DeliveryContext } from './delivery/deliverer.js'

/** What the `duplicate` event's listeners get: a callback already delivered, answered 200 without running listeners. */
export interface DuplicateEvent extends CallbackEvent {
  /** The deduplication key it matched. */
  key: string
  /** `'signature'` when this exact signed request was seen before, `'key'` when a retry with a new signature was recognised by its key. */
  matchedBy: 'signature' | 'key'
  /** When this request arrived. */
  receivedAt: Date
}

/** What the `error` event's listeners get: a failure no answer to ZEGO reports. */
export interface DeliveryErrorEvent {
  /**
   * A `ListenerError` acknowledged by the failure policy or thrown after the deadline's 503, a
   * `DeliveryError` (`store_failed`) after a delivery, or an `internal_error` of a failure policy.
   */
  error: ZegoCallbackError
  /** The deduplication key of the callback concerned. */
  key: string
  /** The delivery concerned, when the listeners ran. */
  delivery: DeliveryContext | undefined
}

/** What the `rejected` event's listeners get: every request not answered 2xx. */
export interface RejectedEvent {
  /** Why, as a stable code. */
  reason: RejectionReason
  /** The HTTP status answered. */
  status: number
  /** The message answered (never the secret, a stack trace or a listener's own message). */
  message: string
  /** The error itself, with the original failure as `cause` (listener errors are there). */
  error: ZegoCallbackError
}

/** Every event name mapped to what its listeners get. */
export interface ZegoEventMap extends ModeledEventMap {
  /** Every verified callback, including event types this version does not model. */
  callback: CallbackEvent
  /** Every refused request (4xx), and every callback answered 5xx. */
  rejected: RejectedEvent
  /** Every repeat of a delivered callback, answered 200 without running the listeners. */
  duplicate: DuplicateEvent
  /** Failures no answer reports (an acknowledged listener failure, a store failure after delivery). */
  error: DeliveryErrorEvent
}

/** An event name listeners can subscribe to. */
export type ZegoEventName = keyof ZegoEventMap

/** The events that deliver a callback, whose listeners get a `DeliveryContext` too. */
export type DeliveredEventName = ModeledEventName | 'callback'

/**
 * A listener; when it returns a promise the answer to ZEGO waits for it, and a rejection answers
 * 500. Listeners of a callback's events get its `DeliveryContext` as the second argument.
 */
export type ZegoListener<K extends ZegoEventName> = K extends DeliveredEventName
  ? (payload: ZegoEventMap[K], delivery: DeliveryContext) => unknown
  : (payload: ZegoEventMap[K]) => unknown

/** The typed `on` / `once` / `off` surface shared by the receiver and the middlewares. */
export interface ZegoEventSource<Self> {
  /** Calls `listener` for every `event`; returns this for chaining. */
  on<K extends ZegoEventName>(event: K, listener: ZegoListener<K>): Self
  /** Calls `listener` for the next `event` only. */
  once<K extends ZegoEventName>(event: K, listener: ZegoListener<K>): Self
  /** Removes `listener` from `event`, or every listener of `event` when none is given. */
  off<K extends ZegoEventName>(event: K, listener?: ZegoListener<K>): Self
}

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

/** The body of every answer: small JSON, never the secret or a stack trace. */
export type CallbackResponseBody =
  | { ok: true; duplicate?: true }
  | { ok: false; reason: RejectionReason; message: string }

/** A framework-free answer for an adapter to send. */
export interface CallbackResponse {
  /** The HTTP status. */
  status: number
  /** Headers to set (`Allow` on a 405). */
  headers: Record<string, string>
  /** The JSON body. */
  body: CallbackResponseBody
}

/**
 * Receives ZEGO callbacks without any framework: decodes, verifies, validates, delivers each
 * callback to the listeners once, and says what to answer. The Express and Koa middlewares are
 * thin wrappers around it.
 */
export class ZegoReceiver implements ZegoEventSource<ZegoReceiver> {
  readonly #options: ResolvedOptions
  readonly #emitter = new EventEmitter()
  readonly #deliverer: Deliverer
  readonly #receiving = new Set<Promise<CallbackResponse>>()
  readonly #reporting = new Set<Promise<void>>()
  #closing = false

  /** Throws a `TypeError` when no secret is configured or an option is unusable. */
  constructor(options?: ZegoCallbacksOptions) {
    this.#options = resolveOptions(options)
    this.#deliverer = new Deliverer({
      ...this.#options,
      report: (error, key, delivery) => {
        const reporting = this.#report({ error, key, delivery })
        this.#reporting.add(reporting)
        void reporting.finally(() => this.#reporting.delete(reporting))
      },
    })
  }

  /** The path answered when the middleware is mounted with `app.use()`. */
  get path(): string {
    return this.#options.path
  }

  /** Callbacks being handled now: requests in progress plus listeners still running after a deadline's 503. */
  get inFlight(): number {
    return this.#receiving.size + this.#deliverer.orphans
  }

  /** Whether a request path (without query) is the configured callback path, a trailing slash allowed. */
  matchesPath(path: string): boolean {
    const wanted = this.#options.path
    return path === wanted || path === `${wanted}/` || `${path}/` === wanted
  }

  on<K extends ZegoEventName>(event: K, listener: ZegoListener<K>): this {
    this.#emitter.on(event, listener)
    return this
  }

  once<K extends ZegoEventName>(event: K, listener: ZegoListener<K>): this {
    this.#emitter.once(event, listener)
    return this
  }

  off<K extends ZegoEventName>(event: K, listener?: ZegoListener<K>): this {
    this.#emitter.off(event, listener)
    return this
  }

  /** How many listeners `event` has. */
  listenerCount(event: ZegoEventName): number {
    return this.#emitter.listenerCount(event)
  }

  /**
   * Stops taking callbacks (each new one is answered 503, so ZEGO retries it elsewhere or later)
   * and resolves once every one in flight has been answered, its listeners and `error` listeners
   * have finished.
   *
   * Note: it also waits for the delivery store to answer what it was asked.
   */
  async close(): Promise<void> {
    this.#closing = true
    while (this.#receiving.size > 0) await Promise.allSettled([...this.#receiving])
    await this.#deliverer.settled()
    // Reports of what finished after its answer (the `error` event) are part of draining.
    while (this.#reporting.size > 0) await Promise.allSettled([...this.#reporting])
  }

  /**
   * Handles one request and resolves with the answer once every listener has settled (or the
   * listener deadline passed); never rejects. Every answer other than 2xx is also emitted as `rejected`.
   */
  async receive(request: CallbackRequest): Promise<CallbackResponse> {
    if (this.#closing) {
      return this.#refuse(new DeliveryError('closing', 'the receiver is shutting down; ZEGO will retry'))
    }
    if (this.inFlight >= this.#options.maxInFlight) {
      return this.#refuse(
        new DeliveryError('overloaded', `${this.#options.maxInFlight} callbacks are in flight already; ZEGO will retry`),
      )
    }
    const answer = this.#receive(request, new Date(this.#options.now()))
    this.#receiving.add(answer)
    try {
      return await answer
    } finally {
      this.#receiving.delete(answer)
    }
  }

  async #receive(request: CallbackRequest, receivedAt: Date): Promise<CallbackResponse> {
    try {
      const { raw, lossy, signed } = await this.#decode(request)
      return await this.#deliver(raw, lossy, signed, receivedAt)
    } catch (caught) {
      return this.#refuse(caught)
    }
  }

  async #refuse(caught: unknown): Promise<CallbackResponse> {
    const error =
      caught instanceof ZegoCallbackError
        ? caught
        : new ZegoCallbackError('internal_error', 'zego-callbacks failed unexpectedly', { cause: caught })
    return this.#reject(error, error.status)
  }

  async #reject(error: ZegoCallbackError, status: number): Promise<CallbackResponse> {
    await this.#dispatch('rejected', { reason: error.code, status, message: error.message, error })
    return {
      status,
      headers: headersFor(error.code),
      body: { ok: false, reason: error.code, message: error.message },
    }
  }

  // Returns the verified payload, what verified it, and the fields a host JSON parser rounded before we saw the body.
  async #decode(
    request: CallbackRequest,
  ): Promise<{ raw: RawPayload; lossy: readonly string[]; signed: VerifiedSignature }> {
    if (request.method.toUpperCase() !== 'POST') {
      throw new RequestError('method_not_allowed', `${quote(request.method)} is not allowed here: ZEGO posts callbacks`)
    }
    const media = mediaTypeOf(request.contentType || undefined)
    let raw: RawPayload
    let lossy: readonly string[] = []
    const { stream } = request
    const length = request.contentLength === undefined ? undefined : Number(request.contentLength)
    const declared = Number.isFinite(length) ? length : undefined
    const limits = { limit: this.#options.bodyLimit, timeoutMs: this.#options.bodyTimeoutMs }
    if (request.body !== undefined) {
      raw = decodeBody(request.body, media)
    } else if (isWebStream(stream)) {
      raw = decodeBody(await readWebBody(stream, declared, limits), media)
    } else if (stream !== undefined && !stream.readableEnded && !stream.destroyed) {
      raw = decodeBody(await readBody(stream, declared, limits), media)
    } else if (request.parsedBody !== undefined && request.parsedBody !== null) {
      ;({ payload: raw, lossy } = fromParsedBody(request.parsedBody))
    } else if (stream !== undefined && stream.destroyed && !stream.readableEnded) {
      // The client went away before we ran: not a setup problem.
      throw new RequestError('request_aborted', 'the request was aborted before its body was read')
    } else {
      throw new BodyUnavailableError(
        'the request body was already read by another middleware, which kept no copy: mount zego-callbacks before body parsers',
      )
    }
    try {
      return { raw, lossy, signed: verifyCallback(raw, this.#options) }
    } catch (error) {
      // A rounded nonce cannot verify; say why, but it stays a 401: the sender is not proven to be ZEGO.
      const rounded = lossy.filter((field) => /^(nonce|timestamp)$/i.test(field))
      if (error instanceof VerificationError && rounded.length > 0) {
        throw new VerificationError(error.code, `${error.message}; ${lossyHint(rounded)}`, { cause: error })
      }
      throw error
    }
  }

  async #deliver(
    raw: RawPayload,
    lossy: readonly string[],
    signed: VerifiedSignature,
    receivedAt: Date,
  ): Promise<CallbackResponse> {
    const event = commonField(raw, 'event')
    if (typeof event !== 'string' || event === '') {
      throw new RequestError('invalid_body', 'the callback has no event name')
    }
    // Models describe ZEGO's snake_case RTC payloads; a PascalCase payload of another product
    // with the same event name is verified but reaches `callback` only.
    const definition = getOwn(raw, 'event') === event ? definitionFor(event) : undefined
    // Never hand a listener an id with rounded digits; with no listener to mislead, acknowledge.
    const listened = this.listenerCount('callback') + (definition ? this.listenerCount(definition.name) : 0)
    if (lossy.length > 0 && listened > 0) throw new BodyUnavailableError(lossyHint(lossy))
    // Validate before any listener runs: a 400 must not have side effects.
    const payload = definition?.parse(raw)
    const callback: CallbackEvent = { event, raw }
    const triple = tripleOf(signed.timestamp, signed.nonce, signed.signature)
    const key = this.#keyOf(callback) ?? (definition && payload ? definition.key(payload as never) : `sig:${triple}`)
    const run = async (delivery: DeliveryContext): Promise<void> => {
      const jobs = [this.#dispatch('callback', callback, delivery)]
      if (definition !== undefined) jobs.push(this.#dispatch(definition.name, payload as never, delivery))
      const errors = (await Promise.all(jobs)).flat()
      if (errors.length > 0) throw new ListenerError(errors)
    }
    const outcome = await this.#deliverer.deliver({
      key,
      triple,
      timestamp: signed.seconds,
      digest: contentDigest(raw),
      receivedAt,
      run,
    })
    if (outcome.kind === 'delivered') return { status: 200, headers: {}, body: { ok: true } }
    if (outcome.kind === 'duplicate') {
      await this.#dispatch('duplicate', { ...callback, key, matchedBy: outcome.matchedBy, receivedAt })
      return { status: 200, headers: {}, body: { ok: true, duplicate: true } }
    }
    if (outcome.status >= 200 && outcome.status < 300) return { status: outcome.status, headers: {}, body: { ok: true } }
    return this.#reject(outcome.error, outcome.status)
  }

  // The user's key, when the `dedupeKey` option gives one.
  #keyOf(callback: CallbackEvent): string | undefined {
    const key = this.#options.dedupeKey?.(callback)
    if (key === undefined) return undefined
    if (typeof key !== 'string' || key === '') {
      throw new TypeError(`zego-callbacks: the \`dedupeKey\` option returned ${JSON.stringify(key)}, not a non-empty string or undefined`)
    }
    return `user:${key}`
  }

  // Failures no answer carries go to `error`; with no `error` listener, to a process warning.
  async #report(event: DeliveryErrorEvent): Promise<void> {
    if (this.listenerCount('error') === 0) {
      process.emitWarning(`zego-callbacks: ${event.error.message} (key ${event.key}); listen to 'error' to handle it`, {
        code: 'ZEGO_CALLBACKS_UNREPORTED',
      })
      return
    }
    await this.#dispatch('error', event)
  }

  // eventemitter3's emit ignores returned promises; call each listener and collect its failure.
  // A `once` listener is taken off before it runs (so concurrent callbacks do not share it) and put
  // back if it fails, so that ZEGO's retry of the same callback runs it again.
  async #dispatch<K extends ZegoEventName>(
    event: K,
    payload: ZegoEventMap[K],
    delivery?: DeliveryContext,
  ): Promise<unknown[]> {
    const listeners = this.#emitter.listeners(event) as Array<(payload: ZegoEventMap[K], delivery?: DeliveryContext) => unknown>
    if (listeners.length === 0) return []
    for (const listener of new Set(listeners)) this.#emitter.removeListener(event, listener, undefined, true)
    const remaining = this.#emitter.listeners(event)
    const onceListeners = listeners.filter((listener) => {
      const index = remaining.indexOf(listener)
      if (index === -1) return true
      remaining.splice(index, 1)
      return false
    })
    const results = await Promise.allSettled(listeners.map(async (listener) => listener(payload, delivery)))
    const failed = new Set(listeners.filter((_, i) => results[i]?.status === 'rejected'))
    for (const listener of onceListeners) if (failed.has(listener)) this.#emitter.once(event, listener)
    return results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
  }
}

const closingReasons: ReadonlySet<RejectionReason> = new Set([
  'body_timeout',
  'body_too_large',
  'unsupported_media_type',
  'closing',
  'overloaded',
] as const)

function headersFor(reason: RejectionReason): Record<string, string> {
  if (reason === 'method_not_allowed') return { Allow: 'POST' }
  // The rest of the body was not read (too large, never coming, of no use, or refused before
  // reading under load or shutdown): do not keep the connection draining it for another request.
  if (closingReasons.has(reason)) return { Connection: 'close' }
  return {}
}

function lossyHint(fields: readonly string[]): string {
  return (
    `a body parser that ran before zego-callbacks rounded ${fields.join(', ')} (a plain JSON.parse loses digits past 2^53): ` +
    'mount zego-callbacks before express.json(), or keep the raw body (express.json({ verify: (req, res, buf) => { req.rawBody = buf } }))'
  )
}
