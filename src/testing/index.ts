import { randomBytes } from 'node:crypto'
import { computeSignature } from '../signature.js'
import { zegoExamples, type ExampleEvent } from './examples.js'

export { zegoExamples, type ExampleEvent } from './examples.js'

/** A field value of a callback payload; a `bigint` is sent as a bare JSON number by `toJsonBody`. */
export type CallbackValue = string | number | bigint | boolean | null | readonly string[]

/** A callback payload in ZEGO's own snake_case (or PascalCase) keys. */
export interface CallbackPayload {
  [key: string]: CallbackValue
}

/** Fields to set on a template; a field set to `undefined` is removed (to test a missing one). */
export type CallbackFields<E extends string> = {
  [K in E extends ExampleEvent ? keyof (typeof zegoExamples)[E] : never]?: CallbackValue | undefined
} & { [key: string]: CallbackValue | undefined }

/** How to sign: the secret (default `process.env.ZEGO_CALLBACK_SECRET`), and a fixed timestamp or nonce if wanted. */
export interface SignOptions {
  /** The CallbackSecret to sign with; default `process.env.ZEGO_CALLBACK_SECRET`. */
  secret?: string | undefined
  /** Unix seconds; default now. */
  timestamp?: string | number | bigint | undefined
  /** Default: a fresh random 19-digit nonce, as ZEGO sends. */
  nonce?: string | bigint | undefined
}

/**
 * Builds a complete, correctly signed callback from ZEGO's own example for `event` (any other
 * event name gets just the common fields), with `fields` applied and a fresh timestamp and nonce
 * unless given, ready for `request(app).post('/zego/callback').send(payload)`.
 *
 * Note: a `signature` in `fields` is kept as given, so a test can send a wrong one.
 */
export function createCallback<E extends string>(
  event: E,
  fields: CallbackFields<E> = {},
  options: SignOptions = {},
): CallbackPayload {
  const template: CallbackPayload = Object.hasOwn(zegoExamples, event)
    ? { ...zegoExamples[event as ExampleEvent] }
    : { event, appid: '1', timestamp: '0', nonce: '0', signature: '' }
  const payload: CallbackPayload = { ...template, event }
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) delete payload[key]
    else payload[key] = value
  }
  const signed = signCallback(payload, {
    secret: options.secret,
    timestamp: options.timestamp ?? scalar(fields['timestamp']),
    nonce: options.nonce ?? scalar(fields['nonce']),
  })
  // Fields the caller set win over the signing step, and `undefined` removes one (to test a missing signature).
  for (const key of ['signature', 'Signature', 'nonce', 'Nonce', 'timestamp', 'Timestamp']) {
    if (!Object.hasOwn(fields, key)) continue
    const value = fields[key]
    if (value === undefined) delete signed[key]
    else signed[key] = value
  }
  return signed
}

/**
 * Signs any payload as ZEGO would (snake_case or PascalCase common fields), setting its
 * timestamp, nonce and signature; returns a new object.
 */
export function signCallback(payload: CallbackPayload, options: SignOptions = {}): CallbackPayload {
  const secret = options.secret ?? process.env['ZEGO_CALLBACK_SECRET']
  if (!secret) {
    throw new TypeError('zego-callbacks/testing: pass `secret` in the options or set ZEGO_CALLBACK_SECRET')
  }
  const pascal = !('timestamp' in payload) && 'Timestamp' in payload
  const [timestampKey, nonceKey, signatureKey] = pascal
    ? ['Timestamp', 'Nonce', 'Signature']
    : ['timestamp', 'nonce', 'signature']
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000))
  const nonce = options.nonce ?? randomNonce()
  // Keep the template's own JSON type: room callbacks send timestamp as a bare number.
  const asNumber = typeof payload[timestampKey] === 'number' && Number.isSafeInteger(Number(timestamp))
  return {
    ...payload,
    [timestampKey]: asNumber ? Number(timestamp) : timestamp,
    // A bigint nonce stays a bigint, so toJsonBody sends it as a bare 19-digit number.
    [nonceKey]: nonce,
    [signatureKey]: computeSignature(secret, timestamp, nonce),
  }
}

/** The same payload with a signature that does not match (still 40 hex characters). */
export function withBadSignature(payload: CallbackPayload): CallbackPayload {
  const key = 'signature' in payload || !('Signature' in payload) ? 'signature' : 'Signature'
  const signature = String(payload[key] ?? '').padEnd(40, '0')
  const flipped = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0')
  return { ...payload, [key]: flipped }
}

/** Serializes a payload as JSON text; `bigint` values become bare JSON numbers with every digit kept. */
export function toJsonBody(payload: CallbackPayload): string {
  const entries = Object.entries(payload).map(([key, value]) => `${JSON.stringify(key)}:${jsonValue(value)}`)
  return `{${entries.join(',')}}`
}

/**
 * Serializes a payload as an `application/x-www-form-urlencoded` body, arrays as repeated keys
 * (or `key[]` keys with `brackets: true`), as ZEGO's form option sends.
 */
export function toFormBody(payload: CallbackPayload, options: { brackets?: boolean } = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(payload)) {
    if (Array.isArray(value)) {
      for (const item of value) params.append(options.brackets ? `${key}[]` : key, item)
    } else {
      params.append(key, value === null ? '' : String(value))
    }
  }
  return params.toString()
}

function jsonValue(value: CallbackValue): string {
  return typeof value === 'bigint' ? value.toString() : JSON.stringify(value)
}

function scalar(value: CallbackValue | undefined): string | bigint | undefined {
  if (value === undefined || value === null || Array.isArray(value)) return undefined
  return typeof value === 'bigint' ? value : String(value)
}

function randomNonce(): string {
  // 19 digits, as ZEGO's nonces have: 10^18 + (random 63 bits mod 9 * 10^18).
  const random = randomBytes(8).readBigUInt64BE() >> 1n
  return (10n ** 18n + (random % (9n * 10n ** 18n))).toString()
}
