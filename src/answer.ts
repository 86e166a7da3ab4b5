import type { AnswerFields } from './events/define.js'
import { ZegoCallbackError, type RejectionReason } from './errors.js'
import { setOwn } from './raw.js'

/**
 * The body of every answer: small JSON, never the secret or a stack trace. An accepted callback
 * whose product reads the answer (ZIM `before_send_msg`) also carries the fields its listeners gave.
 */
export type CallbackResponseBody = AcceptedBody | { ok: false; reason: RejectionReason; message: string }

/** The body of a 2xx answer. */
export interface AcceptedBody {
  ok: true
  /** Set on a repeat of a delivered callback. */
  duplicate?: true
  /** The fields the product reads, when listeners shaped the answer (ZIM: `result`, `reason`, `new_payload`, `new_msg_body`). */
  [field: string]: string | number | boolean | undefined
}

/** A framework-free answer for an adapter to send. */
export interface CallbackResponse {
  /** The HTTP status. */
  status: number
  /** Headers to set (`Allow` on a 405, `Connection: close` when the body was left unread). */
  headers: Record<string, string>
  /** The JSON body. */
  body: CallbackResponseBody
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>
// The answers to almost every callback, shared (frozen: an adapter only serializes them).
const OK: CallbackResponse = Object.freeze({ status: 200, headers: NO_HEADERS, body: Object.freeze({ ok: true as const }) })
const DUPLICATE: CallbackResponse = Object.freeze({
  status: 200,
  headers: NO_HEADERS,
  body: Object.freeze({ ok: true as const, duplicate: true as const }),
})

/**
 * Whether an answer with this status carries its JSON body: a 204, 205 or 304 (a failurePolicy's
 * choice) has none, and so no content type either (HTTP forbids one; `Response.json` throws).
 */
export function hasBody(status: number): boolean {
  return status !== 204 && status !== 205 && status !== 304
}

/** The answer to a callback taken: `status` (2xx), the listeners' answer fields (JSON text) if any, and whether it was a repeat. */
export function accepted(status: number, answer: string | undefined, duplicate: boolean): CallbackResponse {
  if (answer === undefined && status === 200) return duplicate ? DUPLICATE : OK
  const fields = answer === undefined ? undefined : answerFields(answer)
  const body: AcceptedBody = duplicate ? { ...fields, ok: true, duplicate: true } : { ...fields, ok: true }
  return { status, headers: NO_HEADERS, body }
}

/** Any failure as this package's error: unknown ones become `internal_error` (500), their detail kept as `cause` only. */
export function asCallbackError(caught: unknown): ZegoCallbackError {
  return caught instanceof ZegoCallbackError
    ? caught
    : new ZegoCallbackError('internal_error', 'zego-callbacks failed unexpectedly', { cause: caught })
}

/** The answer to a refused request (or a failed delivery answered `status`). */
export function refused(error: ZegoCallbackError, status: number): CallbackResponse {
  return { status, headers: headersFor(error.code), body: { ok: false, reason: error.code, message: error.message } }
}

const closingReasons: ReadonlySet<RejectionReason> = new Set([
  'body_timeout',
  'body_too_large',
  'unsupported_media_type',
  'closing',
] as const)

function headersFor(reason: RejectionReason): Record<string, string> {
  if (reason === 'method_not_allowed') return { Allow: 'POST' }
  // The rest of the body was not read (too large, never coming, of no use, or refused before
  // reading during shutdown): do not keep the connection draining it for another request.
  if (closingReasons.has(reason)) return { Connection: 'close' }
  return NO_HEADERS
}

// Answer fields are written by this package (a definition's `answer`), but read back from a
// shared store: keep only an object of strings and numbers.
function answerFields(text: string): AnswerFields | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const fields: AnswerFields = {}
  for (const [key, value] of Object.entries(parsed)) {
    if ((typeof value === 'string' || typeof value === 'number') && key !== 'ok' && key !== 'duplicate') setOwn(fields, key, value)
  }
  return fields
}
