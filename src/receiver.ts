import { accepted, asCallbackError, refused, type CallbackResponse } from './answer.js'
import { decodeRequest, lossyHint, type CallbackRequest, type DecodeSettings, type Decoded } from './decode.js'
import { Deadlines, isPromise, MAX_TIMER_MS } from './delivery/deadline.js'
import { Deliverer, type DeliveryContext, type DeliveryOutcome } from './delivery/deliverer.js'
import { contentDigest } from './delivery/keys.js'
import { BodyUnavailableError, DeliveryError, RequestError, VerificationError } from './errors.js'
import { assertEventName } from './event-names.js'
import {
  Listeners,
  NOTHING,
  settle,
  type DeliveryErrorEvent,
  type ZegoEventMap,
  type ZegoEventName,
  type ZegoEventSource,
  type ZegoListener,
} from './listeners.js'
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
export type {
  DeliveredEvent,
  DeliveredEventName,
  DeliveryErrorEvent,
  DuplicateEvent,
  RejectedEvent,
  ZegoEventMap,
  ZegoEventName,
  ZegoEventSource,
  ZegoListener,
} from './listeners.js'

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

/**
 * Receives ZEGO callbacks without any framework: decodes, verifies, validates, delivers each
 * callback to the listeners once, and says what to answer. Every adapter is a thin wrapper
 * around it.
 */
export class ZegoReceiver implements ZegoEventSource<ZegoReceiver> {
  readonly #options: ResolvedOptions
  readonly #decode: DecodeSettings
  readonly #listeners = new Listeners()
  readonly #deliverer: Deliverer
  readonly #log: CallbackLog
  /** Answers still to come (those given at once need no waiting for). */
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
      deadlines: new Deadlines(this.#options.bodyTimeoutMs),
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
    this.#listeners.on(event, listener as never)
    return this
  }

  once<K extends ZegoEventName>(event: K, listener: ZegoListener<K>): this {
    assertEventName(event)
    this.#listeners.once(event, listener as never)
    return this
  }

  off<K extends ZegoEventName>(event: K, listener?: ZegoListener<K>): this {
    assertEventName(event)
    this.#listeners.off(event, listener as never)
    return this
  }

  /** How many listeners `event` has. */
  listenerCount(event: ZegoEventName): number {
    return this.#listeners.count(event)
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
    let answer: CallbackResponse | Promise<CallbackResponse>
    try {
      const decoded = decodeRequest(request, this.#decode)
      answer = isPromise(decoded)
        ? decoded.then(
            (body) => this.#receive(body, receivedAt, trace),
            (caught: unknown) => this.#refuse(caught, undefined, undefined, trace),
          )
        : this.#receive(decoded, receivedAt, trace)
    } catch (caught) {
      answer = this.#refuse(caught, undefined, undefined, trace)
    }
    if (!isPromise(answer)) return Promise.resolve(answer)
    // Only answers still to come need waiting for on close().
    this.#receiving.add(answer)
    void answer.then(() => this.#receiving.delete(answer))
    return answer
  }

  #receive({ raw, lossy }: Decoded, receivedAt: Date, trace: CallbackTrace | undefined): CallbackResponse | Promise<CallbackResponse> {
    let verified: VerifiedCallback
    try {
      verified = this.#verify(raw, lossy)
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
    let answer: CallbackResponse | Promise<CallbackResponse>
    try {
      answer = this.#deliver(verified, lossy, receivedAt, about, trace)
    } catch (caught) {
      this.#verified--
      return this.#refuse(caught, undefined, about, trace)
    }
    if (!isPromise(answer)) {
      this.#verified--
      return answer
    }
    return answer.then(
      (result) => {
        this.#verified--
        return result
      },
      (caught: unknown) => {
        this.#verified--
        return this.#refuse(caught, undefined, about, trace)
      },
    )
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

  #deliver(
    verified: VerifiedCallback,
    lossy: readonly string[],
    receivedAt: Date,
    about: CallbackFacts,
    trace: CallbackTrace | undefined,
  ): CallbackResponse | Promise<CallbackResponse> {
    const { event, raw } = verified
    if (event === undefined) throw new RequestError('invalid_body', 'the callback has no event name')
    // Validate before any listener runs: a 400 must not have side effects.
    const modeled = validate(verified, event)
    // Never hand a listener an id with rounded digits; with no listener to mislead, acknowledge.
    if (lossy.length > 0 && this.listenerCount('callback') + (modeled ? this.listenerCount(modeled.definition.name) : 0) > 0) {
      throw new BodyUnavailableError(lossyHint(lossy))
    }
    const callback: CallbackEvent = { product: verified.product, event, appId: verified.appId, timestampMs: verified.timestampMs, raw }
    const key = this.#keyOf(callback) ?? modeled?.key ?? `sig:${verified.signatureId}`
    about.key = key
    if (trace !== undefined) trace.key = key
    let attempt = 0
    const outcome = this.#deliverer.deliver({
      key,
      signature: verified.signatureId,
      digest: contentDigest(raw),
      verifiesUntil: verified.timestampMs + this.#options.toleranceSeconds * 1000,
      receivedAt,
      run: (delivery) => {
        attempt = delivery.attempt
        const all = this.#listeners.invoke('callback', callback, delivery)
        const own = modeled === undefined ? NOTHING : this.#listeners.invoke(modeled.definition.name, modeled.payload, delivery)
        const answer = modeled?.definition.answer
        if (!isPromise(all)) return isPromise(own) ? own.then((o) => settle(all, o, answer)) : settle(all, own, answer)
        if (!isPromise(own)) return all.then((a) => settle(a, own, answer))
        return Promise.all([all, own]).then(([a, o]) => settle(a, o, answer))
      },
    })
    const answer = (result: DeliveryOutcome): CallbackResponse => {
      if (trace !== undefined) Object.assign(trace, { attempt: attempt || undefined, duplicate: result.kind === 'duplicate' })
      switch (result.kind) {
        case 'delivered':
          if (this.listenerCount('delivered') > 0) {
            const durationMs = this.#options.now() - receivedAt.getTime()
            this.#inBackground('delivered', { ...callback, key, attempt, receivedAt, durationMs })
          }
          return accepted(200, result.answer, false)
        case 'duplicate':
          this.#inBackground('duplicate', { ...callback, key, matchedBy: result.matchedBy, receivedAt })
          return accepted(200, result.answer, true)
        case 'failed':
          if (result.status >= 200 && result.status < 300) return accepted(result.status, undefined, false)
          return this.#refuse(result.error, result.status, { ...about, attempt: result.delivery.attempt }, trace)
      }
    }
    return isPromise(outcome) ? outcome.then(answer) : answer(outcome)
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

  // Listeners that observe (`rejected`, `duplicate`, `delivered`, `error`) start before the answer and
  // are not waited for: one that is slow or never settles cannot delay or hold an answer; `close()` waits.
  #inBackground<K extends 'rejected' | 'duplicate' | 'delivered' | 'error'>(event: K, payload: ZegoEventMap[K]): void {
    const invocation = this.#listeners.invoke(event, payload)
    if (!isPromise(invocation)) return
    this.#background.add(invocation)
    void invocation.finally(() => this.#background.delete(invocation))
  }

}

