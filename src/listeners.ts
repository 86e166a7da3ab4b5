import { EventEmitter } from 'eventemitter3'
import { isThenable } from './delivery/deadline.js'
import type { DeliveryContext } from './delivery/deliverer.js'
import { ListenerError, type RejectionReason, type ZegoCallbackError } from './errors.js'
import type { AnswerFields } from './events/define.js'
import type { ModeledAnswerMap, ModeledEventMap, ModeledEventName } from './events/registry.js'
import type { CallbackEvent } from './verify.js'

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

type AnyListener = (payload: unknown, delivery?: DeliveryContext) => unknown

/** What a set of listeners returned and threw. */
export interface Invocation {
  /** What each listener returned, in registration order (`undefined` for one that threw). */
  results: unknown[]
  /** What the listeners threw or rejected with, in registration order. */
  errors: unknown[]
}

const NO_ERROR = Symbol('no error')
const NO_ERRORS: unknown[] = Object.freeze([]) as unknown as unknown[]

/** What no listener gives. */
export const NOTHING: Invocation = Object.freeze({ results: [], errors: [] }) as unknown as Invocation

/**
 * The listeners of every event, kept in a private eventemitter3 and called directly: what each
 * returns is collected (awaited only when it is a promise), and nothing it throws escapes.
 */
export class Listeners {
  readonly #emitter = new EventEmitter()
  /** How many `once` registrations each event may still hold; zero skips that bookkeeping. */
  readonly #onces = new Map<string, number>()
  /** Each event's listeners as last registered, so a callback does not copy them each time. */
  readonly #snapshots = new Map<string, readonly AnyListener[]>()

  /** Adds a listener. */
  on(event: ZegoEventName, listener: AnyListener): void {
    this.#emitter.on(event, listener)
    this.#snapshots.delete(event)
  }

  /** Adds a listener for the next call only. */
  once(event: ZegoEventName, listener: AnyListener): void {
    this.#emitter.once(event, listener)
    this.#onces.set(event, (this.#onces.get(event) ?? 0) + 1)
    this.#snapshots.delete(event)
  }

  /** Removes `listener`, or every listener of `event`. */
  off(event: ZegoEventName, listener?: AnyListener): void {
    this.#emitter.off(event, listener)
    this.#snapshots.delete(event)
  }

  /** How many listeners `event` has. */
  count(event: ZegoEventName): number {
    return this.#emitter.listenerCount(event)
  }

  /**
   * Calls every listener of `event` and collects what each returned and threw (in
   * registration order); a promise only when one of them returned a promise. A `once` listener is
   * taken off before it runs (so concurrent callbacks do not share it) and put back if it fails,
   * so that ZEGO's retry of the same callback runs it again.
   */
  invoke(event: ZegoEventName, payload: unknown, delivery?: DeliveryContext): Invocation | Promise<Invocation> {
    let listeners = this.#snapshots.get(event)
    if (listeners === undefined) {
      listeners = this.#emitter.listeners(event) as AnyListener[]
      this.#snapshots.set(event, listeners)
    }
    if (listeners.length === 0) return NOTHING
    const onces = this.#takeOnces(event, listeners)
    const results: unknown[] = new Array(listeners.length)
    // What each listener threw, by index; allocated by the first failure only.
    let thrown: unknown[] | undefined
    /** The index of each listener that returned a promise, kept meanwhile in `results`. */
    let waiting: number[] | undefined
    for (let index = 0; index < listeners.length; index++) {
      const listener = listeners[index] as AnyListener
      try {
        const result = listener(payload, delivery)
        results[index] = result
        if (isThenable(result)) (waiting ??= []).push(index)
      } catch (error) {
        ;(thrown ??= new Array(listeners.length).fill(NO_ERROR))[index] = error
      }
    }
    if (waiting === undefined) return this.#collect(event, listeners, onces, results, thrown)
    const collect = (): Invocation => this.#collect(event, listeners, onces, results, thrown)
    // Awaits the promise at `index`, putting its value (or undefined, and its error) in its place;
    // with `then`, goes on with it.
    const awaitAt = <R>(index: number, then: () => R): Promise<R> =>
      Promise.resolve(results[index] as PromiseLike<unknown>).then(
        (value) => {
          results[index] = value
          return then()
        },
        (error: unknown) => {
          results[index] = undefined
          ;(thrown ??= new Array(listeners.length).fill(NO_ERROR))[index] = error
          return then()
        },
      )
    if (waiting.length === 1) return awaitAt(waiting[0] as number, collect)
    return Promise.all(waiting.map((index) => awaitAt(index, () => undefined))).then(collect)
  }

  // The invocation's outcome; a `once` listener that failed is put back, so a retry runs it again.
  #collect(
    event: ZegoEventName,
    listeners: readonly AnyListener[],
    onces: Set<AnyListener> | undefined,
    results: unknown[],
    thrown: unknown[] | undefined,
  ): Invocation {
    if (thrown === undefined) return { results, errors: NO_ERRORS }
    const errors = thrown.filter((error) => error !== NO_ERROR)
    if (onces !== undefined) {
      listeners.forEach((listener, index) => {
        if (thrown[index] !== NO_ERROR && onces.has(listener)) this.once(event, listener)
      })
    }
    return { results, errors }
  }

  // Removes the `once` listeners among `listeners` before they run; returns them (undefined when none).
  #takeOnces(event: ZegoEventName, listeners: readonly AnyListener[]): Set<AnyListener> | undefined {
    if (!this.#onces.get(event)) return undefined
    this.#snapshots.delete(event)
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

/**
 * What a delivery's listeners came to: throws a `ListenerError` when any failed; otherwise the
 * answer fields the modeled event's listeners gave (through `answer`), as JSON text.
 */
export function settle(
  all: Invocation,
  own: Invocation,
  answer: ((returned: readonly unknown[]) => AnswerFields | undefined) | undefined,
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
