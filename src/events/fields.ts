import {
  array,
  coerce,
  defaulted,
  define,
  enums,
  integer,
  pattern,
  refine,
  string,
  type Struct,
} from 'superstruct'

/** A required identifier: an exact, non-empty string, however ZEGO sent it (bare 19-digit numbers included). */
export const id = (): Struct<string, null> =>
  refine(string(), 'identifier', (value) => value.length > 0 || 'must not be empty')

/** Free text ZEGO may leave out: an exact string, `''` when absent. */
export const text = (): Struct<string, null> => defaulted(string(), '')

/** A non-negative integer quantity sent as a string or bare number; refused when not exactly representable. */
export const quantity = (): Struct<number, null> =>
  coerce(
    refine(integer(), 'quantity', (value) => (value >= 0 && Number.isSafeInteger(value)) || 'must be a safe non-negative integer'),
    pattern(string(), /^\d{1,16}$/),
    Number,
  )

/** A `"0"` / `"1"` flag as a boolean, `false` when absent. */
export const flag = (): Struct<boolean, null> =>
  defaulted(coerce(define<boolean>('flag', (value) => typeof value === 'boolean'), enums(['0', '1']), (value) => value === '1'), false)

/** A list of URLs: always an array, whether ZEGO sent an array, one string, or nothing. */
export const urlList = (): Struct<string[], unknown> =>
  defaulted(
    coerce(array(string()), string(), (value) => [value]),
    () => [],
  )

/** Stream attributes: a JSON string parsed into an object (`{ cid: 0 }`); `{}` when absent or empty. */
export const jsonObject = (): Struct<Record<string, unknown>, null> =>
  defaulted(
    coerce(
      define<Record<string, unknown>>('JSON object', (value) => typeof value === 'object' && value !== null && !Array.isArray(value)),
      string(),
      parseJsonObject,
    ),
    () => ({}),
  )

function parseJsonObject(value: string): unknown {
  if (value.trim() === '') return {}
  try {
    // Attributes are small codes such as cid, so a plain JSON.parse keeps them as numbers.
    return JSON.parse(value) as unknown
  } catch {
    // Left as the string, which then fails validation with the field's path.
    return value
  }
}
