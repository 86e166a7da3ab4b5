import * as crypto from 'node:crypto'
import { createHash } from 'node:crypto'

/** A timestamp or nonce as ZEGO sent it; a `number` must be a safe integer so no digit is lost. */
export type SignatureInput = string | number | bigint

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
  return sha1Hex(sortedJoin(secret, exactDigits('timestamp', timestamp), exactDigits('nonce', nonce)))
}

// The three strings in lexicographic (UTF-16 code unit) order, joined: what Array#sort gives.
function sortedJoin(a: string, b: string, c: string): string {
  if (a > b) [a, b] = [b, a]
  if (b > c) [b, c] = [c, b]
  if (a > b) [a, b] = [b, a]
  return a + b + c
}

function sha1Hex(text: string): string {
  return oneShotHash ? oneShotHash('sha1', text, 'hex') : createHash('sha1').update(text).digest('hex')
}

// crypto.hash (Node 20.12+) is a one-shot digest without a Hash object.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash

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
  return matchSignature(secrets, timestamp, nonce, signature) !== undefined
}

/**
 * The signature in lowercase hex when it is 40 hex characters (either case) matching the one
 * computed with any of `secrets`; undefined otherwise. Compared as `verifySignature` says.
 */
export function matchSignature(
  secrets: readonly string[],
  timestamp: string,
  nonce: string,
  signature: string,
): string | undefined {
  // A caller in plain JavaScript may pass what is not a string: it matches nothing.
  if (typeof signature !== 'string' || signature.length !== 40) return undefined
  let matched: string | undefined
  for (const secret of secrets) {
    const expected = sha1Hex(sortedJoin(secret, timestamp, nonce))
    // Every character is compared (no early exit), so the time does not tell how much matched.
    // `| 0x20` folds A-F to a-f and leaves digits as they are, but also folds 0x10-0x19 onto the
    // digits: those alone have neither 0x20 nor 0x40 set, and `(code & 0x60) - 1` is then negative.
    let difference = 0
    for (let i = 0; i < 40; i++) {
      const code = signature.charCodeAt(i)
      difference |= ((code | 0x20) ^ expected.charCodeAt(i)) | (((code & 0x60) - 1) >>> 31)
    }
    if (difference === 0) matched = expected
  }
  return matched
}
