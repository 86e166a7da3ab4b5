import { randomBytes } from 'node:crypto'
import { DeliveryError, ListenerError, VerificationError, ZegoCallbackError } from '../errors.js'
import { Deadlines, isPromise, isThenable, pause, TIMED_OUT, type Deadline } from './deadline.js'
import type { ClaimRequest, ClaimResult, DeliveryStore } from './store.js'

/** What listeners get as their second argument: which delivery of which callback this is (frozen). */
export interface DeliveryContext {
  /** The deduplication key: the same for every delivery of one callback. */
  readonly key: string
  /** How many times the listeners have run for this key, this run included (1 on first delivery). */
  readonly attempt: number
  /** When this request arrived. */
  readonly receivedAt: Date
}

/**
 * What to answer when a listener fails: `'retry'` answers 500 so ZEGO redelivers (the default),
 * `'acknowledge'` answers 200 and emits the failure as `error`, a function returns the status.
 */
export type FailurePolicy = 'retry' | 'acknowledge' | ((error: ListenerError, delivery: DeliveryContext) => number)

/** One verified, validated callback to deliver. */
export interface DeliveryRequest {
  key: string
  /** What identifies the signed request (its signature in lowercase hex). */
  signature: string
  /** A digest of the payload's content. */
  digest: string
  /** Until when the signature verifies (its timestamp's freshness), in ms since the epoch; Infinity when always. */
  verifiesUntil: number
  receivedAt: Date
  /**
   * Runs every listener; returns the answer they shaped (JSON text) or undefined, or a native
   * promise of it when a listener went async, and throws a `ListenerError` when one failed.
   */
  run: (delivery: DeliveryContext) => string | undefined | Promise<string | undefined>
}

/** How a delivery ended for the request that asked. */
export type DeliveryOutcome =
  /** The listeners ran for this request and succeeded; `answer` is what they shaped. */
  | { kind: 'delivered'; answer: string | undefined }
  /** Already delivered (or acknowledged): the listeners did not run for this request. */
  | { kind: 'duplicate'; matchedBy: 'signature' | 'key'; answer: string | undefined }
  /** A listener failed and the failure policy chose `status`; 2xx means acknowledged anyway. */
  | Failed

type Failed = { kind: 'failed'; status: number; error: ListenerError; delivery: DeliveryContext }

/** What a run of the listeners came to. */
type RunResult = { kind: 'delivered'; answer: string | undefined } | Failed

/** Settings of a `Deliverer`, from the receiver's resolved options. */
export interface DelivererSettings {
  store: DeliveryStore
  retentionMs: number
  lockTtlMs: number
  listenerTimeoutMs: number
  failurePolicy: FailurePolicy
  now: () => number
  /** Reports what no answer carries: a failure after the deadline, an acknowledged one, a store failure after delivery. */
  report: (error: ZegoCallbackError, key: string, delivery: DeliveryContext | undefined) => void
}

/** The listeners of one callback running in this process. */
interface Run {
  key: string
  token: string
  /** Settles with the listeners' result once the outcome is recorded (or its recording gave up); undefined while it ran synchronously. */
  done: Promise<RunResult> | undefined
  /** The listeners' result as soon as they finished, before it is recorded. */
  result: RunResult | undefined
  /** Requests waiting for it now. */
  waiting: number
  settled: boolean
  /** The listeners are running (the lock is renewed meanwhile). */
  listening: boolean
  renewing: boolean
  lost: boolean
}

/** A claim that found another instance delivering the key: wait and claim again. */
const BUSY = Symbol('busy')

/**
 * Delivers each callback to the listeners once, through the store's claim-and-complete protocol:
 * refuses a signature reused with another body, answers repeats of a delivered callback as
 * duplicates, joins concurrent deliveries of a key in this process into one run, waits for
 * another instance's run, and records the outcome so a failed callback runs again on retry.
 *
 * Note: when the store and the listeners answer synchronously, so does `deliver`: no promise, no timer.
 */
export class Deliverer {
  readonly #settings: DelivererSettings
  readonly #runs = new Map<string, Run>()
  readonly #deadlines: Deadlines
  // Drawn on the first delivery, not in the constructor: Cloudflare Workers refuse random values at
  // module scope, where zegoCallbacks() is usually called.
  #tokenPrefix: string | undefined
  #tokens = 0
  #orphans = 0
  #renewal: ReturnType<typeof setInterval> | undefined

  constructor(settings: DelivererSettings) {
    this.#settings = settings
    this.#deadlines = new Deadlines(settings.listenerTimeoutMs)
  }

  /** Runs still going with no request waiting for them (their answer was a 503 deadline). */
  get orphans(): number {
    return this.#orphans
  }

  /** The keys of the callbacks whose listeners are running now. */
  get running(): string[] {
    return [...this.#runs.keys()]
  }

  /** Resolves once every run in progress has ended. */
  async settled(): Promise<void> {
    while (this.#runs.size > 0) await Promise.allSettled([...this.#runs.values()].map((run) => run.done))
  }

  /**
   * Delivers `request` or finds it delivered; throws (or rejects with) a `VerificationError` for a
   * signature reused with another body and a `DeliveryError` (503) when the store fails or the
   * deadline passes.
   */
  deliver(request: DeliveryRequest): DeliveryOutcome | Promise<DeliveryOutcome> {
    // One deadline covers the store too: a store that stops answering gets a 503, not a hang.
    const deadline = this.#deadlines.start()
    let outcome: DeliveryOutcome | Promise<DeliveryOutcome>
    try {
      outcome = this.#deliver(request, deadline)
    } catch (error) {
      deadline.clear()
      throw error
    }
    if (!isPromise(outcome)) {
      deadline.clear()
      return outcome
    }
    return outcome.then(
      (result) => {
        deadline.clear()
        return result
      },
      (error: unknown) => {
        deadline.clear()
        throw error
      },
    )
  }

  #deliver(request: DeliveryRequest, deadline: Deadline): DeliveryOutcome | Promise<DeliveryOutcome> {
    const { now, retentionMs, lockTtlMs } = this.#settings
    // Remember a signature as long as it verifies, and a delivery at least the retention.
    const retainMs = Math.ceil(Math.max(request.verifiesUntil - now() + 1000, retentionMs))
    this.#tokenPrefix ??= `${randomBytes(9).toString('base64url')}.`
    const token = this.#tokenPrefix + (this.#tokens++).toString(36)
    const claimRequest: ClaimRequest = { key: request.key, signature: request.signature, digest: request.digest, token, retainMs, lockMs: lockTtlMs }
    const claim = this.#claim(claimRequest, deadline)
    const next = (result: ClaimResult): DeliveryOutcome | Promise<DeliveryOutcome> => {
      const outcome = this.#afterClaim(request, token, result, deadline, result.status !== 'replayed' && result.signatureSeen)
      return outcome === BUSY ? this.#waitForOthers(request, claimRequest, deadline, result.status !== 'replayed' && result.signatureSeen) : outcome
    }
    return isPromise(claim) ? claim.then(next) : next(claim)
  }

  // What a claim means for this request; BUSY when another instance has the key.
  #afterClaim(
    request: DeliveryRequest,
    token: string,
    claim: ClaimResult,
    deadline: Deadline,
    signatureSeen: boolean,
  ): DeliveryOutcome | Promise<DeliveryOutcome> | typeof BUSY {
    if (claim.status === 'replayed') {
      throw new VerificationError(
        'replayed_signature',
        'this timestamp, nonce and signature were already used with another body: a replay with a swapped body',
      )
    }
    const matchedBy = signatureSeen ? 'signature' : 'key'
    if (claim.status === 'delivered') return { kind: 'duplicate', matchedBy, answer: claim.answer }
    // Most often no run is tracked: then the key, new, need not be hashed.
    const running = this.#runs.size === 0 ? undefined : this.#runs.get(request.key)
    if (running !== undefined) {
      // A run in this process has the key: join it (a lock that lapsed under it goes back).
      if (claim.status === 'claimed') this.#release(request.key, token)
      return this.#join(running, matchedBy, deadline)
    }
    if (claim.status === 'claimed') return this.#start(request, token, claim.attempts, deadline)
    return BUSY
  }

  // Another instance is delivering the key: claim again after a pause, for as long as a request would wait.
  async #waitForOthers(
    request: DeliveryRequest,
    claimRequest: ClaimRequest,
    deadline: Deadline,
    signatureSeen: boolean,
  ): Promise<DeliveryOutcome> {
    const { listenerTimeoutMs, lockTtlMs } = this.#settings
    const budget = Math.min(listenerTimeoutMs, lockTtlMs)
    const started = performance.now()
    for (let wait = 25; ; wait = Math.min(wait * 2, 500)) {
      if (performance.now() - started + wait > budget || (await pause(wait, deadline)) === TIMED_OUT) {
        throw new DeliveryError('listener_timeout', 'another instance is delivering this callback and has not finished')
      }
      const outcome = this.#afterClaim(request, claimRequest.token, await this.#claim(claimRequest, deadline), deadline, signatureSeen)
      if (outcome !== BUSY) return outcome
    }
  }

  #claim(request: ClaimRequest, deadline: Deadline): ClaimResult | Promise<ClaimResult> {
    let claimed: ClaimResult | Promise<ClaimResult>
    try {
      claimed = this.#settings.store.claim(request)
    } catch (cause) {
      throw storeFailed(cause, 'claiming the callback')
    }
    if (!isThenable(claimed)) return checkClaim(claimed)
    return (deadline.race(claimed) as Promise<ClaimResult | typeof TIMED_OUT>).then(
      (result) => {
        if (result !== TIMED_OUT) return checkClaim(result)
        // Abandoned: should the claim still succeed, let the lock go so a retry can take it.
        void claimed.then((late) => (late.status === 'claimed' ? this.#release(request.key, request.token) : undefined), () => {})
        throw new DeliveryError('store_failed', `the delivery store did not answer within ${this.#settings.listenerTimeoutMs} ms`)
      },
      (cause: unknown) => {
        throw storeFailed(cause, 'claiming the callback')
      },
    )
  }

  #release(key: string, token: string): void {
    try {
      const released = this.#settings.store.release(key, token)
      if (isThenable(released)) void Promise.resolve(released).catch(() => {})
    } catch {
      // The lock expires by itself.
    }
  }

  // Waits for `run` within the deadline and says what it means for this request.
  async #join(run: Run, matchedBy: 'signature' | 'key', deadline: Deadline, own = false): Promise<DeliveryOutcome> {
    if (!own) {
      if (run.waiting === 0 && !run.settled) this.#orphans--
      run.waiting++
    }
    let result: RunResult | typeof TIMED_OUT
    try {
      result = run.settled || run.done === undefined ? (run.result as RunResult) : await deadline.race(run.done)
    } finally {
      run.waiting--
      if (run.waiting === 0 && !run.settled) this.#orphans++
    }
    // Past the deadline while the outcome was being recorded, the listeners' result stands.
    if (result === TIMED_OUT) result = run.result ?? TIMED_OUT
    if (result === TIMED_OUT) {
      throw new DeliveryError(
        'listener_timeout',
        `the listeners did not finish within ${this.#settings.listenerTimeoutMs} ms; they go on, and a retry after they succeed is answered as a duplicate`,
      )
    }
    if (own) return result
    if (result.kind === 'delivered' || isSuccess(result.status)) {
      return { kind: 'duplicate', matchedBy, answer: result.kind === 'delivered' ? result.answer : undefined }
    }
    return result
  }

  // Runs the listeners for the request that claimed the key; synchronous when they and the store are.
  // Only a run that goes async is tracked: nothing else can reach the key while one runs synchronously
  // (a repeat received from inside a listener finds the lock taken and waits for the outcome).
  #start(request: DeliveryRequest, token: string, failedRuns: number, deadline: Deadline): DeliveryOutcome | Promise<DeliveryOutcome> {
    const delivery: DeliveryContext = Object.freeze({ key: request.key, attempt: failedRuns + 1, receivedAt: request.receivedAt })
    let answer: string | undefined | Promise<string | undefined>
    try {
      answer = request.run(delivery)
    } catch (caught) {
      return this.#ran(request, token, this.#failed(caught, request.key, delivery), delivery, deadline)
    }
    if (!isPromise(answer)) return this.#ran(request, token, { kind: 'delivered', answer }, delivery, deadline)
    const run = this.#track(request.key, token, true)
    this.#keepRenewing()
    const ended = (result: RunResult): RunResult | Promise<RunResult> => {
      run.listening = false
      run.result = result
      const completed = this.#complete(request, run.token, result, delivery, run)
      return isPromise(completed) ? completed.then(() => this.#finish(run, result, delivery)) : this.#finish(run, result, delivery)
    }
    run.done = answer.then(
      (value) => ended({ kind: 'delivered', answer: value }),
      (caught: unknown) => ended(this.#failed(caught, request.key, delivery)),
    )
    return this.#join(run, 'key', deadline, true)
  }

  // The listeners answered synchronously: record the outcome, and answer at once when the store does too.
  #ran(request: DeliveryRequest, token: string, result: RunResult, delivery: DeliveryContext, deadline: Deadline): DeliveryOutcome | Promise<DeliveryOutcome> {
    const completed = this.#complete(request, token, result, delivery)
    if (!isPromise(completed)) return result
    const run = this.#track(request.key, token, false)
    run.result = result
    run.done = completed.then(() => this.#finish(run, result, delivery))
    return this.#join(run, 'key', deadline, true)
  }

  // A run other requests of its key can join while it is in progress.
  #track(key: string, token: string, listening: boolean): Run {
    const run: Run = { key, token, done: undefined, result: undefined, waiting: 1, settled: false, listening, renewing: false, lost: false }
    this.#runs.set(key, run)
    return run
  }

  #finish(run: Run, result: RunResult, delivery: DeliveryContext): RunResult {
    run.settled = true
    this.#runs.delete(run.key)
    if (run.waiting === 0) {
      // Every request gave up waiting (deadline): no answer carries this failure, so report it.
      this.#orphans--
      if (result.kind === 'failed' && !isSuccess(result.status)) this.#settings.report(result.error, run.key, delivery)
    }
    return result
  }

  #failed(caught: unknown, key: string, delivery: DeliveryContext): Failed {
    const error = caught instanceof ListenerError ? caught : new ListenerError([caught])
    const status = this.#statusFor(error, delivery)
    // An acknowledged failure reaches no answer: report it.
    if (isSuccess(status)) this.#settings.report(error, key, delivery)
    return { kind: 'failed', status, error, delivery }
  }

  // Records the outcome (never throws: a failure is reported); a promise only when the store answers with one.
  #complete(request: DeliveryRequest, token: string, result: RunResult, delivery: DeliveryContext, run?: Run): void | Promise<void> {
    const { store, now, retentionMs, listenerTimeoutMs } = this.#settings
    const delivered = result.kind === 'delivered' || isSuccess(result.status)
    let held: boolean | Promise<boolean>
    try {
      held = store.complete({
        key: request.key,
        token,
        outcome: delivered ? 'delivered' : 'failed',
        attempts: delivery.attempt,
        answer: result.kind === 'delivered' ? result.answer : undefined,
        retainMs: Math.ceil(Math.max(request.verifiesUntil - now() + 1000, retentionMs)),
      })
    } catch (cause) {
      this.#settings.report(storeFailed(cause, 'recording the outcome'), request.key, delivery)
      return
    }
    if (!isThenable(held)) return this.#checkHeld(held, request.key, delivery, run)
    const deadline = this.#deadlines.start()
    return (deadline.race(held) as Promise<boolean | typeof TIMED_OUT>).then(
      (answer) => {
        deadline.clear()
        if (answer === TIMED_OUT) {
          this.#settings.report(storeFailed(undefined, `recording the outcome: no answer within ${listenerTimeoutMs} ms`), request.key, delivery)
        } else {
          this.#checkHeld(answer, request.key, delivery, run)
        }
      },
      (cause: unknown) => {
        deadline.clear()
        this.#settings.report(storeFailed(cause, 'recording the outcome'), request.key, delivery)
      },
    )
  }

  // A lock the listeners lost while they ran (a renewal found it taken) is reported even if `complete` got it back.
  #checkHeld(held: boolean, key: string, delivery: DeliveryContext, run: Run | undefined): void {
    if (held && run?.lost !== true) return
    this.#settings.report(
      new DeliveryError(
        'listener_timeout',
        `the listeners ran past lockTtlMs (${this.#settings.lockTtlMs} ms) without the lock: another instance may have run them too`,
      ),
      key,
      delivery,
    )
  }

  // One timer renews the locks of every run whose listeners are still going, a third of
  // lockTtlMs apart, so a slow run is not taken over; it stops when nothing runs.
  #keepRenewing(): void {
    if (this.#renewal !== undefined) return
    const { store, lockTtlMs } = this.#settings
    this.#renewal = setInterval(() => {
      if (this.#runs.size === 0) {
        clearInterval(this.#renewal)
        this.#renewal = undefined
        return
      }
      for (const run of this.#runs.values()) {
        if (!run.listening || run.renewing || run.lost) continue
        run.renewing = true
        void Promise.resolve()
          .then(() => store.renew(run.key, run.token, lockTtlMs))
          .then(
            (held) => {
              if (!held) run.lost = true
            },
            () => {
              // A store failure leaves the lock to expire; the outcome record still protects repeats.
            },
          )
          .finally(() => {
            run.renewing = false
          })
      }
    }, Math.max(lockTtlMs / 3, 1))
    this.#renewal.unref?.()
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
}

function storeFailed(cause: unknown, doing: string): DeliveryError {
  return new DeliveryError('store_failed', `the delivery store failed ${doing}`, { cause })
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

function checkClaim(value: ClaimResult): ClaimResult {
  const status = (value as { status?: unknown } | null)?.status
  if (status === 'replayed' || status === 'delivered' || status === 'busy' || status === 'claimed') return value
  throw storeFailed(undefined, `claiming the callback: it answered ${JSON.stringify(value)}, not a ClaimResult`)
}
