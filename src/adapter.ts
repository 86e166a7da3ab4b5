import type { ServerResponse } from 'node:http'
import { hasBody, type CallbackResponse } from './answer.js'
import { ZegoReceiver, type CloseOptions, type CloseResult, type ZegoEventSource } from './receiver.js'
import type { ZegoCallbacksOptions } from './options.js'

export { hasBody }

/** What every adapter's middleware carries besides being callable: the events and its receiver. */
export interface MiddlewareExtras<Self> extends ZegoEventSource<Self> {
  /** The framework-free receiver behind this middleware. */
  readonly receiver: ZegoReceiver
  /**
   * Stops taking callbacks (503) and resolves once those in flight are answered and their
   * listeners finished, or at `timeoutMs` (default 20000) with what it could not wait for.
   */
  close(options?: CloseOptions): Promise<CloseResult>
}

/**
 * Builds an adapter's middleware: creates the receiver (so option errors throw at creation), hands
 * it to `handler`, and gives the resulting function chaining `on` / `once` / `off`.
 */
export function createMiddleware<M extends MiddlewareExtras<M>>(
  options: ZegoCallbacksOptions | undefined,
  handler: (receiver: ZegoReceiver) => (...args: never[]) => unknown,
): M {
  const receiver = new ZegoReceiver(options)
  const middleware = handler(receiver) as unknown as M
  const extras: MiddlewareExtras<M> = {
    receiver,
    on(event, listener) {
      receiver.on(event, listener)
      return middleware
    },
    once(event, listener) {
      receiver.once(event, listener)
      return middleware
    },
    off(event, listener) {
      receiver.off(event, listener)
      return middleware
    },
    close: (options) => receiver.close(options),
  }
  return Object.assign(middleware, extras)
}

/** The exact body a host kept (`req.rawBody` from a `verify` hook, `@koa/bodyparser`'s `rawBody`), if any. */
export function keptRawBody(value: unknown): Uint8Array | string | undefined {
  return typeof value === 'string' || value instanceof Uint8Array ? value : undefined
}

/**
 * Sends an answer on a Node response (Express, node:http): the status, the answer's headers and
 * the JSON body, its length known, in one write. Node's own calls, not a framework's `res.json`:
 * that one also hashes every body for an ETag no callback sender reads.
 */
export function sendAnswer(res: ServerResponse, answer: CallbackResponse): void {
  res.statusCode = answer.status
  for (const name in answer.headers) res.setHeader(name, answer.headers[name] as string)
  if (!hasBody(answer.status)) return void res.end()
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.end(JSON.stringify(answer.body))
}
