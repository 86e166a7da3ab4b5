/** The longest delay `setTimeout` honours (Node runs a longer one after 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** What `Deadline.race` gives when the deadline passed first. */
export const TIMED_OUT: unique symbol = Symbol('timed out')

interface Entry {
  endsAt: number
  /** Undefined once the deadline was cleared. */
  expire: (() => void) | undefined
}

// Cloudflare Workers cancel a request's timers when its answer is sent: a timer armed while one
// request was waiting cannot serve the next ones there, so each deadline gets its own.
const requestScopedTimers = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers'

/**
 * Deadlines of one duration, which therefore expire in the order they were set: one timer serves
 * them all, armed for the oldest (on a runtime whose timers end with their request, one each).
 */
export class Deadlines {
  /** Whether each deadline arms a timer of its own. */
  readonly ownTimers: boolean = requestScopedTimers
  readonly #ms: number
  #queue: Entry[] = []
  #head = 0
  #timer: ReturnType<typeof setTimeout> | undefined

  /** Deadlines `ms` long; `Infinity` (or anything past `MAX_TIMER_MS`) never passes. */
  constructor(ms: number) {
    this.#ms = ms
  }

  /** A deadline starting now; it costs nothing until something waits on it. */
  start(): Deadline {
    return new Deadline(this, this.#ms <= MAX_TIMER_MS ? performance.now() + this.#ms : Infinity)
  }

  /** Queues `entry` (its `endsAt` is never before a queued one's). */
  add(entry: Entry): void {
    // Deadlines mostly clear in the order they were set: forget the cleared ones at the front now,
    // so they die young instead of waiting for the timer (a long queue outlives minor collections).
    this.#dropCleared()
    this.#queue.push(entry)
    if (this.#timer === undefined) this.#arm()
  }

  // Forgets the cleared deadlines at the front (the whole queue when all are); returns the first left.
  #dropCleared(): Entry | undefined {
    while (this.#head < this.#queue.length && this.#queue[this.#head]?.expire === undefined) this.#head++
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0
      this.#head = 0
    }
    return this.#queue[this.#head]
  }

  #arm(): void {
    const next = this.#dropCleared()
    if (next === undefined) return
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, next.endsAt - performance.now()))
    this.#timer.unref?.()
  }

  #fire(): void {
    this.#timer = undefined
    const now = performance.now()
    for (let entry = this.#queue[this.#head]; entry !== undefined && entry.endsAt <= now; entry = this.#queue[this.#head]) {
      this.#head++
      const expire = entry.expire
      entry.expire = undefined
      expire?.()
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    this.#arm()
  }
}

/**
 * One request's deadline for several steps. A step that answers synchronously never waits on it,
 * so a callback whose store and listeners are synchronous costs no timer at all.
 */
export class Deadline {
  readonly #owner: Deadlines
  readonly #endsAt: number
  #entry: Entry | undefined
  #waiters: Array<() => void> | undefined
  #passed = false
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(owner: Deadlines, endsAt: number) {
    this.#owner = owner
    this.#endsAt = endsAt
  }

  /** Whether the deadline has passed. */
  get passed(): boolean {
    return this.#passed
  }

  /** `value` itself when it is not a promise; otherwise a promise of whichever comes first, it or the deadline. */
  race<T>(value: T | PromiseLike<T>): T | Promise<T | typeof TIMED_OUT> {
    if (!isThenable(value)) return value
    if (this.#passed) return Promise.resolve(TIMED_OUT)
    // Whichever settles the promise first wins; the other's settling does nothing. The deadline's
    // waiter is not taken back when the value wins: clearing the deadline forgets it.
    return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
      this.#wait(() => resolve(TIMED_OUT))
      value.then(resolve, reject)
    })
  }

  /** Calls `onTimeout` when the deadline passes (at once if it has); returns what to call to stop waiting. */
  onPassed(onTimeout: () => void): () => void {
    if (this.#passed) {
      onTimeout()
      return () => {}
    }
    this.#wait(onTimeout)
    return () => this.#unwait(onTimeout)
  }

  /** Lets the timer forget this deadline. */
  clear(): void {
    if (this.#entry !== undefined) this.#entry.expire = undefined
    clearTimeout(this.#timer)
  }

  #wait(onTimeout: () => void): void {
    ;(this.#waiters ??= []).push(onTimeout)
    if (this.#entry === undefined && this.#endsAt !== Infinity) {
      this.#entry = { endsAt: this.#endsAt, expire: () => this.#expire() }
      if (!this.#owner.ownTimers) this.#owner.add(this.#entry)
      else this.#timer = setTimeout(() => this.#expire(), Math.max(0, this.#endsAt - performance.now()))
    }
  }

  #unwait(onTimeout: () => void): void {
    const waiters = this.#waiters ?? []
    const index = waiters.indexOf(onTimeout)
    if (index !== -1) waiters.splice(index, 1)
  }

  #expire(): void {
    this.#passed = true
    const waiters = this.#waiters ?? []
    this.#waiters = undefined
    for (const onTimeout of waiters) onTimeout()
  }
}

/** Whether `value` is a promise (or any thenable): for what a user's code returns (a store, a listener). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/**
 * Whether `value`, what one of this package's own steps returned (a value or a native promise), is
 * the promise. Note: cheaper than `isThenable`, whose read of `then` on values of many shapes takes
 * V8's slowest property lookup, but blind to thenables: never use it on what a user's code returns.
 */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise
}

/** A promise that resolves after `ms`, or `TIMED_OUT` if `deadline` passes first. */
export function pause(ms: number, deadline: Deadline): Promise<void | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const slept = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return (deadline.race(slept) as Promise<void | typeof TIMED_OUT>).finally(() => clearTimeout(timer))
}
