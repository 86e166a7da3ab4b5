/** The longest delay `setTimeout` honours (Node runs a longer one after 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** What `Deadline.race` gives when the deadline passed first. */
export const TIMED_OUT: unique symbol = Symbol('timed out')

/**
 * One deadline for several steps, started lazily: a step that answers synchronously never
 * creates a timer, so a callback whose store and listeners are synchronous costs none.
 */
export class Deadline {
  readonly #endsAt: number
  #reached: Promise<typeof TIMED_OUT> | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #passed = false

  /** A deadline `ms` from now; `Infinity` (or anything past `MAX_TIMER_MS`) never passes. */
  constructor(ms: number) {
    this.#endsAt = ms <= MAX_TIMER_MS ? performance.now() + ms : Infinity
  }

  /** Whether the deadline has passed (known once a race lost to it). */
  get passed(): boolean {
    return this.#passed
  }

  /** `value` itself when it is not a promise; otherwise whichever settles first, it or the deadline. */
  race<T>(value: T | PromiseLike<T>): T | Promise<T | typeof TIMED_OUT> {
    if (!isThenable(value)) return value
    return Promise.race([value, this.#deadline()])
  }

  /** Cancels the timer. */
  clear(): void {
    clearTimeout(this.#timer)
  }

  #deadline(): Promise<typeof TIMED_OUT> {
    if (this.#reached === undefined) {
      const ms = this.#endsAt - performance.now()
      this.#reached =
        ms === Infinity
          ? new Promise<typeof TIMED_OUT>(() => {})
          : new Promise<typeof TIMED_OUT>((resolve) => {
              this.#timer = setTimeout(() => {
                this.#passed = true
                resolve(TIMED_OUT)
              }, Math.max(0, ms))
            })
    }
    return this.#reached
  }
}

/** Whether `value` is a promise (or any thenable). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/** A promise that resolves after `ms`, or `TIMED_OUT` if `deadline` passes first. */
export function pause(ms: number, deadline: Deadline): Promise<void | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const slept = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return (deadline.race(slept) as Promise<void | typeof TIMED_OUT>).finally(() => clearTimeout(timer))
}
