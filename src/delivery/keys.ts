import * as crypto from 'node:crypto'
import { createHash } from 'node:crypto'
import type { RawPayload } from '../raw.js'

/** A key from an event name and the parts that identify one callback of it, each part escaped. */
export function keyOf(event: string, parts: ReadonlyArray<string | number>): string {
  return [event, ...parts].map((part) => encodeURIComponent(String(part))).join(':')
}

/**
 * A digest of the payload's content, the signed fields left out (the signature identifies them):
 * the same for the same fields and values in the same order, whether they arrived as JSON or as a
 * form (where a one-item list arrives as a single value); different for any other change.
 */
export function contentDigest(raw: RawPayload): string {
  // Numbers are exact strings in a raw payload, so JSON.stringify is exact, and native.
  const text = JSON.stringify(raw, function canonical(this: unknown, key, value: unknown) {
    if (this === raw && SIGNED.has(key)) return undefined
    return Array.isArray(value) && value.length === 1 ? value[0] : value
  })
  return oneShotHash ? oneShotHash('sha256', text, 'base64url') : createHash('sha256').update(text).digest('base64url')
}

const SIGNED: ReadonlySet<string> = new Set(['timestamp', 'nonce', 'signature', 'Timestamp', 'Nonce', 'Signature'])

// crypto.hash (Node 20.12+) is a one-shot digest without a Hash object: half the cost here.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash
