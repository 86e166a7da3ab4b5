import { VerificationError } from './errors.js'
import type { ResolvedOptions } from './options.js'
import { getOwn, quote, type RawPayload, type RawValue } from './raw.js'
import { verifySignature } from './signature.js'

/** Reads a common field by its snake_case name or the PascalCase one ZEGO's other products use. */
export function commonField(raw: RawPayload, name: 'event' | 'appid' | 'timestamp' | 'nonce' | 'signature'): RawValue | undefined {
  return getOwn(raw, name) ?? getOwn(raw, pascalNames[name])
}

const pascalNames = { event: 'Event', appid: 'AppId', timestamp: 'Timestamp', nonce: 'Nonce', signature: 'Signature' } as const

/** The signature fields of a verified callback, as received, and its timestamp in Unix seconds. */
export interface VerifiedSignature {
  timestamp: string
  nonce: string
  signature: string
  /** `timestamp` as a number, `NaN` when it is not digits (possible only with an infinite tolerance). */
  seconds: number
}

/**
 * Proves a raw payload comes from ZEGO: a signature made with one of the secrets (401), a fresh
 * timestamp (401), and an allowed AppID (403), and returns what it verified. Nothing else in the
 * payload is trusted before this.
 */
export function verifyCallback(raw: RawPayload, options: ResolvedOptions): VerifiedSignature {
  const timestamp = commonField(raw, 'timestamp')
  const nonce = commonField(raw, 'nonce')
  const signature = commonField(raw, 'signature')
  if (timestamp === undefined || nonce === undefined || signature === undefined) {
    const missing = { timestamp, nonce, signature }
    const names = Object.keys(missing).filter((key) => missing[key as keyof typeof missing] === undefined)
    throw new VerificationError('missing_signature', `the callback has no ${names.join(', ')}`)
  }
  if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string') {
    throw new VerificationError('bad_signature', 'timestamp, nonce and signature must each be a single value')
  }
  if (!verifySignature(options.secrets, timestamp, nonce, signature)) {
    throw new VerificationError('bad_signature', 'the signature does not match the timestamp and nonce')
  }
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN
  const skew = Math.abs(options.now() / 1000 - seconds)
  if (!(skew <= options.toleranceSeconds)) {
    throw new VerificationError(
      'stale_timestamp',
      Number.isNaN(seconds)
        ? `timestamp ${quote(timestamp)} is not a Unix time in seconds`
        : `timestamp ${timestamp} is ${Math.round(skew)} s away from now, beyond the ${options.toleranceSeconds} s tolerance`,
    )
  }
  if (options.appIds !== undefined) {
    const appId = commonField(raw, 'appid')
    const normalized = typeof appId === 'string' ? appId.replace(/^0+(?=\d)/, '') : undefined
    if (normalized === undefined || !options.appIds.has(normalized)) {
      throw new VerificationError(
        'forbidden_app',
        appId === undefined ? 'the callback has no appid and an AppID allow-list is set' : `AppID ${quote(String(appId))} is not allowed`,
      )
    }
  }
  return { timestamp, nonce, signature, seconds }
}
