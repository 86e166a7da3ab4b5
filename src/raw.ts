/** A value of a raw payload: numbers are kept as their exact source text, so no digit is ever lost. */
export type RawValue = string | boolean | null | RawValue[] | RawPayload

/**
 * A payload exactly as received, keys as ZEGO spelled them and numbers as exact strings.
 *
 * Note: objects have a null prototype, so a `__proto__` or `constructor` key is an ordinary own
 * property and nothing is inherited.
 */
export interface RawPayload {
  [key: string]: RawValue
}

/** Deepest nesting accepted in a body; ZEGO's payloads are flat objects of strings and string arrays. */
export const MAX_DEPTH = 16

/** A fresh null-prototype object to fill with untrusted keys. */
export function rawObject(): RawPayload {
  return Object.create(null) as RawPayload
}

/** Whether `value` is a (non-array) object. */
export function isRawPayload(value: RawValue | undefined): value is RawPayload {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Shortens untrusted text quoted in an error message. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)
}
