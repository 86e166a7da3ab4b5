import { define, string, Struct } from 'superstruct'
import { quote } from '../raw.js'
import { REFUSED, withFastPath } from './compile.js'

// Each field is one superstruct node that checks and coerces by itself (superstruct's `refine()`,
// `array()`, `coerce()` and `defaulted()` each add nested validation runs per field and per array
// element), and carries the same check and coercion as a plain function for the compiled path
// (compile.ts), which answers callbacks without running superstruct.

/**
 * A struct for one field: `check` validates (after `coercer`, under `create`) and may return its own
 * failure message; `expected` words the usual one. Its fast path runs the same two functions.
 */
function field<T>(
  name: string,
  check: (value: unknown) => boolean | string,
  expected: string,
  coercer?: (value: unknown) => unknown,
): Struct<T, null> {
  const struct = define<T>(name, (value) => check(value) || `Expected ${expected}, but received: ${describe(value)}`)
  // superstruct counts a check as passed only when it returns exactly `true`.
  if (coercer === undefined) return withFastPath(struct, (value) => (check(value) === true ? (value as T) : REFUSED))
  const coercing = new Struct({ ...struct, coercer: (value, context) => struct.coercer(coercer(value), context) })
  return withFastPath(coercing, (value) => {
    const coerced = coercer(value)
    return check(coerced) === true ? (coerced as T) : REFUSED
  })
}

// A value as sent: a string quoted, anything else (a list, an object, true) as its JSON, unquoted.
function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)'
  if (typeof value === 'string') return quote(value)
  const json = JSON.stringify(value) ?? String(value)
  return json.length > 40 ? `${json.slice(0, 40)}...` : json
}

const isString = (value: unknown): value is string => typeof value === 'string'

/** A required identifier: an exact, non-empty string, however ZEGO sent it (bare 19-digit numbers included). */
export const id = (): Struct<string, null> =>
  field('identifier', (value) => isString(value) && value.length > 0, 'a non-empty string')

/** Free text ZEGO may leave out: an exact string, `''` when absent. */
export const text = (): Struct<string, null> =>
  field('text', isString, 'a string', (value) => (value === undefined ? '' : value))

const isQuantity = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
// Digits only: "1.5", "" or "-1" stay strings and fail with the field's path, never become 0; nor
// does a 16-digit one past 2^53, whose refusal then quotes what was sent, not a rounded number.
// The digits are read here: a regular expression and Number() cost five times as much. Up to 2^53
// every step is exact; past it the sum rounds to 2^53 or more, which is not a safe integer either.
const toQuantity = (value: unknown): unknown => {
  if (!isString(value) || value.length === 0 || value.length > 16) return value
  let number = 0
  for (let i = 0; i < value.length; i++) {
    const digit = value.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return value
    number = number * 10 + digit
  }
  return Number.isSafeInteger(number) ? number : value
}

/** A non-negative integer quantity sent as a string or bare number; refused when not exactly representable. */
export const quantity = (): Struct<number, null> =>
  field('quantity', isQuantity, 'a non-negative integer below 2^53', toQuantity)

/** A quantity ZEGO may leave out: `undefined` when absent. */
export const optionalQuantity = (): Struct<number | undefined, null> =>
  field('quantity', (value) => value === undefined || isQuantity(value), 'a non-negative integer below 2^53', toQuantity)

/** A `"0"` / `"1"` flag as a boolean, `false` when absent. */
export const flag = (): Struct<boolean, null> =>
  field('flag', (value) => typeof value === 'boolean', '"0" or "1"', (value) =>
    value === undefined || value === '0' ? false : value === '1' ? true : value,
  )

/** A list of URLs: always an array, whether ZEGO sent an array, one string, or nothing. */
export const urlList = (): Struct<string[], null> =>
  field(
    'string list',
    (value) => {
      if (!Array.isArray(value)) return false
      const bad = value.findIndex((item) => !isString(item))
      return bad === -1 || `Expected a list of strings, but item ${bad} is ${describe(value[bad])}`
    },
    'a string or a list of strings',
    (value) => (value === undefined ? [] : isString(value) ? [value] : value),
  )

/**
 * Stream attributes: the `stream_attr` JSON string parsed into an object (`{ cid: 0 }`); `{}` when
 * absent, empty or unusable (ZEGO drifts here, and losing a whole callback over it would be worse;
 * `raw` keeps what was sent).
 */
export const jsonObject = (): Struct<Record<string, unknown>, null> =>
  field('JSON object', (value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'an object', attributes)

/** Any string (the envelope's `event` and `signature`, already checked by verification). */
export const anyString = (): Struct<string, null> =>
  withFastPath(string(), (value) => (typeof value === 'string' ? value : REFUSED))

function attributes(value: unknown): Record<string, unknown> {
  let parsed: unknown
  if (isString(value)) {
    try {
      parsed = JSON.parse(value)
    } catch {
      return {}
    }
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
  // Sent as a JSON object rather than a string, its numbers arrive as exact strings: small codes
  // such as cid become numbers again.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, isString(item) && /^\d{1,15}$/.test(item) ? Number(item) : item]),
  )
}
