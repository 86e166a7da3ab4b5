// contentDigest against the implementation it replaced (kept here as the oracle): stores keep
// digests across releases, so on random raw payloads (any UTF-16 text, lone surrogates included;
// signed names in either spelling; one-item lists; nested lists and objects; more field names and
// longer values than the prefix cache holds) the digest must be the same, call after call.
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { contentDigest, keyOf } from '../src/delivery/keys.js'
import type { RawPayload, RawValue } from '../src/raw.js'
import { setOwn } from '../src/raw.js'

/** The digest as release 1.0 computed it: a template literal per value, recursively, then sha256. */
function digestOf(raw: RawPayload): string {
  let text = ''
  for (const key of Object.keys(raw)) {
    if (SIGNED.has(key)) continue
    const value = raw[key] as RawValue
    text += `${key.length}:${key}${canonicalOf(Array.isArray(value) && value.length === 1 ? (value[0] as RawValue) : value)}`
  }
  return createHash('sha256').update(text).digest('base64url')
}

function canonicalOf(value: RawValue): string {
  if (typeof value === 'string') return `s${value.length}:${value}`
  if (value === null || typeof value === 'boolean') return `l${String(value)};`
  let text = ''
  if (Array.isArray(value)) {
    for (const item of value) text += canonicalOf(item)
    return `a${value.length}[${text}]`
  }
  const keys = Object.keys(value)
  for (const key of keys) text += `${key.length}:${key}${canonicalOf(value[key] as RawValue)}`
  return `o${keys.length}{${text}}`
}

const SIGNED = new Set(['timestamp', 'nonce', 'signature', 'Timestamp', 'Nonce', 'Signature'])

/** Text of any UTF-16 code units (lone surrogates included), of every length around the cache's bound. */
const textArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)), maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer({ min: 0, max: 300 }).map((length) => 'u'.repeat(length)),
)

/** Field names: ZEGO's, the signed ones in either spelling, look-alikes, inherited names, and any text. */
const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('event', 'appid', 'room_id', 'stream_sid', 'rtmp_url', 'pic_url', 'stream_attr'),
  fc.constantFrom('timestamp', 'nonce', 'signature', 'Timestamp', 'Nonce', 'Signature', 'TIMESTAMP', 'nonce_', 'sign'),
  fc.constantFrom('__proto__', 'constructor', 'toString', '0', '1', ''),
  textArb,
)

function objectOf(entries: ReadonlyArray<readonly [string, RawValue]>): RawPayload {
  const object: RawPayload = {}
  for (const [key, value] of entries) setOwn(object, key, value)
  return object
}

const { value: valueArb } = fc.letrec<{ value: RawValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    textArb,
    fc.constantFrom<RawValue>(null, true, false),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 4 }).map(objectOf),
  ),
}))

/** A top-level value: often a list of one (the form rule) or a list of URLs. */
const fieldValueArb: fc.Arbitrary<RawValue> = fc.oneof(
  valueArb,
  textArb.map((text) => [text]),
  fc.array(textArb, { maxLength: 4 }),
  valueArb.map((value) => [value]),
)

const payloadArb: fc.Arbitrary<RawPayload> = fc.array(fc.tuple(keyArb, fieldValueArb), { maxLength: 30 }).map(objectOf)

describe('contentDigest, against the 1.0 implementation', () => {
  it('is the same digest for any raw payload', () => {
    fc.assert(
      fc.property(payloadArb, (raw) => {
        expect(contentDigest(raw)).toBe(digestOf(raw))
        // The second time the names and lengths are in the prefix cache.
        expect(contentDigest(raw)).toBe(digestOf(raw))
      }),
      { numRuns: 3000 },
    )
  })

  it('is the same past the prefix cache: many distinct field names, long values', () => {
    for (let round = 0; round < 3; round++) {
      const raw: RawPayload = {}
      for (let i = 0; i < 400; i++) raw[`field_${round}_${i}`] = 'v'.repeat(i % 130)
      expect(contentDigest(raw)).toBe(digestOf(raw))
      expect(contentDigest(raw)).toBe(digestOf(raw))
    }
  })
})

describe('keyOf, against encodeURIComponent on every part', () => {
  it('is the event and the parts, each escaped, joined by colons', () => {
    const partArb = fc.oneof(textArb, fc.constantFrom("a-z_A.Z~0!9*'()", ':', '%', ' ', '+', '/'), fc.integer(), fc.double())
    fc.assert(
      fc.property(textArb, fc.array(partArb, { maxLength: 4 }), (event, parts) => {
        let expected: string
        try {
          expected = [event, ...parts].map((part) => encodeURIComponent(part)).join(':')
        } catch (error) {
          // A lone surrogate cannot be escaped: keyOf throws the same URIError.
          expect(() => keyOf(event, parts)).toThrow(error as Error)
          return
        }
        expect(keyOf(event, parts)).toBe(expected)
      }),
      { numRuns: 3000 },
    )
  })
})
