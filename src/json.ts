import { MAX_DEPTH, quote, rawObject, setOwn, type RawPayload, type RawValue } from './raw.js'

/**
 * Parses JSON text without losing digits: every number becomes its exact source text, a `__proto__`
 * key is an own property, and duplicate keys, nesting deeper than `maxDepth` and strings that are not
 * well-formed Unicode (a lone surrogate such as `"\ud800"`) are refused.
 *
 * Note: throws a `SyntaxError` that names the position; callers map it to a 400.
 */
export function parseLosslessJson(text: string, maxDepth = MAX_DEPTH): RawValue {
  return parseJsonNatively(text, maxDepth) ?? parseJsonByHand(text, maxDepth)
}

// The native path. `JSON.parse` builds the value; what it cannot tell (a key it silently merged with
// a repeat, a number's source text) comes from the text, found with native searches. A text without
// numbers, whitespace or repeats is exactly as long as the value written compactly plus its escapes:
// that is checked first, with one search for backslashes, and answers most callbacks. Every key is
// followed by a colon outside any string, so the text's candidate colons bound the keys from above:
// when there are no more of them than keys in the parsed value, none was repeated, and the number
// tokens right after those colons are the object members' numbers, in document order, the order a
// walk of the parsed value meets them. Numbers in arrays, or colons that could be text, take a second
// native pass over the text with its strings cut out. Anything else (invalid text, a duplicate, deep
// nesting, an escaped surrogate, a key V8 would reorder) goes to the hand parser, which either agrees
// or throws its precise error.
const STRINGS = /"[^"\\]*(?:\\[^][^"\\]*)*"/g
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/

/** How many keys a parsed value has, how long it is written compactly, and where its numbers are. */
interface Census {
  keys: number
  length: number
  readonly holders: Array<RawPayload | RawValue[]>
  readonly slots: Array<string | number>
}

/** What `parseLosslessJson` returns for `text` when `JSON.parse` can give it exactly; `undefined` when only the hand parser can. */
export function parseJsonNatively(text: string, maxDepth = MAX_DEPTH): RawValue | undefined {
  let value: RawValue | number
  try {
    value = JSON.parse(text) as RawValue | number
  } catch {
    return undefined
  }
  // A raw lone surrogate fails isWellFormed; an escaped one is the hand parser's to find and word.
  if (!isWellFormed(text) || (text.includes('\\u') && SURROGATE_ESCAPE.test(text))) return undefined
  if (typeof value === 'number') return text.trim()
  if (typeof value !== 'object' || value === null) return value
  const census: Census = { keys: 0, length: 0, holders: [], slots: [] }
  if (!survey(value, 1, maxDepth, census)) return undefined
  // The text is longer than the value written compactly (numbers left out) by its escapes, its
  // whitespace, its numbers and every member a repeated key replaced: longer by its escapes alone, it
  // has none of the others, and the value is exact as parsed.
  if (census.length + escapeLength(text) === text.length) return value
  const numbers: string[] = []
  if (keyColons(text, numbers) !== census.keys || numbers.length !== census.slots.length) {
    numbers.length = 0
    // With no key repeated, the text's number tokens are the value's numbers, one for one.
    if (skeletonColons(text, numbers) !== census.keys) return undefined
  }
  // Own data properties all (`__proto__` included, as JSON.parse makes it): assignment keeps them own.
  for (let i = 0; i < numbers.length; i++) {
    ;(census.holders[i] as Record<string | number, RawValue>)[census.slots[i] as string] = numbers[i] as string
  }
  return value
}

/** Counts the keys under `container`, adds up its compact length and notes where its numbers are; false when the hand parser must decide. */
function survey(container: RawPayload | RawValue[], depth: number, maxDepth: number, census: Census): boolean {
  if (depth > maxDepth) return false
  // The opening bracket; each item adds the comma or closing bracket after it, and an empty container its closing one.
  census.length++
  if (Array.isArray(container)) {
    if (container.length === 0) census.length++
    for (let i = 0; i < container.length; i++) {
      if (!surveyItem(container, i, depth, maxDepth, census)) return false
    }
    return true
  }
  const keys = census.keys
  for (const key in container) {
    // V8 lists array-index keys ("0", "42") first, out of document order.
    const first = key.charCodeAt(0)
    if (first >= 0x30 && first <= 0x39) return false
    census.keys++
    // The key, its quotes and its colon.
    census.length += key.length + 3
    if (!surveyItem(container, key, depth, maxDepth, census)) return false
  }
  if (census.keys === keys) census.length++
  return true
}

function surveyItem(
  container: RawPayload | RawValue[],
  slot: string | number,
  depth: number,
  maxDepth: number,
  census: Census,
): boolean {
  const item = (container as Record<string | number, unknown>)[slot]
  census.length++
  if (typeof item === 'string') {
    census.length += item.length + 2
    return true
  }
  if (typeof item === 'number') {
    census.holders.push(container)
    census.slots.push(slot)
    return true
  }
  if (typeof item === 'object' && item !== null) return survey(item as RawPayload | RawValue[], depth + 1, maxDepth, census)
  // true, false or null.
  census.length += String(item).length
  return true
}

/** How much longer the escapes in valid JSON `text` are than the characters they stand for. */
export function escapeLength(text: string): number {
  let length = 0
  // A backslash in valid JSON starts an escape; the search resumes after the escaped character.
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', at + 2)) {
    length += text.charCodeAt(at + 1) === 0x75 ? 5 : 1
  }
  return length
}

/**
 * An upper bound on the keys in valid JSON `text`: its colons, less those that must be inside a
 * string (a key's colon follows the key's closing quote or whitespace and precedes whitespace or a
 * value, so a colon after anything else, before `/` or `\`, or after an escaped quote is text).
 * Pushes the number token that follows each counted colon onto `numbers`.
 */
export function keyColons(text: string, numbers: string[]): number {
  let colons = 0
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) {
    const before = text.charCodeAt(at - 1)
    let next = at + 1
    let after = text.charCodeAt(next)
    if (after === 0x2f || after === 0x5c) continue
    if (before === 0x22) {
      if (text.charCodeAt(at - 2) === 0x5c && text.charCodeAt(at - 3) !== 0x5c) continue
    } else if (!isSpace(before)) continue
    colons++
    while (isSpace(after)) after = text.charCodeAt(++next)
    if (after === 0x2d || (after >= 0x30 && after <= 0x39)) numbers.push(numberAt(text, next))
  }
  return colons
}

/** The exact number of keys in valid JSON `text`, pushing every number token onto `numbers` in document order. */
function skeletonColons(text: string, numbers: string[]): number {
  const skeleton = text.replace(STRINGS, '')
  let colons = 0
  for (let at = 0; at < skeleton.length; at++) {
    const c = skeleton.charCodeAt(at)
    if (c === 0x3a) colons++
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const token = numberAt(skeleton, at)
      numbers.push(token)
      at += token.length - 1
    }
  }
  return colons
}

/** The number token starting at `start`. */
function numberAt(text: string, start: number): string {
  let end = start + 1
  while (isNumberPart(text.charCodeAt(end))) end++
  return text.slice(start, end)
}

/** Digits, sign, point and exponent: what follows a number token's first character. */
function isNumberPart(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

/** Whether `text` holds no lone surrogate (`String.prototype.isWellFormed`, Node 20 and later). */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed()
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const PLAIN = /[^"\\\u0000-\u001f]*/y

/**
 * The hand-written lossless parser behind `parseLosslessJson`: the reference its native path is
 * tested against, and the one that words every refusal.
 */
export function parseJsonByHand(text: string, maxDepth = MAX_DEPTH): RawValue {
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
    // The run stopped at an escape (or a control character, or the end): JSON.parse decodes the
    // escapes and checks they are valid.
    for (; at < text.length; at++) {
      const c = text.charCodeAt(at)
      if (c === 0x22) {
        at++
        return wellFormed(JSON.parse(text.slice(start, at)) as string)
      }
      if (c === 0x5c) {
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

const LITERALS: ReadonlyArray<readonly [string, boolean | null]> = [
  ['true', true],
  ['false', false],
  ['null', null],
]
