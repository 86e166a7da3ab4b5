import {
  ZegoReceiver,
  type DeliveryContext,
  type DeliveryErrorEvent,
  type DuplicateEvent,
  type RejectedEvent,
  type ZegoCallbacksOptions,
} from '../../src/index.js'
import { createCallback, signCallback, toJsonBody, type CallbackPayload } from '../../src/testing/index.js'

type Fields = Record<string, string | number | bigint | string[] | undefined>

/**
 * Receivers on a clock the test moves (`clock.now`), recording what they emit, and callbacks
 * signed at that clock. `reset()` puts the clock back; call it after each test.
 */
export function deliveryHarness(secret: string, start = 1_700_000_000_000) {
  const clock = { now: start }
  const seconds = () => Math.floor(clock.now / 1000)

  function setup(options: ZegoCallbacksOptions = {}) {
    const receiver = new ZegoReceiver({ secret, now: () => clock.now, ...options })
    const seen = {
      delivered: [] as Array<{ event: string; delivery: DeliveryContext }>,
      duplicates: [] as DuplicateEvent[],
      rejected: [] as RejectedEvent[],
      errors: [] as DeliveryErrorEvent[],
    }
    receiver.on('callback', (event, delivery) => {
      seen.delivered.push({ event: event.event, delivery })
    })
    receiver.on('duplicate', (event) => {
      seen.duplicates.push(event)
    })
    receiver.on('rejected', (event) => {
      seen.rejected.push(event)
    })
    receiver.on('error', (event) => {
      seen.errors.push(event)
    })
    const post = (body: string | CallbackPayload, contentType = 'application/json') =>
      receiver.receive({ method: 'POST', contentType, body: typeof body === 'string' ? body : toJsonBody(body) })
    return { receiver, seen, post }
  }

  return {
    clock,
    reset: () => {
      clock.now = start
    },
    setup,
    /** A signed callback `ahead` seconds from the clock. */
    sign: (event: string, fields: Fields = {}, ahead = 0) => createCallback(event, fields, { secret, timestamp: seconds() + ahead }),
    /** The same callback as ZEGO re-signs it for a retry: a new nonce, timestamped `ahead` seconds from the clock. */
    resign: (payload: CallbackPayload, ahead = 0) => signCallback({ ...payload }, { secret, timestamp: seconds() + ahead }),
  }
}

/** A promise and the function that resolves it. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve }
}
