import { createHash } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { computeSignature, matchSignature, verifySignature } from '../src/signature.js'

const sha1 = (text: string): string => createHash('sha1').update(text, 'utf8').digest('hex')

const ROTATING = '1f3a9c0e5b7d2468ace0135798642bdf'

// REFERENCE.md section 2, row for row.
const vectors = [
  { secret: 'secret', timestamp: '1470820198', nonce: '123412', signature: '5bd59fd62953a8059fb7eaba95720f66d19e4517' },
  { secret: 'secret', timestamp: '1470820198', nonce: '9', signature: '7fcc89f1cc4457f1871f8359c7d8121cf94e872e' },
  { secret: ROTATING, timestamp: '1687981272', nonce: '7254119327986670314', signature: 'c8c59ec7226db3c9f3b545015a6d55be4e68a136' },
  { secret: ROTATING, timestamp: '1689834748', nonce: '7257784982359218206', signature: '5c6512d40b6619a096e946f36d95fd594568d368' },
  { secret: ROTATING, timestamp: '1687981272', nonce: '7254119327986671000', signature: '930096aeaaf25acdba85229b70c4ee2883b64a1f' },
] as const

const [zego, nine, first, , lossy] = vectors

describe('computeSignature', () => {
  it.each(vectors)('signs $secret / $timestamp / $nonce as $signature', ({ secret, timestamp, nonce, signature }) => {
    expect(computeSignature(secret, timestamp, nonce)).toBe(signature)
  })

  it('sorts the parts as strings, not numbers (the `9` nonce)', () => {
    // As strings '1470820198' < '9' < 'secret'; a numeric sort would put 9 first.
    expect(computeSignature(nine.secret, nine.timestamp, nine.nonce)).toBe(sha1(`1470820198${'9'}secret`))
    expect(computeSignature(nine.secret, nine.timestamp, nine.nonce)).not.toBe(sha1(`9${'1470820198'}secret`))
  })

  it('is plain lowercase SHA-1 hex of the sorted, joined parts', () => {
    const signature = computeSignature(zego.secret, zego.timestamp, zego.nonce)
    expect(signature).toMatch(/^[0-9a-f]{40}$/)
    expect(signature).toBe(sha1([zego.secret, zego.timestamp, zego.nonce].sort().join('')))
  })

  it('gives the same signature for a safe-integer number as for its string', () => {
    expect(computeSignature(zego.secret, 1470820198, 123412)).toBe(zego.signature)
  })

  it('gives the same signature for a bigint nonce as for the string', () => {
    expect(computeSignature(first.secret, first.timestamp, 7254119327986670314n)).toBe(first.signature)
    expect(computeSignature(first.secret, BigInt(first.timestamp), BigInt(first.nonce))).toBe(first.signature)
  })

  it.each([
    ['2 ** 53', 2 ** 53],
    ['a rounded 19-digit nonce', Number('7254119327986670314')],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('throws a TypeError for a number timestamp that is not a safe integer (%s)', (_label, timestamp) => {
    expect(() => computeSignature('secret', timestamp, '123412')).toThrow(TypeError)
    expect(() => computeSignature('secret', timestamp, '123412')).toThrow(
      `timestamp ${timestamp} is not a safe integer and has lost digits: pass it as a string or bigint`,
    )
  })

  it('throws a TypeError naming the nonce for an unsafe number nonce', () => {
    expect(() => computeSignature(first.secret, first.timestamp, Number(first.nonce))).toThrow(
      /nonce .*not a safe integer/,
    )
  })
})

describe('verifySignature', () => {
  it.each(vectors)('accepts the table signature for $secret / $timestamp / $nonce', ({ secret, timestamp, nonce, signature }) => {
    expect(verifySignature([secret], timestamp, nonce, signature)).toBe(true)
  })

  it('does not verify the lossy nonce as the original nonce', () => {
    // The original signature with the rounded nonce, and the rounded nonce's signature with the original.
    expect(verifySignature([lossy.secret], lossy.timestamp, lossy.nonce, first.signature)).toBe(false)
    expect(verifySignature([first.secret], first.timestamp, first.nonce, lossy.signature)).toBe(false)
    expect(lossy.signature).not.toBe(first.signature)
  })

  it('rejects a signature made with another secret, timestamp or nonce', () => {
    expect(verifySignature(['other'], zego.timestamp, zego.nonce, zego.signature)).toBe(false)
    expect(verifySignature([zego.secret], '1470820199', zego.nonce, zego.signature)).toBe(false)
    expect(verifySignature([zego.secret], zego.timestamp, '123413', zego.signature)).toBe(false)
  })

  it('accepts an uppercase hex signature', () => {
    expect(verifySignature([zego.secret], zego.timestamp, zego.nonce, zego.signature.toUpperCase())).toBe(true)
    expect(verifySignature([first.secret], first.timestamp, first.nonce, first.signature.toUpperCase())).toBe(true)
  })

  it.each([
    ['empty', ''],
    ['39 characters', zego.signature.slice(0, 39)],
    ['41 characters', `${zego.signature}0`],
    ['80 characters', zego.signature.repeat(2)],
    ['a non-hex character', `${zego.signature.slice(0, 39)}g`],
    ['surrounding whitespace', ` ${zego.signature} `],
    ['a trailing newline', `${zego.signature}\n`],
    ['40 non-ASCII characters', 'é'.repeat(40)],
    ['40 characters of multi-byte emoji pairs', '😀'.repeat(20)],
    ['a 0x prefix', `0x${zego.signature.slice(2)}`],
    // What `| 0x20` folds onto a digit: the control character 0x20 below it.
    ['a control character that folds onto a digit', zego.signature.replace(/\d/, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0x20))],
    ['every digit a control character that folds onto it', zego.signature.replace(/\d/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0x20))],
  ])('rejects a signature with %s without throwing', (_label, signature) => {
    expect(() => verifySignature([zego.secret], zego.timestamp, zego.nonce, signature)).not.toThrow()
    expect(verifySignature([zego.secret], zego.timestamp, zego.nonce, signature)).toBe(false)
  })

  it.each([undefined, null, 5, 10n ** 39n, [zego.signature], { length: 40 }])(
    'answers false, without throwing, for a signature that is not a string (%s) from plain JavaScript',
    (signature) => {
      expect(verifySignature([zego.secret], zego.timestamp, zego.nonce, signature as unknown as string)).toBe(false)
    },
  )

  it('rejects a character above 0xff whose low byte is a hex digit', () => {
    // \u0135 ends in 0x35 ('5'); \u0161 in 0x61 ('a').
    const at = zego.signature.search(/[5a]/)
    const high = String.fromCharCode(zego.signature.charCodeAt(at) + 0x100)
    expect(verifySignature([zego.secret], zego.timestamp, zego.nonce, zego.signature.slice(0, at) + high + zego.signature.slice(at + 1))).toBe(false)
  })

  it('gives the signature in lowercase hex when it matches (matchSignature), whatever its case', () => {
    const mixed = [...zego.signature].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')
    expect(mixed).not.toBe(zego.signature)
    expect(matchSignature([zego.secret], zego.timestamp, zego.nonce, mixed)).toBe(zego.signature)
    expect(matchSignature([zego.secret], zego.timestamp, zego.nonce, zego.signature.toUpperCase())).toBe(zego.signature)
    expect(matchSignature(['other', zego.secret], zego.timestamp, zego.nonce, zego.signature)).toBe(zego.signature)
    expect(matchSignature(['other'], zego.timestamp, zego.nonce, zego.signature)).toBeUndefined()
  })

  describe('several secrets (rotation)', () => {
    it('matches when the first secret matches', () => {
      expect(verifySignature([zego.secret, ROTATING], zego.timestamp, zego.nonce, zego.signature)).toBe(true)
    })

    it('matches when a later secret matches', () => {
      expect(verifySignature(['old', 'older', zego.secret], zego.timestamp, zego.nonce, zego.signature)).toBe(true)
      expect(verifySignature([zego.secret, ROTATING], first.timestamp, first.nonce, first.signature)).toBe(true)
    })

    it('does not match when no secret matches', () => {
      expect(verifySignature(['old', 'older', 'newer'], zego.timestamp, zego.nonce, zego.signature)).toBe(false)
    })

    it('does not match with no secrets at all', () => {
      expect(verifySignature([], zego.timestamp, zego.nonce, zego.signature)).toBe(false)
    })
  })
})

// crypto.hash, the one-shot digest, came in Node 20.12; `engines` allows Node 20.0.
describe('without crypto.hash (Node 20 before 20.12)', () => {
  it('signs and verifies every table row the same through a Hash object', async () => {
    vi.resetModules()
    vi.doMock('node:crypto', async (original) => ({ ...(await original<typeof import('node:crypto')>()), hash: undefined }))
    try {
      const withoutHash = await import('../src/signature.js')
      for (const { secret, timestamp, nonce, signature } of [...vectors, { secret: 'é', timestamp: '房间', nonce: '😀', signature: sha1('é房间😀') }]) {
        expect(withoutHash.computeSignature(secret, timestamp, nonce)).toBe(signature)
        expect(withoutHash.verifySignature([secret], timestamp, nonce, signature)).toBe(true)
      }
    } finally {
      vi.doUnmock('node:crypto')
      vi.resetModules()
    }
  })
})

describe('computeSignature against the plain definition', () => {
  it('equals sha1(sort([secret, timestamp, nonce]).join("")) for any strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string(), (secret, timestamp, nonce) => {
        const plain = createHash('sha1').update([secret, timestamp, nonce].sort().join(''), 'utf8').digest('hex')
        expect(computeSignature(secret, timestamp, nonce)).toBe(plain)
        expect(verifySignature([secret], timestamp, nonce, plain.toUpperCase())).toBe(true)
        expect(verifySignature([secret], timestamp, nonce, `${plain.slice(0, 39)}${plain.endsWith('0') ? '1' : '0'}`)).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })
})
