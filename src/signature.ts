import { createHash, timingSafeEqual } from 'node:crypto'

/** A timestamp or nonce as ZEGO sent it; a `number` must be a safe integer so no digit is lost. */
export type SignatureInput = string | number | bigint

const SIGNATURE = /^[0-9a-f]{40}$/i

function exactDigits(name: string, value: SignatureInput): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new TypeError(
      `${name} ${value} is not a safe integer and has lost digits: pass it as a string or bigint`,
    )
  }
  return String(value)
}

/**
 * ZEGO's callback signature: sha1 of the secret, timestamp and nonce sorted as strings and joined,
 * in lowercase hex.
 *
 * Note: pass the timestamp and nonce exactly as received; a 19-digit nonce that went through a
 * plain `JSON.parse` has lost digits and signs differently.
 */
export function computeSignature(
  secret: string,
  timestamp: SignatureInput,
  nonce: SignatureInput,
): string {
  const parts = [secret, exactDigits('timestamp', timestamp), exactDigits('nonce', nonce)].sort()
  return createHash('sha1').update(parts.join(''), 'utf8').digest('hex')
}

/**
 * Whether `signature` matches the one computed with any of `secrets`, compared in constant time
 * (every secret is tried, so timing does not tell which one matched).
 */
export function verifySignature(
  secrets: readonly string[],
  timestamp: string,
  nonce: string,
  signature: string,
): boolean {
  if (!SIGNATURE.test(signature)) return false
  const received = Buffer.from(signature.toLowerCase(), 'latin1')
  let matched = false
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, timestamp, nonce), 'latin1')
    // Both are 40 hex characters here, so the length check timingSafeEqual needs always holds.
    if (timingSafeEqual(expected, received)) matched = true
  }
  return matched
}
