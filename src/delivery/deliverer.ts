import { randomUUID } from 'node:crypto'
import { DeliveryError, ListenerError, VerificationError, ZegoCallbackError } from '../errors.js'
import type { FailurePolicy } from '../options.js'
import type { DeliveryStore } from './store.js'

/** What listeners get as their second argument: which delivery of which callback this is (frozen). */
export interface DeliveryContext {
  /** The deduplication key: the same for every delivery of one callback. */
  readonly key: string
  /** How many times the listeners have run for this key, this run included (1 on first delivery). */
  readonly attempt: number
  /** When this request arrived. */
  readonly receivedAt: Date
}

/** One verified, validated callback to deliver. */
export interface DeliveryRequest {
  key: string
  /** The signature triple, unique to one signed request. */
  triple: string
  /** The callback's timestamp in Unix seconds (`NaN` when it is not one). */
  timestamp: number
  /** A digest of the payload's content. */
  digest: string
  receivedAt: Date
  /** Runs every listener; rejects with a `ListenerError` when one failed. */
  run: (delivery: DeliveryContext) => Promise<void>
}

/** How a delivery ended for the request that asked. */
export type DeliveryOutcome =
  /** The listeners ran for this request and succeeded. */
  | { kind: 'delivered' }
  /** Already delivered (or acknowledged): the listeners did not run for this request. */
  | { kind: 'duplicate'; matchedBy: 'signature' | 'key' }
  /** A listener failed and the failure policy chose `status`; 2xx means acknowledged anyway. */
  | Failed

/** Settings of a `Deliverer`, from the receiver's resolved options. */
export interface DelivererSettings {
  store: DeliveryStore
  retentionMs: number
  lockTtlMs: number
  listenerTimeoutMs: number
  failurePolicy: FailurePolicy
  toleranceSeconds: number
  now: () => number
  /** Reports what no answer carries: a failure after the deadline, an acknowledged one, a store failure after delivery. */
  report: (error: ZegoCallbackError, key: string, delivery: DeliveryContext | undefined) => void
}

/** A callback's lock in the store: ours while `token` is its value. */
interface Lock {
  key: string
  token: string
  held: boolean
  /** Another instance took it over while the listeners ran. */
  lost: boolean
}

interface Attempt {
  promise: Promise<Result>
  /** Requests waiting for it now. */
  waiting: number
  settled: boolean
}

type Failed = { kind: 'failed'; status: number; error: ListenerError; delivery: DeliveryContext }

type Result = { kind: 'delivered' } | { kind: 'duplicate' } | Failed | { kind: 'refused'; error: DeliveryError }

/** What the store keeps per key: delivered (or acknowledged), or failed after `attempts` runs; until when. */
interface StateRecord {
  state: 'done' | 'failed'
  attempts: number
  expiresAt: number
}

const TIMED_OUT = Symbol('timed out')

/** The longest delay `setTimeout` honours (Node runs a longer one after 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Delivers each callback to the listeners once: remembers signature triples (refusing one reused
 * with another body), coalesces concurrent deliveries of a key into one run, records successes so
 * repeats are answered as duplicates, and counts failed runs so a retry runs again.
 */
export class Deliverer {
  readonly #settings: DelivererSettings
  readonly #attempts = new Map<string, Attempt>()
  #orphans = 0

  constructor(settings: DelivererSettings) {
    this.#settings = settings
  }

  /** Runs still going with no request waiting for them (their answer was a 503 deadline). */
  get orphans(): number {
    return this.#orphans
  }

  /** Resolves once every run in progress has ended. */
  async settled(): Promise<void> {
    while (this.#attempts.size > 0) await Promise.allSettled([...this.#attempts.values()].map((a) => a.promise))
  }

  /**
   * Delivers `request` or finds it delivered; throws a `VerificationError` for a reused signature
   * with another body and a `DeliveryError` (503) when the store fails or the deadline passes.
   */
  async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
    // Remember a triple as long as its timestamp passes the freshness check, and at least the
    // retention; what was delivered under it, as long as the triple.
    const { now, toleranceSeconds, retentionMs, listenerTimeoutMs } = this.#settings
    const fresh = (request.timestamp + toleranceSeconds) * 1000 - now() + 1000
    const ttl = Math.ceil(Number.isFinite(fresh) ? Math.max(fresh, retentionMs) : retentionMs)
    // One deadline covers the store too: a store that stops answering gets a 503, not a hang.
    const deadline = startDeadline(listenerTimeoutMs)
    try {
      return await this.#deliverWithin(request, ttl, deadline.reached)
    } finally {
      deadline.clear()
    }
  }

  async #deliverWithin(
    request: DeliveryRequest,
    ttl: number,
    deadline: Promise<typeof TIMED_OUT>,
  ): Promise<DeliveryOutcome> {
    const { listenerTimeoutMs } = this.#settings
    const seen = await Promise.race([this.#checkSignature(request, ttl), deadline])
    if (seen === TIMED_OUT) {
      throw new DeliveryError('store_failed', `the delivery store did not answer within ${listenerTimeoutMs} ms`)
    }
    let attempt = this.#attempts.get(request.key)
    const joined = attempt !== undefined
    if (attempt === undefined) {
      attempt = this.#start(request, ttl)
    } else {
      if (attempt.waiting === 0) this.#orphans--
      attempt.waiting++
    }
    let result: Result | typeof TIMED_OUT
    try {
      result = await Promise.race([attempt.promise, deadline])
    } finally {
      attempt.waiting--
      if (attempt.waiting === 0 && !attempt.settled) this.#orphans++
    }
    if (result === TIMED_OUT) {
      throw new DeliveryError(
        'listener_timeout',
        `the listeners did not finish within ${listenerTimeoutMs} ms; they go on, and a retry after they succeed is answered as a duplicate`,
      )
    }
    const matchedBy = seen ? 'signature' : 'key'
    switch (result.kind) {
      case 'refused':
        throw result.error
      case 'duplicate':
        return { kind: 'duplicate', matchedBy }
      case 'delivered':
        return joined ? { kind: 'duplicate', matchedBy } : result
      case 'failed':
        return joined && isSuccess(result.status) ? { kind: 'duplicate', matchedBy } : result
    }
  }

  // Whether this exact signed request was seen before; the first body seen with a triple is the only one accepted.
  async #checkSignature(request: DeliveryRequest, ttl: number): Promise<boolean> {
    const key = `zego:sig:${request.triple}`
    const { store } = this.#settings
    let first: string | undefined
    try {
      if (await store.setIfAbsent(key, request.digest, ttl)) return false
      // Seen before (or by a concurrent request); it expiring in between leaves this one the first.
      first = (await store.get(key)) ?? request.digest
    } catch (cause) {
      throw storeFailed(cause, 'checking the signature')
    }
    if (first !== request.digest) {
      throw new VerificationError(
        'replayed_signature',
        'this timestamp, nonce and signature were already used with another body: a replay with a swapped body',
      )
    }
    return true
  }

  #start(request: DeliveryRequest, ttl: number): Attempt {
    const promise = this.#run(request, ttl)
    const attempt: Attempt = { promise, waiting: 1, settled: false }
    this.#attempts.set(request.key, attempt)
    void promise.then((result) => {
      attempt.settled = true
      this.#attempts.delete(request.key)
      if (attempt.waiting > 0) return
      // Every request gave up waiting (deadline): no answer carries this failure, so report it.
      this.#orphans--
      if (result.kind === 'failed' && !isSuccess(result.status)) {
        this.#settings.report(result.error, request.key, result.delivery)
      }
    })
    return attempt
  }

  // Never rejects: every failure is a result.
  async #run(request: DeliveryRequest, ttl: number): Promise<Result> {
    const { store, lockTtlMs, now } = this.#settings
    const stateKey = `zego:state:${request.key}`
    const lock: Lock = { key: `zego:lock:${request.key}`, token: randomUUID(), held: false, lost: false }
    try {
      lock.held = await this.#lock(lock, stateKey)
      const state = await this.#readState(stateKey)
      if (state?.state === 'done') {
        // Remember the delivery as long as this repeat's own signature is fresh too.
        if (lock.held && state.expiresAt < now() + ttl) await this.#writeState(stateKey, state, { ...state, expiresAt: now() + ttl })
        return { kind: 'duplicate' }
      }
      if (!lock.held) {
        return {
          kind: 'refused',
          error: new DeliveryError('listener_timeout', 'another instance is delivering this callback and has not finished'),
        }
      }
      const attempt = (state?.attempts ?? 0) + 1
      const delivery: DeliveryContext = Object.freeze({ key: request.key, attempt, receivedAt: request.receivedAt })
      const renewal = this.#keepLock(lock)
      let result: { kind: 'delivered' } | Failed
      try {
        result = await this.#runListeners(request, delivery)
      } finally {
        clearInterval(renewal)
      }
      if (lock.lost) {
        this.#settings.report(
          new DeliveryError('listener_timeout', `the listeners ran past lockTtlMs (${lockTtlMs} ms): another instance may have run them too`),
          request.key,
          delivery,
        )
      }
      const done = result.kind === 'delivered' || isSuccess(result.status)
      try {
        await this.#writeState(stateKey, state, { state: done ? 'done' : 'failed', attempts: attempt, expiresAt: now() + ttl })
      } catch (cause) {
        this.#settings.report(storeFailed(cause, 'recording the outcome'), request.key, delivery)
      }
      return result
    } catch (error) {
      if (error instanceof DeliveryError) return { kind: 'refused', error }
      return { kind: 'refused', error: storeFailed(error, 'reading delivery records') }
    } finally {
      if (lock.held) {
        try {
          // Only our own lock: after a takeover it is another instance's.
          if ((await store.get(lock.key)) === lock.token) await store.delete(lock.key)
        } catch (cause) {
          this.#settings.report(storeFailed(cause, `releasing the lock (it expires in ${lockTtlMs} ms)`), request.key, undefined)
        }
      }
    }
  }

  // Renews the lock while the listeners run (a third of lockTtlMs apart), so a slow run is not
  // taken over. The store has no atomic extend: renewing is a delete and a set, after checking
  // the lock is still ours.
  #keepLock(lock: Lock): NodeJS.Timeout {
    const { store, lockTtlMs } = this.#settings
    let renewing = false
    const timer = setInterval(
      () => {
        if (renewing || lock.lost) return
        renewing = true
        void (async () => {
          if ((await store.get(lock.key)) !== lock.token) {
            lock.lost = true
            return
          }
          await store.delete(lock.key)
          if (!(await store.setIfAbsent(lock.key, lock.token, lockTtlMs))) lock.lost = true
        })()
          .catch(() => {
            // A store failure here leaves the lock to expire; the outcome record still protects repeats.
          })
          .finally(() => {
            renewing = false
          })
      },
      Math.min(Math.max(lockTtlMs / 3, 1), MAX_TIMER_MS),
    )
    timer.unref?.()
    return timer
  }

  // Replaces the key's state record (under its lock); expiry is kept in the value so a refresh never shortens it.
  async #writeState(stateKey: string, previous: StateRecord | undefined, next: StateRecord): Promise<void> {
    const { store, now } = this.#settings
    if (previous !== undefined) await store.delete(stateKey)
    const ttl = Math.max(1, Math.ceil(next.expiresAt - now()))
    await store.setIfAbsent(stateKey, `${next.state}:${next.attempts}:${next.expiresAt}`, ttl)
  }

  async #runListeners(request: DeliveryRequest, delivery: DeliveryContext): Promise<{ kind: 'delivered' } | Failed> {
    try {
      await request.run(delivery)
      return { kind: 'delivered' }
    } catch (error) {
      if (!(error instanceof ListenerError)) throw error
      const status = this.#statusFor(error, delivery)
      // An acknowledged failure reaches no answer: report it.
      if (isSuccess(status)) this.#settings.report(error, request.key, delivery)
      return { kind: 'failed', status, error, delivery }
    }
  }

  #statusFor(error: ListenerError, delivery: DeliveryContext): number {
    const policy = this.#settings.failurePolicy
    if (policy === 'retry') return 500
    if (policy === 'acknowledge') return 200
    let status: unknown
    try {
      status = policy(error, delivery)
    } catch (cause) {
      this.#settings.report(
        new ZegoCallbackError('internal_error', 'the failurePolicy function threw; answering 500', { cause }),
        delivery.key,
        delivery,
      )
      return 500
    }
    if (typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 599) return status
    this.#settings.report(
      new ZegoCallbackError(
        'internal_error',
        `the failurePolicy function returned ${typeof status === 'number' ? status : `a ${typeof status}`}, not a status from 200 to 599; answering 500`,
      ),
      delivery.key,
      delivery,
    )
    return 500
  }

  // Takes the key's lock; when another instance holds it, polls until it is released or the key
  // is delivered, for as long as a request would wait. Store failures throw.
  async #lock(lock: Lock, stateKey: string): Promise<boolean> {
    const { store, lockTtlMs, listenerTimeoutMs } = this.#settings
    const budget = Math.min(listenerTimeoutMs, lockTtlMs)
    const started = Date.now()
    for (let pause = 25; ; pause = Math.min(pause * 2, 500)) {
      if (await store.setIfAbsent(lock.key, lock.token, lockTtlMs)) return true
      if ((await this.#readState(stateKey))?.state === 'done') return false
      if (Date.now() - started + pause > budget) return false
      await new Promise((resolve) => setTimeout(resolve, pause))
    }
  }

  async #readState(stateKey: string): Promise<StateRecord | undefined> {
    const text = await this.#settings.store.get(stateKey)
    if (text === undefined) return undefined
    const match = /^(done|failed):(\d{1,9}):(\d{1,16})$/.exec(text)
    if (match === null) {
      throw storeFailed(undefined, `reading ${JSON.stringify(stateKey)}: the store returned a value this package did not write`)
    }
    return { state: match[1] as StateRecord['state'], attempts: Number(match[2]), expiresAt: Number(match[3]) }
  }
}

function storeFailed(cause: unknown, doing: string): DeliveryError {
  return new DeliveryError('store_failed', `the delivery store failed ${doing}`, { cause })
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

// A promise of TIMED_OUT after `ms` (never with Infinity), to race against, and how to cancel it.
function startDeadline(ms: number): { reached: Promise<typeof TIMED_OUT>; clear: () => void } {
  if (!(ms <= MAX_TIMER_MS)) return { reached: new Promise(() => {}), clear: () => {} }
  let timer: NodeJS.Timeout | undefined
  const reached = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT)
  })
  return { reached, clear: () => clearTimeout(timer) }
}
