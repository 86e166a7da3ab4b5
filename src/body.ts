import { RequestError } from './errors.js'
import { isWellFormed, parseLosslessJson } from './json.js'
import { getOwn, isRawPayload, MAX_DEPTH, quote, rawObject, setOwn, type RawPayload, type RawValue } from './raw.js'

/** The two body encodings ZEGO posts. */
export type MediaType = 'json' | 'form'

// No label: UTF-8 is the default.
const utf8 = new TextDecoder(undefined, { fatal: true, ignoreBOM: false })

// The content types seen last, read once: a sender uses one or two.
const knownTypes = new Map<string, MediaType>()

/** The content types `mediaTypeOf` remembers: at most 16, so a sender varying its header cannot grow it. */
export const rememberedMediaTypes: ReadonlyMap<string, MediaType> = knownTypes

/** Reads a `Content-Type` header, refusing anything but JSON or form bodies in UTF-8 with a 415. */
export function mediaTypeOf(contentType: string | undefined): MediaType {
  if (!contentType) {
    throw new RequestError(
      'unsupported_media_type',
      'the request has no content type: send application/json or application/x-www-form-urlencoded',
    )
  }
  let media = knownTypes.get(contentType)
  if (media === undefined) {
    media = readMediaType(contentType)
    if (knownTypes.size >= 16) knownTypes.clear()
    knownTypes.set(contentType, media)
  }
  return media
}

function readMediaType(contentType: string): MediaType {
  // split gives at least one part.
  const [essence, ...params] = contentType.split(';') as [string, ...string[]]
  const type = essence.trim().toLowerCase()
  const media: MediaType | undefined =
    type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)
      ? 'json'
      : type === 'application/x-www-form-urlencoded'
        ? 'form'
        : undefined
  if (media === undefined) {
    throw new RequestError(
      'unsupported_media_type',
      `content type ${quote(type)} is not supported: send application/json or application/x-www-form-urlencoded`,
    )
  }
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((part) => part.trim().toLowerCase())
    const charset = value.replace(/^"|"$/g, '')
    if (name === 'charset' && charset !== 'utf-8' && charset !== 'utf8') {
      throw new RequestError('unsupported_media_type', `charset ${quote(value)} is not supported: send UTF-8`)
    }
  }
  return media
}

/**
 * Decodes body bytes or text into a raw payload, strictly: invalid UTF-8 (or text holding a lone
 * surrogate, which no UTF-8 encodes), JSON or form is a 400.
 */
export function decodeBody(body: Uint8Array | string, media: MediaType): RawPayload {
  let text: string
  try {
    text = typeof body === 'string' ? body : utf8.decode(body)
  } catch (error) {
    throw new RequestError('invalid_body', 'the body is not valid UTF-8', { cause: error })
  }
  if (typeof body === 'string' && !isWellFormed(body)) {
    throw new RequestError('invalid_body', 'the body is not valid Unicode text: it holds a lone surrogate')
  }
  return media === 'json' ? decodeJson(text) : decodeForm(text)
}

function decodeJson(text: string): RawPayload {
  let value: RawValue
  try {
    value = parseLosslessJson(text)
  } catch (error) {
    throw new RequestError('invalid_body', `the body is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    })
  }
  if (!isRawPayload(value)) throw new RequestError('invalid_body', 'the JSON body is not an object')
  return value
}

/**
 * Decodes a form body: `+` is a space, repeated keys and `key[]` keys become arrays, and every
 * value stays an exact string.
 */
export function decodeForm(text: string): RawPayload {
  const result = rawObject()
  const arrays = new Set<string>()
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const split = pair.indexOf('=')
    let key = decodeComponent(split === -1 ? pair : pair.slice(0, split))
    const value = split === -1 ? '' : decodeComponent(pair.slice(split + 1))
    if (key.endsWith('[]')) {
      key = key.slice(0, -2)
      arrays.add(key)
    }
    const previous = getOwn(result, key)
    if (previous === undefined) setOwn(result, key, arrays.has(key) ? [value] : value)
    else if (Array.isArray(previous)) previous.push(value)
    else {
      setOwn(result, key, [previous, value])
      arrays.add(key)
    }
  }
  return result
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch (error) {
    throw new RequestError('invalid_body', `the form body has a malformed escape in ${quote(text)}`, {
      cause: error,
    })
  }
}

/** The raw payload rebuilt from what a host body parser left, and whether it lost digits. */
export interface ParsedBody {
  payload: RawPayload
  /** Names of fields holding a number that a plain `JSON.parse` rounded. */
  lossy: string[]
}

/**
 * Rebuilds a raw payload from an object a body parser (`express.json()`, `express.urlencoded()`,
 * `@koa/bodyparser`) produced, noting every integer too large to have survived `JSON.parse`; a key
 * or string holding a lone surrogate (`"\ud800"` in the JSON), or nesting deeper than `MAX_DEPTH`, is a
 * 400, as the lossless parser makes it.
 */
export function fromParsedBody(parsed: unknown): ParsedBody {
  const lossy: string[] = []
  const wellFormed = (text: string, path: string): string => {
    if (isWellFormed(text)) return text
    throw new RequestError('invalid_body', `the parsed body holds a lone surrogate in ${quote(path)}`)
  }
  const convert = (value: unknown, path: string, depth: number): RawValue | undefined => {
    if (typeof value === 'string') return wellFormed(value, path)
    if (typeof value === 'boolean' || value === null) return value
    if (typeof value === 'number') {
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) lossy.push(path)
      return String(value)
    }
    if (typeof value !== 'object') return undefined
    // As the JSON parser answers the same text: the same callback gets the same answer either way.
    if (depth >= MAX_DEPTH) throw new RequestError('invalid_body', `the parsed body nests deeper than ${MAX_DEPTH}${path ? ` in ${quote(path)}` : ''}`)
    if (Array.isArray(value)) {
      // Not flatMap: it would flatten an array item into its parent.
      const items: RawValue[] = []
      for (const item of value) {
        const converted = convert(item, path, depth + 1)
        if (converted !== undefined) items.push(converted)
      }
      return items
    }
    const object = rawObject()
    for (const [key, item] of Object.entries(value)) {
      const name = key.endsWith('[]') ? key.slice(0, -2) : key
      const itemPath = path ? `${path}.${name}` : name
      const converted = convert(item, wellFormed(itemPath, itemPath), depth + 1)
      if (converted !== undefined) setOwn(object, name, converted)
    }
    return object
  }
  const payload = convert(parsed, '', 0)
  if (!isRawPayload(payload)) {
    throw new RequestError('invalid_body', 'the parsed body is not an object')
  }
  return { payload, lossy }
}
