import { EventEmitter } from 'eventemitter3'
import { accepted, asCallbackError, refused, type CallbackResponse } from './answer.js'
import { decodeRequest, lossyHint, type CallbackRequest, type DecodeSettings } from './decode.js'
import { isThenable, MAX_TIMER_MS } from './delivery/deadline.js'
import { Deliverer, type DeliveryContext } from './delivery/deliverer.js'
import { contentDigest } from './delivery/keys.js'
import {
  BodyUnavailableError,
  DeliveryError,
  ListenerError,
  RequestError,
  VerificationError,
  type RejectionReason,
  type ZegoCallbackError,
} from './errors.js'
import { assertEventName } from './event-names.js'
import type { ModeledAnswerMap, ModeledEventMap, ModeledEventName } from './events/registry.js'
import { CallbackLog, type CallbackFacts } from './logger.js'
import { resolveOptions, type ResolvedOptions, type ZegoCallbacksOptions } from './options.js'
import type { RawPayload } from './raw.js'
import { BodyReaders } from './read-body.js'
import { startTrace, traced, type CallbackTrace } from './tracing.js'
import { validate } from './validate.js'
import { verifyCallback, type CallbackEvent, type VerifiedCallback } from './verify.js'

export type { CallbackRequest } from './decode.js'
export type { CallbackResponse, CallbackResponseBody } from './answer.js'
export type { DeliveryContext } from './delivery/deliverer.js'
export type { CallbackEvent } from './verify.js'

/** What the `duplicate` event's listeners get: a callback already delivered, answered 200 without running listeners. */
export interface DuplicateEvent extends CallbackEvent {
  /** The deduplication key it matched. */
  key: string
  /** `'signature'` when this exact signed request was seen before, `'key'` when a retry with a new signature was recognised by its key. */
  matchedBy: 'signature' | 'key'
  /** When this request arrived. */
  receivedAt: Date
}

/** What the `delivered` event's listeners get: a callback whose listeners all succeeded, answered 2xx. */
export interface DeliveredEvent extends CallbackEvent {
  /** Its deduplication key. */
  key: string
  /** Which delivery of the callback it was (above 1 after failed ones). */
  attempt: number
  /** When this request arrived. */
  receivedAt: Date
  /** Milliseconds from its arrival to the answer (its listeners, mostly), on the `now` clock. */
  durationMs: number
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
  /** Every verified callback of every product, including event types this version does not model. */
  callback: CallbackEvent
  /** Every refused request (4xx), and every callback answered 5xx. */
  rejected: RejectedEvent
  /** Every repeat of a delivered callback, answered 200 without running the listeners. */
  duplicate: DuplicateEvent
  /** Every callback delivered: its listeners all succeeded (for metrics: how long it took). */
  delivered: DeliveredEvent
  /** Failures no answer reports (an acknowledged listener failure, a store failure after delivery). */
  error: DeliveryErrorEvent
}

/** An event name listeners can subscribe to. */
export type ZegoEventName = keyof ZegoEventMap

/** The events that deliver a callback, whose listeners get a `DeliveryContext` too. */
export type DeliveredEventName = ModeledEventName | 'callback'

/**
 * A listener; when it returns a promise the answer to ZEGO waits for it, and a rejection answers
 * 500. Listeners of a callback's events get its `DeliveryContext` as the second argument; a
 * listener of an event whose answer the product reads (`zimBeforeSendMessage`) may return its say.
 */
export type ZegoListener<K extends ZegoEventName> = K extends keyof ModeledAnswerMap
  ? (payload: ZegoEventMap[K], delivery: DeliveryContext) => ModeledAnswerMap[K] | void | Promise<ModeledAnswerMap[K] | void>
  : K extends DeliveredEventName
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

/** Options of `close()`. */
export interface CloseOptions {
  /** How long to wait for what is in flight, in milliseconds; default 20000. */
  timeoutMs?: number | undefined
}

/** What `close()` could and could not wait for. */
export interface CloseResult {
  /** Whether everything in flight finished within the timeout. */
  drained: boolean
  /** The delivery keys of callbacks whose listeners were still running at the timeout (their outcome is not recorded). */
  abandoned: readonly string[]
}

/** Bodies read at once before the slowest is cut off (408); each buffers at most `bodyLimit`. */
const MAX_READING = 1024

type AnyListener = (payload: unknown, delivery?: DeliveryContext) => unknown

/** What a set of listeners returned and threw. */
interface Invocation {
  results: unknown[]
  errors: unknown[]
}

const NO_ERROR = Symbol('no error')

const NOTHING: Invocation = Object.freeze({ results: [], errors: [] }) as unknown as Invocation

/**
 * Receives ZEGO callbacks without any framework: decodes, verifies, validates, delivers each
 * callback to the listeners once, and says what to answer. Every adapter is a thin wrapper
 * around it.
 */
export class ZegoReceiver implements ZegoEventSource<ZegoReceiver> {
  readonly #options: ResolvedOptions
  readonly #decode: DecodeSettings
  readonly #emitter = new EventEmitter()
  /** How many `once` registrations each event may still hold; zero skips that bookkeeping. */
  readonly #onces = new Map<string, number>()
  readonly #deliverer: Deliverer
  readonly #log: CallbackLog
  readonly #receiving = new Set<Promise<CallbackResponse>>()
  /** Listeners of `rejected`, `duplicate`, `delivered` and `error` still running: the answer does not wait for them, `close()` does. */
  readonly #background = new Set<Promise<unknown>>()
  #verified = 0
  #closing = false

  /** Throws a `TypeError` when no secret is configured or an option is unusable. */
  constructor(options?: ZegoCallbacksOptions) {
    this.#options = resolveOptions(options)
    this.#log = new CallbackLog(this.#options.logger, this.#options)
    this.#decode = {
      bodyLimit: this.#options.bodyLimit,
      bodyTimeoutMs: this.#options.bodyTimeoutMs,
      readers: new BodyReaders(MAX_READING),
    }
    this.#deliverer = new Deliverer({
      ...this.#options,
      report: (error, key, delivery) => this.#report({ error, key, delivery }),
    })
  }

  /** The path answered when the middleware is mounted with `app.use()`. */
  get path(): string {
    return this.#options.path
  }

  /** Verified callbacks being handled now, plus listeners still running after a deadline's 503. */
  get inFlight(): number {
    return this.#verified + this.#deliverer.orphans
  }

  /** Whether a request path (without query) is the configured callback path, a trailing slash allowed. */
  matchesPath(path: string): boolean {
    const wanted = this.#options.path
    return path === wanted || path === `${wanted}/` || `${path}/` === wanted
  }

  on<K extends ZegoEventName>(event: K, listener: ZegoListener<K>): this {
    assertEventName(event)
    this.#emitter.on(event, listener)
    return this
  }

  once<K extends ZegoEventName>(event: K, listener: ZegoListener<K>): this {
    assertEventName(event)
    this.#emitter.once(event, listener)
    this.#onces.set(event, (this.#onces.get(event) ?? 0) + 1)
    return this
  }

  off<K extends ZegoEventName>(event: K, listener?: ZegoListener<K>): this {
    assertEventName(event)
    this.#emitter.off(event, listener)
    return this
  }

  /** How many listeners `event` has. */
  listenerCount(event: ZegoEventName): number {
    return this.#emitter.listenerCount(event)
  }

  /**
   * Stops taking callbacks (each new one is answered 503, so ZEGO retries it elsewhere or later)
   * and waits, at most `timeoutMs`, for every one in flight to be answered and its listeners,
   * outcome records and `rejected` / `duplicate` / `error` listeners to finish. Resolves with what
   * it could not wait for; never rejects.
   */
  async close(options: CloseOptions = {}): Promise<CloseResult> {
    const { timeoutMs = 20_000 } = options
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || (timeoutMs > MAX_TIMER_MS && timeoutMs !== Infinity)) {
      throw new TypeError(`zego-callbacks: close({ timeoutMs }) takes a number from 0 to ${MAX_TIMER_MS} or Infinity, got ${String(timeoutMs)}`)
    }
    this.#closing = true
    const drain = async (): Promise<void> => {
      while (this.#receiving.size > 0) await Promise.allSettled([...this.#receiving])
      await this.#deliverer.settled()
      while (this.#background.size > 0) await Promise.allSettled([...this.#background])
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const drained = await Promise.race([
      drain().then(() => true),
      new Promise<boolean>((resolve) => {
        if (timeoutMs !== Infinity) timer = setTimeout(resolve, timeoutMs, false)
      }),
    ])
    clearTimeout(timer)
    return { drained, abandoned: drained ? [] : this.#deliverer.running }
  }

  /**
   * Handles one request and resolves with the answer once every listener of the callback has
   * settled (or the listener deadline passed); never rejects. Every answer other than 2xx is also
   * emitted as `rejected`.
   */
  receive(request: CallbackRequest): Promise<CallbackResponse> {
    const receivedAt = new Date(this.#options.now())
    const trace = startTrace(receivedAt)
    if (trace === undefined) return this.#take(request, receivedAt, undefined)
    return traced(trace, this.#options.now, () => this.#take(request, receivedAt, trace))
  }

  #take(request: CallbackRequest, receivedAt: Date, trace: CallbackTrace | undefined): Promise<CallbackResponse> {
    if (this.#closing) {
      return Promise.resolve(this.#refuse(new DeliveryError('closing', 'the receiver is shutting down; ZEGO will retry'), undefined, undefined, trace))
    }
    const answer = this.#receive(request, receivedAt, trace)
    this.#receiving.add(answer)
    void answer.finally(() => this.#receiving.delete(answer))
    return answer
  }

  async #receive(request: CallbackRequest, receivedAt: Date, trace: CallbackTrace | undefined): Promise<CallbackResponse> {
    let verified: VerifiedCallback
    let lossy: readonly string[]
    try {
      const decoded = await decodeRequest(request, this.#decode)
      lossy = decoded.lossy
      verified = this.#verify(decoded.raw, lossy)
    } catch (caught) {
      return this.#refuse(caught, undefined, undefined, trace)
    }
    const about: CallbackFacts = { product: verified.product, event: verified.event, appId: verified.appId }
    if (trace !== undefined) Object.assign(trace, about)
    // Only a verified callback counts against the cap: unsigned or trickling requests cannot take its room.
    if (this.inFlight >= this.#options.maxInFlight) {
      const overloaded = new DeliveryError('overloaded', `${this.#options.maxInFlight} callbacks are in flight already; ZEGO will retry`)
      return this.#refuse(overloaded, undefined, about, trace)
    }
    this.#verified++
    try {
      return await this.#deliver(verified, lossy, receivedAt, about, trace)
    } catch (caught) {
      return this.#refuse(caught, undefined, about, trace)
    } finally {
      this.#verified--
    }
  }

  #verify(raw: RawPayload, lossy: readonly string[]): VerifiedCallback {
    try {
      return verifyCallback(raw, this.#options)
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
    verified: VerifiedCallback,
    lossy: readonly string[],
    receivedAt: Date,
    about: CallbackFacts,
    trace: CallbackTrace | undefined,
  ): Promise<CallbackResponse> {
    const { event, raw } = verified
    if (event === undefined) throw new RequestError('invalid_body', 'the callback has no event name')
    // Validate before any listener runs: a 400 must not have side effects.
    const modeled = validate(verified, event)
    // Never hand a listener an id with rounded digits; with no listener to mislead, acknowledge.
    const listened = this.listenerCount('callback') + (modeled ? this.listenerCount(modeled.definition.name) : 0)
    if (lossy.length > 0 && listened > 0) throw new BodyUnavailableError(lossyHint(lossy))
    const callback: CallbackEvent = { product: verified.product, event, appId: verified.appId, timestampMs: verified.timestampMs, raw }
    const key = this.#keyOf(callback) ?? modeled?.key ?? `sig:${verified.signatureId}`
    about.key = key
    if (trace !== undefined) trace.key = key
    let attempt = 0
    const { toleranceSeconds } = this.#options
    const outcome = await this.#deliverer.deliver({
      key,
      signature: verified.signatureId,
      digest: contentDigest(raw),
      verifiesUntil: verified.timestampMs + toleranceSeconds * 1000,
      receivedAt,
      run: (delivery) => {
        attempt = delivery.attempt
        const all = this.#invoke('callback', callback, delivery)
        const own = modeled ? this.#invoke(modeled.definition.name, modeled.payload, delivery) : NOTHING
        if (!isThenable(all) && !isThenable(own)) return settle(all, own, modeled?.definition.answer)
        return Promise.all([all, own]).then(([a, o]) => settle(a, o, modeled?.definition.answer))
      },
    })
    if (trace !== undefined) Object.assign(trace, { attempt: attempt || undefined, duplicate: outcome.kind === 'duplicate' })
    switch (outcome.kind) {
      case 'delivered':
        if (this.listenerCount('delivered') > 0) {
          const durationMs = this.#options.now() - receivedAt.getTime()
          this.#inBackground('delivered', { ...callback, key, attempt, receivedAt, durationMs })
        }
        return accepted(200, outcome.answer, false)
      case 'duplicate':
        this.#inBackground('duplicate', { ...callback, key, matchedBy: outcome.matchedBy, receivedAt })
        return accepted(200, outcome.answer, true)
      case 'failed':
        if (outcome.status >= 200 && outcome.status < 300) return accepted(outcome.status, undefined, false)
        return this.#refuse(outcome.error, outcome.status, { ...about, attempt: outcome.delivery.attempt }, trace)
    }
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

  // Every answer other than 2xx: logged (rate-limited), traced, and emitted as `rejected`.
  #refuse(caught: unknown, status: number | undefined, about: CallbackFacts | undefined, trace: CallbackTrace | undefined): CallbackResponse {
    const error = asCallbackError(caught)
    const answered = status ?? error.status
    this.#log.refused(error, answered, about)
    if (trace !== undefined) Object.assign(trace, { error, reason: error.code })
    this.#inBackground('rejected', { reason: error.code, status: answered, message: error.message, error })
    return refused(error, answered)
  }

  // Failures no answer carries are logged, and go to `error`.
  #report(event: DeliveryErrorEvent): void {
    this.#log.unreported(event.error, { key: event.key, attempt: event.delivery?.attempt })
    this.#inBackground('error', event)
  }

  // Listeners that observe (`rejected`, `duplicate`, `delivered`, `error`) start before the answer and are not
  // waited for: one that is slow or never settles cannot delay or hold an answer; `close()` waits.
  #inBackground<K extends 'rejected' | 'duplicate' | 'delivered' | 'error'>(event: K, payload: ZegoEventMap[K]): void {
    const invocation = this.#invoke(event, payload)
    if (!isThenable(invocation)) return
    this.#background.add(invocation)
    void invocation.finally(() => this.#background.delete(invocation))
  }

  // Calls every listener of `event` directly and collects what each returned and threw (in
  // registration order); a promise only when one of them returned a promise. A `once` listener is
  // taken off before it runs (so concurrent callbacks do not share it) and put back if it fails,
  // so that ZEGO's retry of the same callback runs it again.
  #invoke(event: ZegoEventName, payload: unknown, delivery?: DeliveryContext): Invocation | Promise<Invocation> {
    const listeners = this.#emitter.listeners(event) as AnyListener[]
    if (listeners.length === 0) return NOTHING
    const onces = this.#takeOnces(event, listeners)
    const results: unknown[] = new Array(listeners.length)
    const thrown: unknown[] = new Array(listeners.length).fill(NO_ERROR)
    let pending: Array<Promise<void>> | undefined
    for (let index = 0; index < listeners.length; index++) {
      const listener = listeners[index] as AnyListener
      try {
        const result = listener(payload, delivery)
        if (!isThenable(result)) results[index] = result
        else {
          const settled = Promise.resolve(result).then(
            (value) => {
              results[index] = value
            },
            (error: unknown) => {
              thrown[index] = error
            },
          )
          ;(pending ??= []).push(settled)
        }
      } catch (error) {
        thrown[index] = error
      }
    }
    const collect = (): Invocation => {
      const errors = thrown.filter((error) => error !== NO_ERROR)
      if (errors.length > 0 && onces !== undefined) {
        listeners.forEach((listener, index) => {
          if (thrown[index] !== NO_ERROR && onces.has(listener)) {
            this.#emitter.once(event, listener)
            this.#onces.set(event, (this.#onces.get(event) ?? 0) + 1)
          }
        })
      }
      return { results, errors }
    }
    return pending === undefined ? collect() : Promise.all(pending).then(collect)
  }

  // Removes the `once` listeners among `listeners` before they run; returns them (undefined when none).
  #takeOnces(event: ZegoEventName, listeners: readonly AnyListener[]): Set<AnyListener> | undefined {
    if (!this.#onces.get(event)) return undefined
    for (const listener of new Set(listeners)) this.#emitter.removeListener(event, listener, undefined, true)
    const remaining = this.#emitter.listeners(event)
    const onces = new Set<AnyListener>()
    for (const listener of listeners) {
      const index = remaining.indexOf(listener)
      if (index === -1) onces.add(listener)
      else remaining.splice(index, 1)
    }
    this.#onces.set(event, 0)
    return onces
  }
}

// What the delivery's listeners came to: throws a `ListenerError` when any failed; otherwise the
// answer fields the modeled event's listeners gave, as JSON text.
function settle(
  all: Invocation,
  own: Invocation,
  answer: ((returned: readonly unknown[]) => Record<string, string | number> | undefined) | undefined,
): string | undefined {
  const errors = all.errors.length === 0 ? own.errors : [...all.errors, ...own.errors]
  if (errors.length > 0) throw new ListenerError(errors)
  if (answer === undefined) return undefined
  let fields
  try {
    fields = answer(own.results)
  } catch (error) {
    throw new ListenerError([error])
  }
  return fields === undefined ? undefined : JSON.stringify(fields)
}
