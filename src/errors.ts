/** Every reason a request is not answered 2xx, as a stable code to `switch` on. */
export type RejectionReason =
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'body_timeout'
  | 'request_aborted'
  | 'invalid_body'
  | 'missing_signature'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'replayed_signature'
  | 'forbidden_app'
  | 'invalid_payload'
  | 'listener_failed'
  | 'body_unavailable'
  | 'internal_error'
  | 'listener_timeout'
  | 'overloaded'
  | 'closing'
  | 'store_failed'

/** The HTTP status answered for each rejection reason. */
export const statusByReason = {
  method_not_allowed: 405,
  unsupported_media_type: 415,
  body_too_large: 413,
  body_timeout: 408,
  request_aborted: 400,
  invalid_body: 400,
  missing_signature: 401,
  bad_signature: 401,
  stale_timestamp: 401,
  replayed_signature: 401,
  forbidden_app: 403,
  invalid_payload: 400,
  listener_failed: 500,
  body_unavailable: 500,
  internal_error: 500,
  listener_timeout: 503,
  overloaded: 503,
  closing: 503,
  store_failed: 503,
} as const satisfies Record<RejectionReason, number>

/** Base class of every error this package answers with; `code` and `status` never disagree. */
export class ZegoCallbackError<Code extends RejectionReason = RejectionReason> extends Error {
  override name = 'ZegoCallbackError'
  /** The stable reason code. */
  readonly code: Code
  /** The HTTP status the middleware answers with. */
  readonly status: (typeof statusByReason)[Code]

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.status = statusByReason[code]
  }
}

/** The request itself is unusable: wrong method, media type, size, or an undecodable body. */
export class RequestError extends ZegoCallbackError<
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'body_timeout'
  | 'request_aborted'
  | 'invalid_body'
> {
  override name = 'RequestError'
}

/**
 * The request did not prove it comes from ZEGO (401), reused a signature seen with another body
 * (401 `replayed_signature`), or comes from an AppID not allowed (403).
 */
export class VerificationError extends ZegoCallbackError<
  'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'replayed_signature' | 'forbidden_app'
> {
  override name = 'VerificationError'
}

/** A verified payload failed validation; `path` names the offending field in ZEGO's snake_case. */
export class PayloadError extends ZegoCallbackError<'invalid_payload'> {
  override name = 'PayloadError'
  /** The path of the offending field, e.g. `['stream_seq']`. */
  readonly path: readonly string[]

  constructor(message: string, path: readonly string[], options?: { cause?: unknown }) {
    super('invalid_payload', message, options)
    this.path = path
  }
}

/** One or more listeners threw or rejected; `cause` is an `AggregateError` of their errors. */
export class ListenerError extends ZegoCallbackError<'listener_failed'> {
  override name = 'ListenerError'
  /** What the listeners threw, in registration order. */
  readonly errors: readonly unknown[]

  constructor(errors: readonly unknown[]) {
    super('listener_failed', `${errors.length} listener(s) failed`, {
      cause: new AggregateError(errors, 'listener failures'),
    })
    this.errors = errors
  }
}

/** The host setup lost the body before this middleware saw it (a body parser ran first and kept no exact copy). */
export class BodyUnavailableError extends ZegoCallbackError<'body_unavailable'> {
  override name = 'BodyUnavailableError'

  constructor(message: string) {
    super('body_unavailable', message)
  }
}

/**
 * A callback could not be taken or delivered now and ZEGO should retry (503): its listeners ran past
 * the deadline, too many callbacks are in flight, the receiver is closing, or the delivery store failed.
 */
export class DeliveryError extends ZegoCallbackError<'listener_timeout' | 'overloaded' | 'closing' | 'store_failed'> {
  override name = 'DeliveryError'
}
