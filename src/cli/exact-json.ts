import { parseLosslessJson } from '../json.js'
import type { RawValue } from '../raw.js'
import type { CallbackValue } from '../testing/index.js'

/**
 * Parses JSON text keeping every value's type and every digit: integers past 2^53 become
 * `bigint`s, which `toJsonBody` writes back as bare numbers.
 */
export function parseExactJson(text: string): CallbackValue {
  // JSON.parse gives the types, the lossless parser the digits (the same text, so the same shape).
  return merge(JSON.parse(text) as unknown, parseLosslessJson(text))
}

function merge(loose: unknown, exact: RawValue): CallbackValue {
  if (typeof loose === 'number') {
    const digits = exact as string
    return !Number.isSafeInteger(loose) && /^-?\d+$/.test(digits) ? BigInt(digits) : loose
  }
  if (Array.isArray(loose)) return loose.map((item, index) => merge(item, (exact as RawValue[])[index] as RawValue))
  if (typeof loose === 'object' && loose !== null) {
    const result: Record<string, CallbackValue> = {}
    for (const [key, item] of Object.entries(loose)) {
      Object.defineProperty(result, key, { value: merge(item, (exact as Record<string, RawValue>)[key] as RawValue), enumerable: true, writable: true, configurable: true })
    }
    return result
  }
  return loose as CallbackValue
}
