import { tracingChannel } from 'node:diagnostics_channel'
import type { CallbackResponse } from './answer.js'
import type { ZegoProduct } from './envelope.js'
import type { RejectionReason, ZegoCallbackError } from './errors.js'

/**
 * The name of the `node:diagnostics_channel` tracing channel every request is published on:
 * `tracingChannel('zego-callbacks:callback')`, channels `tracing:zego-callbacks:callback:start`,
 * `:end`, `:asyncStart`, `:asyncEnd` and `:error`.
 */
export const CALLBACK_TRACING_CHANNEL = 'zego-callbacks:callback'

/**
 * The context object of one request's trace: the same object on each of its channels, filled in
 * as the request goes (what is known of the callback), and with the answer at `asyncEnd`.
 */
export interface CallbackTrace {
  /** When the request arrived, on the receiver's `now` clock. */
  readonly receivedAt: Date
  /** Once verified: the product, ZEGO's event name and the AppID. */
  product?: ZegoProduct
  event?: string
  appId?: number | undefined
  /** Once validated: the deduplication key. */
  key?: string
  /** When its listeners ran: which delivery of the callback this was. */
  attempt?: number
  /** Whether it was a repeat of a delivered callback, answered without running the listeners. */
  duplicate?: boolean
  /** The status answered. */
  status?: number
  /** Why it was not answered 2xx. */
  reason?: RejectionReason
  /** The error answered, when not 2xx (published on `error` too). */
  error?: ZegoCallbackError
  /** The answer itself. */
  result?: CallbackResponse
  /** Milliseconds from arrival to the answer, on the receiver's `now` clock. */
  durationMs?: number
}

const channel = tracingChannel<unknown, CallbackTrace>(CALLBACK_TRACING_CHANNEL)

/** The trace of a request that arrived at `receivedAt`, or undefined (and nothing built) when nobody subscribes. */
export function startTrace(receivedAt: Date): CallbackTrace | undefined {
  const { start, end, asyncStart, asyncEnd, error } = channel
  if (!start.hasSubscribers && !end.hasSubscribers && !asyncStart.hasSubscribers && !asyncEnd.hasSubscribers && !error.hasSubscribers) {
    return undefined
  }
  return { receivedAt }
}

/**
 * Runs `receive` within the trace, as `TracingChannel.tracePromise` would: `start` (its bound
 * stores in force for everything the request runs, listeners included), `end`, then once
 * answered `error` when the answer is not 2xx, `asyncStart` and `asyncEnd`.
 */
export function traced(trace: CallbackTrace, now: () => number, receive: () => Promise<CallbackResponse>): Promise<CallbackResponse> {
  return channel.start.runStores(trace, () => {
    let answer: Promise<CallbackResponse>
    try {
      answer = receive()
    } finally {
      channel.end.publish(trace)
    }
    return answer.then((response) => {
      trace.status = response.status
      trace.result = response
      trace.durationMs = now() - trace.receivedAt.getTime()
      if (trace.error !== undefined) channel.error.publish(trace)
      channel.asyncStart.publish(trace)
      channel.asyncEnd.publish(trace)
      return response
    })
  })
}
