import { array, define, integer, refine, string, Struct } from 'superstruct'

// superstruct's own coerce() and defaulted() run a complete nested validation of each value (to
// test their condition) before coercing; with ~25 fields that tripled the cost of every callback.
// These helpers give a struct a coercer that decides by itself, through superstruct's public Struct.

/** `base` with `coercer` applied first (under `create` only); the coercer leaves values it does not handle as they are. */
function coerced<T, S>(base: Struct<T, S>, coercer: (value: unknown) => unknown): Struct<T, S> {
  return new Struct({ ...base, coercer: (value, context) => base.coercer(coercer(value), context) })
}

/** `base`, with `fallback()` for an absent value. */
function optional<T, S>(base: Struct<T, S>, fallback: () => T): Struct<T, S> {
  return coerced(base, (value) => (value === undefined ? fallback() : value))
}

/** A required identifier: an exact, non-empty string, however ZEGO sent it (bare 19-digit numbers included). */
export const id = (): Struct<string, null> =>
  refine(string(), 'identifier', (value) => value.length > 0 || 'must not be empty')

/** Free text ZEGO may leave out: an exact string, `''` when absent. */
export const text = (): Struct<string, null> => optional(string(), () => '')

/** A non-negative integer quantity sent as a string or bare number; refused when not exactly representable. */
export const quantity = (): Struct<number, null> =>
  coerced(
    refine(integer(), 'quantity', (value) => (value >= 0 && Number.isSafeInteger(value)) || 'must be a safe non-negative integer'),
    // Digits only: "1.5", "" or "-1" stay strings and fail as "Expected an integer" with the field's path.
    (value) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value),
  )

/** A `"0"` / `"1"` flag as a boolean, `false` when absent. */
export const flag = (): Struct<boolean, null> =>
  coerced(define<boolean>('flag ("0" or "1")', (value) => typeof value === 'boolean'), (value) =>
    value === undefined || value === '0' ? false : value === '1' ? true : value,
  )

/** A list of URLs: always an array, whether ZEGO sent an array, one string, or nothing. */
export const urlList = (): Struct<string[], unknown> =>
  coerced(array(string()), (value) => (value === undefined ? [] : typeof value === 'string' ? [value] : value))

/**
 * Stream attributes: the `stream_attr` JSON string parsed into an object (`{ cid: 0 }`); `{}` when
 * absent, empty or unusable (ZEGO drifts here, and losing a whole callback over it would be worse;
 * `raw` keeps what was sent).
 */
export const jsonObject = (): Struct<Record<string, unknown>, null> =>
  coerced(
    define<Record<string, unknown>>(
      'JSON object',
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    ),
    attributes,
  )

function attributes(value: unknown): Record<string, unknown> {
  let parsed = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value)
    } catch {
      return {}
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {}
  // Sent as a JSON object rather than a string, its numbers arrive as exact strings: small codes
  // such as cid become numbers again.
  return Object.fromEntries(
    Object.entries(parsed).map(([key, item]) => [
      key,
      typeof item === 'string' && /^\d{1,15}$/.test(item) && typeof value !== 'string' ? Number(item) : item,
    ]),
  )
}
