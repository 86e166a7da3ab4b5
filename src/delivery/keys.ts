import * as crypto from 'node:crypto'
import { createHash } from 'node:crypto'
import type { RawPayload, RawValue } from '../raw.js'

/** A key from an event name and the parts that identify one callback of it, each part escaped. */
export function keyOf(event: string, parts: ReadonlyArray<string | number>): string {
  let key = encodeURIComponent(event)
  for (const part of parts) key += `:${encodeURIComponent(part)}`
  return key
}

/**
 * A digest of the payload's content, the signed fields left out (the signature identifies them):
 * the same for the same fields and values in the same order, whether they arrived as JSON or as a
 * form (where a one-item list arrives as a single value); different for any other change.
 */
export function contentDigest(raw: RawPayload): string {
  let text = ''
  for (const key of Object.keys(raw)) {
    if (SIGNED.has(key)) continue
    const value = raw[key] as RawValue
    text += `${key.length}:${key}${canonical(Array.isArray(value) && value.length === 1 ? (value[0] as RawValue) : value)}`
  }
  return oneShotHash ? oneShotHash('sha256', text, 'base64url') : createHash('sha256').update(text).digest('base64url')
}

// A value as unambiguous text, without scanning it for escapes: each string prefixed by its length.
function canonical(value: RawValue): string {
  if (typeof value === 'string') return `s${value.length}:${value}`
  if (value === null || typeof value === 'boolean') return `l${String(value)};`
  let text = ''
  if (Array.isArray(value)) {
    for (const item of value) text += canonical(item)
    return `a${value.length}[${text}]`
  }
  const keys = Object.keys(value)
  for (const key of keys) text += `${key.length}:${key}${canonical(value[key] as RawValue)}`
  return `o${keys.length}{${text}}`
}

const SIGNED: ReadonlySet<string> = new Set(['timestamp', 'nonce', 'signature', 'Timestamp', 'Nonce', 'Signature'])

// crypto.hash (Node 20.12+) is a one-shot digest without a Hash object: half the cost here.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash
