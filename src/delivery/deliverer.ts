import { randomBytes } from 'node:crypto'
import { DeliveryError, ListenerError, VerificationError, ZegoCallbackError } from '../errors.js'
import { Deadline, isThenable, pause, TIMED_OUT } from './deadline.js'
import type { ClaimResult, DeliveryStore } from './store.js'

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
   * Runs every listener; returns the answer they shaped (JSON text) or undefined, and throws a
   * `ListenerError` when one failed.
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
  /** Settles with the listeners' result once the outcome is recorded (or its recording gave up). */
  done: Promise<RunResult>
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

/**
 * Delivers each callback to the listeners once, through the store's claim-and-complete protocol:
 * refuses a signature reused with another body, answers repeats of a delivered callback as
 * duplicates, joins concurrent deliveries of a key in this process into one run, waits for
 * another instance's run, and records the outcome so a failed callback runs again on retry.
 */
export class Deliverer {
  readonly #settings: DelivererSettings
  readonly #runs = new Map<string, Run>()
  readonly #tokenPrefix = randomBytes(9).toString('base64url')
  #tokens = 0
  #orphans = 0
  #renewal: ReturnType<typeof setInterval> | undefined

  constructor(settings: DelivererSettings) {
    this.#settings = settings
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
   * Delivers `request` or finds it delivered; throws a `VerificationError` for a signature reused
   * with another body and a `DeliveryError` (503) when the store fails or the deadline passes.
   */
  async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
    // One deadline covers the store too: a store that stops answering gets a 503, not a hang.
    const deadline = new Deadline(this.#settings.listenerTimeoutMs)
    try {
      return await this.#deliver(request, deadline)
    } finally {
      deadline.clear()
    }
  }

  async #deliver(request: DeliveryRequest, deadline: Deadline): Promise<DeliveryOutcome> {
    const { store, now, retentionMs, lockTtlMs, listenerTimeoutMs } = this.#settings
    // Remember a signature as long as it verifies, and a delivery at least the retention.
    const retainMs = Math.ceil(Math.max(request.verifiesUntil - now() + 1000, retentionMs))
    const token = `${this.#tokenPrefix}.${(this.#tokens++).toString(36)}`
    const claimRequest = { key: request.key, signature: request.signature, digest: request.digest, token, retainMs, lockMs: lockTtlMs }
    const budget = Math.min(listenerTimeoutMs, lockTtlMs)
    const started = performance.now()
    let signatureSeen: boolean | undefined
    for (let wait = 25; ; wait = Math.min(wait * 2, 500)) {
      const claim = await this.#claim(claimRequest, deadline)
      if (claim.status === 'replayed') {
        throw new VerificationError(
          'replayed_signature',
          'this timestamp, nonce and signature were already used with another body: a replay with a swapped body',
        )
      }
      signatureSeen ??= claim.signatureSeen
      const matchedBy = signatureSeen ? 'signature' : 'key'
      if (claim.status === 'delivered') return { kind: 'duplicate', matchedBy, answer: claim.answer }
      const running = this.#runs.get(request.key)
      if (running !== undefined) {
        // A run in this process has the key: join it (a lock that lapsed under it goes back).
        if (claim.status === 'claimed') void Promise.resolve(store.release(request.key, token)).catch(() => {})
        return this.#join(running, matchedBy, deadline)
      }
      if (claim.status === 'claimed') return this.#join(this.#start(request, token, claim.attempts), matchedBy, deadline, true)
      // Another instance is delivering it: wait for it to finish, for as long as a request would.
      if (performance.now() - started + wait > budget || (await pause(wait, deadline)) === TIMED_OUT) {
        throw new DeliveryError('listener_timeout', 'another instance is delivering this callback and has not finished')
      }
    }
  }

  async #claim(request: Parameters<DeliveryStore['claim']>[0], deadline: Deadline): Promise<ClaimResult> {
    let claimed: ClaimResult | Promise<ClaimResult>
    try {
      claimed = this.#settings.store.claim(request)
    } catch (cause) {
      throw storeFailed(cause, 'claiming the callback')
    }
    let result: ClaimResult | typeof TIMED_OUT
    try {
      result = await deadline.race(claimed)
    } catch (cause) {
      throw storeFailed(cause, 'claiming the callback')
    }
    if (result === TIMED_OUT) {
      // Abandoned: should the claim still succeed, let the lock go so a retry can take it.
      void Promise.resolve(claimed)
        .then((late) => (late.status === 'claimed' ? this.#settings.store.release(request.key, request.token) : undefined))
        .catch(() => {})
      throw new DeliveryError('store_failed', `the delivery store did not answer within ${this.#settings.listenerTimeoutMs} ms`)
    }
    if (!isClaimResult(result)) {
      throw storeFailed(undefined, `claiming the callback: it answered ${JSON.stringify(result)}, not a ClaimResult`)
    }
    return result
  }

  // Waits for `run` within the deadline and says what it means for this request.
  async #join(run: Run, matchedBy: 'signature' | 'key', deadline: Deadline, own = false): Promise<DeliveryOutcome> {
    if (!own) {
      if (run.waiting === 0 && !run.settled) this.#orphans--
      run.waiting++
    }
    let result: RunResult | typeof TIMED_OUT
    try {
      result = run.settled ? await run.done : await deadline.race(run.done)
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

  #start(request: DeliveryRequest, token: string, failedRuns: number): Run {
    const run: Run = {
      key: request.key,
      token,
      done: undefined as never,
      result: undefined,
      waiting: 1,
      settled: false,
      listening: true,
      renewing: false,
      lost: false,
    }
    this.#runs.set(request.key, run)
    this.#keepRenewing()
    run.done = this.#execute(request, run, failedRuns + 1).then((result) => {
      run.settled = true
      this.#runs.delete(request.key)
      if (run.waiting === 0) {
        // Every request gave up waiting (deadline): no answer carries this failure, so report it.
        this.#orphans--
        if (result.kind === 'failed' && !isSuccess(result.status)) this.#settings.report(result.error, request.key, result.delivery)
      }
      return result
    })
    return run
  }

  // Never rejects: every failure is a result or a report.
  async #execute(request: DeliveryRequest, run: Run, attempt: number): Promise<RunResult> {
    const { store, lockTtlMs, listenerTimeoutMs, now } = this.#settings
    const delivery: DeliveryContext = Object.freeze({ key: request.key, attempt, receivedAt: request.receivedAt })
    let result: RunResult
    try {
      const answer = request.run(delivery)
      result = { kind: 'delivered', answer: isThenable(answer) ? await answer : answer }
    } catch (caught) {
      const error = caught instanceof ListenerError ? caught : new ListenerError([caught])
      const status = this.#statusFor(error, delivery)
      // An acknowledged failure reaches no answer: report it.
      if (isSuccess(status)) this.#settings.report(error, request.key, delivery)
      result = { kind: 'failed', status, error, delivery }
    }
    run.listening = false
    run.result = result
    const delivered = result.kind === 'delivered' || isSuccess(result.status)
    const retainMs = Math.ceil(Math.max(request.verifiesUntil - now() + 1000, this.#settings.retentionMs))
    const deadline = new Deadline(listenerTimeoutMs)
    try {
      const held = await deadline.race(
        store.complete({
          key: request.key,
          token: run.token,
          outcome: delivered ? 'delivered' : 'failed',
          attempts: attempt,
          answer: result.kind === 'delivered' ? result.answer : undefined,
          retainMs,
        }),
      )
      if (held === TIMED_OUT) {
        this.#settings.report(storeFailed(undefined, `recording the outcome: no answer within ${listenerTimeoutMs} ms`), request.key, delivery)
      } else if (!held || run.lost) {
        this.#settings.report(
          new DeliveryError('listener_timeout', `the listeners ran past lockTtlMs (${lockTtlMs} ms) without the lock: another instance may have run them too`),
          request.key,
          delivery,
        )
      }
    } catch (cause) {
      this.#settings.report(storeFailed(cause, 'recording the outcome'), request.key, delivery)
    } finally {
      deadline.clear()
    }
    return result
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

function isClaimResult(value: unknown): value is ClaimResult {
  const status = (value as { status?: unknown } | null)?.status
  return status === 'replayed' || status === 'delivered' || status === 'busy' || status === 'claimed'
}
