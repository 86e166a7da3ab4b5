import * as crypto from 'node:crypto'
import { createHash } from 'node:crypto'
import type { RawPayload, RawValue } from '../raw.js'

/** A key from an event name and the parts that identify one callback of it, each part escaped. */
export function keyOf(event: string, parts: ReadonlyArray<string | number>): string {
  let key = escaped(event)
  for (const part of parts) key += ':' + escaped(String(part))
  return key
}

// What encodeURIComponent leaves as it is: it costs a call into C++ even then, the test does not.
const UNRESERVED = /^[\w.!~*'()-]*$/

const escaped = (part: string): string => (UNRESERVED.test(part) ? part : encodeURIComponent(part))

/**
 * A digest of the payload's content, the signed fields left out (the signature identifies them):
 * the same for the same fields and values in the same order, whether they arrived as JSON or as a
 * form (where a one-item list arrives as a single value); different for any other change.
 */
export function contentDigest(raw: RawPayload): string {
  // The values by index: `raw[key]` with a key that varies is a megamorphic lookup per field.
  const keys = Object.keys(raw)
  const values = Object.values(raw)
  let text = ''
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    if (isSigned(key)) continue
    let value = values[i] as RawValue
    if (Array.isArray(value) && value.length === 1) value = value[0] as RawValue
    const prefixes = prefixesOf(key)
    text = typeof value === 'string' ? text + stringPrefix(prefixes, value.length) + value : canonical(text + prefixes[0], value)
  }
  return oneShotHash ? oneShotHash('sha256', text, 'base64url') : createHash('sha256').update(text).digest('base64url')
}

// Appends a value as unambiguous text, without scanning it for escapes: each string prefixed by its
// length. Every piece is appended to the text in turn: each `+` is a node the hash must flatten,
// and a piece built apart would add its own.
function canonical(text: string, value: RawValue): string {
  if (typeof value === 'string') return text + 's' + value.length + ':' + value
  if (value === null || typeof value === 'boolean') return text + 'l' + value + ';'
  if (Array.isArray(value)) {
    text += 'a' + value.length + '['
    for (const item of value) text = canonical(text, item)
    return text + ']'
  }
  const keys = Object.keys(value)
  text += 'o' + keys.length + '{'
  for (const key of keys) text = canonical(text + key.length + ':' + key, value[key] as RawValue)
  return text + '}'
}

function isSigned(key: string): boolean {
  return key === 'timestamp' || key === 'nonce' || key === 'signature' || key === 'Timestamp' || key === 'Nonce' || key === 'Signature'
}

// The same few dozen field names come in every callback: for each, its length-prefixed name and, by
// the length n of a string value, the name with the value's prefix (at n + 1), as flat strings.
// Bounded (at most 256 x 65 strings of under 140 characters): past 256 names, and for names or
// values of 64 characters or more, prefixes are built each time.
const prefixCache = new Map<string, string[]>()
const MAX_KEYS = 256
const MAX_CACHED_LENGTH = 64

function prefixesOf(key: string): string[] {
  let prefixes = prefixCache.get(key)
  if (prefixes === undefined) {
    prefixes = [flat(`${key.length}:${key}`)]
    if (prefixCache.size < MAX_KEYS && key.length < MAX_CACHED_LENGTH) prefixCache.set(key, prefixes)
  }
  return prefixes
}

function stringPrefix(prefixes: string[], length: number): string {
  let prefix = prefixes[length + 1]
  if (prefix === undefined) {
    prefix = `${prefixes[0]}s${length}:`
    if (length < MAX_CACHED_LENGTH) prefixes[length + 1] = prefix = flat(prefix)
  }
  return prefix
}

/** For tests: how many field names the digest's prefix cache holds, and how many prefixes in all (both bounded). */
export function cachedPrefixes(): { names: number; prefixes: number } {
  let prefixes = 0
  for (const entry of prefixCache.values()) prefixes += Object.keys(entry).length
  return { names: prefixCache.size, prefixes }
}

// A string as one sequential string: a concatenation is a tree the hash flattens on every use.
const flat = (text: string): string => JSON.parse(JSON.stringify(text)) as string

// crypto.hash (Node 20.12+) is a one-shot digest without a Hash object: half the cost here.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash
