import { createHash } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { contentDigest, keyOf } from '../src/delivery/keys.js'
import type { RawPayload } from '../src/raw.js'

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64url')

describe('keyOf', () => {
  it('joins the event and its parts with colons, each escaped so that no part can forge a separator', () => {
    expect(keyOf('stream_create', ['1', 's1', 3])).toBe('stream_create:1:s1:3')
    expect(keyOf('a:b', ['c'])).not.toBe(keyOf('a', ['b:c']))
    expect(keyOf('a:b', ['c'])).toBe('a%3Ab:c')
    expect(keyOf('room_create', [])).toBe('room_create')
  })
})

describe('contentDigest', () => {
  // Digests are kept by the stores (Redis, SQL) across deployments: a new release that wrote them
  // another way would take every retry of a callback an older instance stored for a forged one.
  it.each<[string, RawPayload, string]>([
    ['no field', {}, ''],
    ['a string', { event: 'stream_create' }, '5:events13:stream_create'],
    ['a string with a multi-unit character', { id: '房间😀' }, '2:ids4:房间😀'],
    ['null and booleans', { a: null, b: true, c: false }, '1:alnull;1:bltrue;1:clfalse;'],
    ['a list', { urls: ['x', 'yz'] }, '4:urlsa2[s1:xs2:yz]'],
    ['an empty list', { urls: [] }, '4:urlsa0[]'],
    ['a list inside a list', { a: [['x'], 'y'] }, '1:aa2[a1[s1:x]s1:y]'],
    ['an object', { o: { k: 'v', n: null } }, '1:oo2{1:ks1:v1:nlnull;}'],
    ['an empty object', { o: {} }, '1:oo0{}'],
  ])('is the sha256 (base64url) of the fields written length-prefixed: %s', (_name, raw, text) => {
    expect(contentDigest(raw)).toBe(sha256(text))
  })

  it('leaves out the signed fields, in either spelling: the signature identifies them', () => {
    const body = { event: 'stream_create', stream_id: 's1' }
    const digest = contentDigest(body)
    expect(contentDigest({ ...body, timestamp: '1', nonce: '2', signature: 'ab' })).toBe(digest)
    expect(contentDigest({ ...body, Timestamp: '1', Nonce: '2', Signature: 'ab' })).toBe(digest)
    for (const name of ['timestamp', 'nonce', 'signature', 'Timestamp', 'Nonce', 'Signature']) {
      expect(contentDigest({ ...body, [name]: 'x' }), name).toBe(digest)
    }
    expect(contentDigest({ ...body, TIMESTAMP: 'x' })).not.toBe(digest)
  })

  it('takes a one-item list as its value (a form sends one URL as a single value), one level deep at the top only', () => {
    expect(contentDigest({ urls: ['x'] })).toBe(contentDigest({ urls: 'x' }))
    expect(contentDigest({ urls: [['x']] })).not.toBe(contentDigest({ urls: 'x' }))
    expect(contentDigest({ urls: ['x', 'x'] })).not.toBe(contentDigest({ urls: 'x' }))
    expect(contentDigest({ urls: [] })).not.toBe(contentDigest({ urls: '' }))
    expect(contentDigest({ o: { urls: ['x'] } })).not.toBe(contentDigest({ o: { urls: 'x' } }))
  })

  it.each<[string, RawPayload, RawPayload]>([
    ['another value', { a: 'x' }, { a: 'y' }],
    ['another key', { a: 'x' }, { b: 'x' }],
    ['the same fields in another order', { a: 'x', b: 'y' }, { b: 'y', a: 'x' }],
    ['a value moved across the key boundary', { ab: 'c' }, { a: 'bc' }],
    ['two values joined', { a: ['x', 'y'] }, { a: 'xy' }],
    ['a list split elsewhere', { a: ['xy', 'z'] }, { a: ['x', 'yz'] }],
    ['null and the text null', { a: null }, { a: 'null' }],
    ['true and false', { a: true }, { a: false }],
    ['true and the text true', { a: true }, { a: 'true' }],
    ['an object and a list', { a: { 0: 'x', 1: 'y' } }, { a: ['x', 'y'] }],
    ['an empty object and an empty list', { a: {} }, { a: [] }],
    ['a nested value', { o: { k: 'v' } }, { o: { k: 'w' } }],
  ])('tells apart %s', (_name, one, other) => {
    expect(contentDigest(one)).not.toBe(contentDigest(other))
  })

  // crypto.hash, the one-shot digest, came in Node 20.12; `engines` allows Node 20.0.
  it('is the same through a Hash object where crypto.hash is missing', async () => {
    const raw: RawPayload = { event: 'stream_create', room_id: '房间', urls: ['a', 'b'], o: { n: null } }
    vi.resetModules()
    vi.doMock('node:crypto', async (original) => ({ ...(await original<typeof import('node:crypto')>()), hash: undefined }))
    try {
      const withoutHash = await import('../src/delivery/keys.js')
      expect(withoutHash.contentDigest(raw)).toBe(contentDigest(raw))
    } finally {
      vi.doUnmock('node:crypto')
      vi.resetModules()
    }
  })

  // The cache of field-name prefixes serves every callback of the process: a flood of odd names or
  // lengths must not grow it, nor change a digest.
  it('caches prefixes for at most 256 field names, and only for names and string values under 64 characters', async () => {
    vi.resetModules()
    const fresh = await import('../src/delivery/keys.js')
    const check = (raw: RawPayload, names: number, prefixes: number) => {
      expect(fresh.contentDigest(raw)).toBe(contentDigest(raw))
      expect(fresh.cachedPrefixes()).toStrictEqual({ names, prefixes })
    }
    // a: its name and one length; b: under the bound; c: at it; d, e: no string value; nonce: signed.
    const long = 'n'.repeat(64)
    check({ a: 'x', b: 'y'.repeat(63), c: 'z'.repeat(64), d: ['u', 'v'], e: null, nonce: '1', [long]: 'x' }, 5, 7)
    check({ a: 'xy' }, 5, 8) // a second length for a
    check({ a: 'x', b: 'y'.repeat(63) }, 5, 8) // all cached already
    check({ ['m'.repeat(63)]: '' }, 6, 10)
    const flood: RawPayload = {}
    for (let i = 0; i < 300; i++) flood[`f${i}`] = ''
    check(flood, 256, 10 + 250 * 2)
    check({ other: 'x', a: 'xyz' }, 256, 511) // a new length for a cached name; no new name
  })
})
