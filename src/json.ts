import { MAX_DEPTH, quote, rawObject, setOwn, type RawPayload, type RawValue } from './raw.js'

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const PLAIN = /[^"\\\u0000-\u001f]*/y

/**
 * Parses JSON text without losing digits: every number becomes its exact source text, a `__proto__`
 * key is an own property, and duplicate keys, nesting deeper than `maxDepth` and strings that are not
 * well-formed Unicode (a lone surrogate such as `"\ud800"`) are refused.
 *
 * Note: throws a `SyntaxError` that names the position; callers map it to a 400.
 */
export function parseLosslessJson(text: string, maxDepth = MAX_DEPTH): RawValue {
  let at = 0

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${at}`)
  }

  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(at)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++
      else return
    }
  }

  const expect = (char: string): void => {
    skipSpace()
    if (text[at] !== char) fail(`expected '${char}'`)
    at++
  }

  const string = (): string => {
    const start = at
    // Skip a run of ordinary characters natively; most strings end right after it.
    PLAIN.lastIndex = at + 1
    PLAIN.test(text)
    at = PLAIN.lastIndex
    if (text.charCodeAt(at) === 0x22) {
      at++
      return wellFormed(text.slice(start + 1, at - 1))
    }
    let escaped = false
    for (; at < text.length; at++) {
      const c = text.charCodeAt(at)
      if (c === 0x22) {
        at++
        const literal = text.slice(start, at)
        // Only strings with escapes need JSON.parse, which also checks the escapes are valid.
        return wellFormed(escaped ? (JSON.parse(literal) as string) : literal.slice(1, -1))
      }
      if (c === 0x5c) {
        escaped = true
        at++
      } else if (c < 0x20) {
        fail('control character in string')
      }
    }
    return fail('unterminated string')
  }

  // A lone surrogate (`"\ud800"`, or one sent raw in a text body) is no Unicode text: ids holding
  // one break every later encoding step, so it is refused here with the rest of the bad JSON.
  const wellFormed = (string: string): string => (isWellFormed(string) ? string : fail('lone surrogate in string'))

  const value = (depth: number): RawValue => {
    skipSpace()
    const c = text[at]
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth}`)
      return c === '{' ? object(depth + 1) : array(depth + 1)
    }
    if (c === '"') return string()
    for (const [word, result] of LITERALS) {
      if (text.startsWith(word, at)) {
        at += word.length
        return result
      }
    }
    NUMBER.lastIndex = at
    const match = NUMBER.exec(text)
    if (match === null) return fail('unexpected token')
    at = NUMBER.lastIndex
    return match[0]
  }

  const object = (depth: number): RawPayload => {
    const result = rawObject()
    at++
    skipSpace()
    if (text[at] === '}') {
      at++
      return result
    }
    for (;;) {
      skipSpace()
      if (text[at] !== '"') fail('expected a key')
      const key = string()
      if (Object.hasOwn(result, key)) fail(`duplicate key ${quote(key)}`)
      expect(':')
      setOwn(result, key, value(depth))
      skipSpace()
      if (text[at] === ',') at++
      else if (text[at] === '}') {
        at++
        return result
      } else fail("expected ',' or '}'")
    }
  }

  const array = (depth: number): RawValue[] => {
    const result: RawValue[] = []
    at++
    skipSpace()
    if (text[at] === ']') {
      at++
      return result
    }
    for (;;) {
      result.push(value(depth))
      skipSpace()
      if (text[at] === ',') at++
      else if (text[at] === ']') {
        at++
        return result
      } else fail("expected ',' or ']'")
    }
  }

  const result = value(0)
  skipSpace()
  if (at < text.length) fail('unexpected text after the JSON value')
  return result
}

/** Whether `text` holds no lone surrogate (`String.prototype.isWellFormed`, Node 20 and later). */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed()
}

const LITERALS: ReadonlyArray<readonly [string, boolean | null]> = [
  ['true', true],
  ['false', false],
  ['null', null],
]
