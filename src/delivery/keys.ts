import { createHash } from 'node:crypto'
import type { RawPayload, RawValue } from '../raw.js'

/** The signature triple of a verified callback, as one store key part. */
export function tripleOf(timestamp: string, nonce: string, signature: string): string {
  return `${timestamp}:${encodeURIComponent(nonce)}:${encodeURIComponent(signature)}`
}

/** A key from an event name and the parts that identify one callback of it, each part escaped. */
export function keyOf(event: string, parts: ReadonlyArray<string | number>): string {
  return [event, ...parts].map((part) => encodeURIComponent(String(part))).join(':')
}

/**
 * A digest of the payload's content: the same for the same fields and values whatever the key
 * order, whitespace or encoding (JSON or form) they arrived in, different for any other change.
 */
export function contentDigest(raw: RawPayload): string {
  return createHash('sha256').update(canonical(raw)).digest('base64url')
}

function canonical(value: RawValue): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key] as RawValue)}`).join(',')}}`
}
