import { randomBytes } from 'node:crypto'
import type { ZegoProduct } from '../envelope.js'
import { computeSignature } from '../signature.js'
import { zegoExamples, type ExampleEvent } from './examples.js'
import { productExamples } from './product-examples.js'

export { zegoExamples, type ExampleEvent } from './examples.js'
export { productExamples } from './product-examples.js'
export type { ZegoProduct } from '../envelope.js'

/** A field value of a callback payload; a `bigint` is sent as a bare JSON number by `toJsonBody`. */
export type CallbackValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | readonly CallbackValue[]
  | { readonly [key: string]: CallbackValue }

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
  /** In the payload's own unit (Unix seconds; milliseconds for AI Agent and ASR); default now. */
  timestamp?: string | number | bigint | undefined
  /** Default: a fresh random 19-digit nonce, as ZEGO sends. */
  nonce?: string | bigint | undefined
}

/** How `createCallback` builds and signs: `SignOptions`, and which product sends it. */
export interface CreateOptions extends SignOptions {
  /**
   * The product whose callback to build, in its own key case and timestamp unit; default: RTC for
   * RTC's event names, else the product whose example has this name (`'before_send_msg'`: ZIM,
   * `'AgentInstanceCreated'`: AI Agent, `'cloud_recording:1'`: Cloud Recording).
   */
  product?: ZegoProduct | undefined
}

/**
 * Builds a complete, correctly signed callback of any ZEGO product from ZEGO's own example for
 * `event` (a name without an example gets the product's common fields), with `fields` applied and
 * a fresh timestamp (in the product's unit) and nonce unless given, ready for
 * `request(app).post('/zego/callback').send(payload)`.
 *
 * Note: a `signature` in `fields` is kept as given, so a test can send a wrong one.
 */
export function createCallback<E extends string>(
  event: E,
  fields: CallbackFields<E> = {},
  options: CreateOptions = {},
): CallbackPayload {
  const payload = templateFor(event, options.product)
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
  // A 13-digit timestamp in the payload says its product stamps milliseconds (AI Agent, ASR).
  const milliseconds = String(payload[timestampKey] ?? '').length === 13
  const timestamp = String(options.timestamp ?? (milliseconds ? Date.now() : Math.floor(Date.now() / 1000)))
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
  return jsonValue(payload)
}

/**
 * Serializes a payload as an `application/x-www-form-urlencoded` body, arrays as repeated keys
 * (or `key[]` keys with `brackets: true`), as ZEGO's form option sends.
 */
export function toFormBody(payload: CallbackPayload, options: { brackets?: boolean } = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(payload)) {
    if (Array.isArray(value)) {
      for (const item of value as readonly CallbackValue[]) params.append(options.brackets ? `${key}[]` : key, formValue(item))
    } else {
      params.append(key, formValue(value))
    }
  }
  return params.toString()
}

// Objects have no form encoding of their own: they are sent as JSON text.
function formValue(value: CallbackValue): string {
  if (value === null) return ''
  return typeof value === 'object' ? jsonValue(value) : String(value)
}

function jsonValue(value: CallbackValue): string {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return `[${(value as readonly CallbackValue[]).map(jsonValue).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${jsonValue(item)}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value)
}

// ZEGO's example for `event` of `product` (RTC's first, then the product whose example has that
// name), or the product's common fields in its own key case and timestamp unit.
function templateFor(event: string, product: ZegoProduct | undefined): CallbackPayload {
  if ((product === undefined || product === 'rtc') && Object.hasOwn(zegoExamples, event)) {
    return structuredClone(zegoExamples[event as ExampleEvent]) as CallbackPayload
  }
  const examples: Partial<Record<ZegoProduct, Record<string, CallbackPayload>>> = productExamples
  for (const [name, byEvent] of Object.entries(examples) as Array<[ZegoProduct, Record<string, CallbackPayload>]>) {
    if ((product === undefined || product === name) && Object.hasOwn(byEvent, event)) {
      return structuredClone(byEvent[event]) as CallbackPayload
    }
  }
  return commonFields(product ?? codedProduct(event) ?? 'rtc', event)
}

function codedProduct(event: string): ZegoProduct | undefined {
  const product = /^(cloud_recording|cloud_player|digital_human):\d+$/.exec(event)?.[1]
  return product as ZegoProduct | undefined
}

// The common fields of each product's envelope (REFERENCE section 6), signature fields blank.
function commonFields(product: ZegoProduct, event: string): CallbackPayload {
  const signed = (pascal: boolean, timestamp: number): CallbackPayload =>
    pascal ? { Nonce: '0', Timestamp: timestamp, Signature: '' } : { nonce: '0', timestamp: String(timestamp), signature: '' }
  const code = (): number => {
    const match = /^[a-z_]+:(\d+)$/.exec(event)
    if (match?.[1] === undefined || codedProduct(event) !== product) {
      throw new TypeError(`zego-callbacks/testing: ${product} callbacks have no event name; name one '${product}:<code>', e.g. '${product}:1'`)
    }
    return Number(match[1])
  }
  switch (product) {
    case 'rtc':
    case 'zim':
      return { event, appid: '1', ...signed(false, 1_000_000_000) }
    case 'ai_agent':
      return { Event: event, AppId: 1, AgentInstanceId: '1', ...signed(true, 1_000_000_000_000) }
    case 'asr':
      return { Event: event, AppId: 1, ...signed(true, 1_000_000_000_000) }
    case 'rtc_transcoding':
      return { Event: event, Appid: 1, ...signed(true, 1_000_000_000) }
    case 'rtc_moderation':
    case 'other':
      return { Event: event, AppId: 1, ...signed(true, 1_000_000_000) }
    case 'cloud_recording':
      return { app_id: 1, event_type: code(), ...signed(false, 1_000_000_000) }
    case 'cloud_player':
      return { AppID: 1, EventType: code(), ...signed(true, 1_000_000_000) }
    case 'digital_human':
      return { AppId: 1, EventType: code(), ...signed(true, 1_000_000_000) }
  }
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
