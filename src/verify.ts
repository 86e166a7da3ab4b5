import { readEnvelope, type ZegoProduct } from './envelope.js'
import { VerificationError } from './errors.js'
import { quote, type RawPayload } from './raw.js'
import { matchSignature } from './signature.js'

/** What verification needs from the options. */
export interface VerifySettings {
  secrets: readonly string[]
  toleranceSeconds: number
  appIds: ReadonlySet<string> | undefined
  now: () => number
}

/** A callback proven to come from ZEGO, with its envelope read and normalized. */
export interface VerifiedCallback {
  raw: RawPayload
  product: ZegoProduct
  /** The event name; undefined when the callback has none (refused later with a 400). */
  event: string | undefined
  /** The AppID as a number; undefined when absent or not an integer. */
  appId: number | undefined
  /** The signed fields, as received. */
  timestamp: string
  nonce: string
  signature: string
  /** The timestamp in Unix milliseconds, whichever unit the product sent. */
  timestampMs: number
  /**
   * What identifies this signed request: the signature in lowercase hex. Every (timestamp, nonce)
   * that verifies under one signature signs the same text, so it is one request, however the
   * fields are cut or the hex is cased.
   */
  signatureId: string
}

/** What the `callback` event's listeners get: every verified callback, of any product, modeled or not. */
export interface CallbackEvent {
  /** The product that sent it (see the README's "ZEGO products" for how it is told). */
  product: ZegoProduct
  /**
   * ZEGO's event name as sent (`'stream_create'`, an AI Agent's `'AgentInstanceCreated'`), or
   * `'<product>:<code>'` for the products that send a code (`'cloud_recording:1'`).
   */
  event: string
  /** The AppID, from whichever key the product uses; undefined when absent or not an integer. */
  appId: number | undefined
  /** When ZEGO sent it, in Unix milliseconds, whichever unit the product stamps. */
  timestampMs: number
  /** The payload exactly as received. */
  raw: RawPayload
}

const WELL_FORMED = { s: /^[1-9]\d{9}$/, ms: /^[1-9]\d{12}$/ } as const
const UNIT_NAMES = { s: 'a Unix time in seconds (10 digits)', ms: 'a Unix time in milliseconds (13 digits)' } as const

/**
 * Proves a raw payload comes from ZEGO: a signature made with one of the secrets (401), a
 * well-formed timestamp in the product's own unit, fresh within the tolerance (401), and an
 * allowed AppID (403). Nothing else in the payload is trusted before this.
 */
export function verifyCallback(raw: RawPayload, settings: VerifySettings): VerifiedCallback {
  const envelope = readEnvelope(raw)
  const { timestamp, nonce, signature, unit } = envelope
  if (timestamp === undefined || nonce === undefined || signature === undefined) {
    const missing = [timestamp === undefined && 'timestamp', nonce === undefined && 'nonce', signature === undefined && 'signature']
    throw new VerificationError('missing_signature', `the callback has no ${missing.filter(Boolean).join(', ')}`)
  }
  if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string') {
    throw new VerificationError('bad_signature', 'timestamp, nonce and signature must each be a single value')
  }
  const signatureId = matchSignature(settings.secrets, timestamp, nonce, signature)
  if (signatureId === undefined) {
    throw new VerificationError('bad_signature', 'the signature does not match the timestamp and nonce')
  }
  // ZEGO signs the timestamp and nonce joined without a separator: only the product's own digit
  // count is accepted, so the digits cannot be cut differently into another valid timestamp.
  if (!WELL_FORMED[unit].test(timestamp)) {
    throw new VerificationError('stale_timestamp', `timestamp ${quote(timestamp)} is not ${UNIT_NAMES[unit]}`)
  }
  const timestampMs = unit === 's' ? Number(timestamp) * 1000 : Number(timestamp)
  const skew = Math.abs(settings.now() - timestampMs) / 1000
  if (skew > settings.toleranceSeconds) {
    throw new VerificationError(
      'stale_timestamp',
      `timestamp ${timestamp} is ${Math.round(skew)} s away from now, beyond the ${settings.toleranceSeconds} s tolerance`,
    )
  }
  const appIdText = typeof envelope.appId === 'string' && /^\d+$/.test(envelope.appId) ? envelope.appId.replace(/^0+(?=\d)/, '') : undefined
  // An allow-list holds AppIDs, never undefined: a callback without a usable AppID is in none.
  const allowed: ReadonlySet<string | undefined> | undefined = settings.appIds
  if (allowed !== undefined && !allowed.has(appIdText)) {
    throw new VerificationError(
      'forbidden_app',
      envelope.appId === undefined
        ? 'the callback has no AppID and an AppID allow-list is set'
        : `AppID ${quote(String(envelope.appId))} is not allowed`,
    )
  }
  // Number(undefined) is NaN, which is no safe integer either.
  const appId = Number(appIdText)
  return {
    raw,
    product: envelope.product,
    event: envelope.event,
    appId: Number.isSafeInteger(appId) ? appId : undefined,
    timestamp,
    nonce,
    signature,
    timestampMs,
    signatureId,
  }
}
