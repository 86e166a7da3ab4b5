/** A value of a raw payload: numbers are kept as their exact source text, so no digit is ever lost. */
export type RawValue = string | boolean | null | RawValue[] | RawPayload

/**
 * A payload exactly as received, keys as ZEGO spelled them and numbers as exact strings.
 *
 * Note: a `__proto__` key is an ordinary own property (as `JSON.parse` makes it), never a
 * prototype change; read untrusted keys with `Object.hasOwn` first.
 */
export interface RawPayload {
  [key: string]: RawValue
}

/** Deepest nesting accepted in a body; ZEGO's payloads are flat objects of strings and string arrays. */
export const MAX_DEPTH = 16

/**
 * A fresh object to fill with untrusted keys through `setOwn`.
 *
 * Note: a plain object, not a null-prototype one: V8 keeps null-prototype objects in dictionary
 * mode, where superstruct's copy of a payload cost 8 us instead of 0.1 us.
 */
export function rawObject(): RawPayload {
  return {}
}

/** Sets `key` as an own data property, so a `__proto__` key cannot change the prototype. */
export function setOwn<Value>(object: Record<string, Value>, key: string, value: Value): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true })
  } else {
    object[key] = value
  }
}

/** The value of an own property, never an inherited one (`constructor`, `toString`). */
export function getOwn(object: RawPayload, key: string): RawValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined
}

/** Whether `value` is a (non-array) object. */
export function isRawPayload(value: RawValue | undefined): value is RawPayload {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Shortens untrusted text quoted in an error message. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)
}
