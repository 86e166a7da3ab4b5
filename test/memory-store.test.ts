// MemoryDeliveryStore's own rules beyond the shared contract: exact time boundaries (a record or a
// lock lasts until its expiry, exclusive), retention that only grows, and the capacity bookkeeping.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryDeliveryStore, type ClaimRequest, type CompleteRequest } from '../src/index.js'
import { ReferenceMemoryStore } from './support/reference-memory-store.js'

function setup(maxEntries?: number) {
  const clock = { now: 0 }
  const store = new MemoryDeliveryStore({ now: () => clock.now, ...(maxEntries === undefined ? {} : { maxEntries }) })
  const claim = (overrides: Partial<ClaimRequest> = {}) =>
    store.claim({ key: 'k', signature: 's', digest: 'd', token: 't', retainMs: 1_000, lockMs: 100, ...overrides })
  const complete = (overrides: Partial<CompleteRequest> = {}) =>
    store.complete({ key: 'k', token: 't', outcome: 'delivered', attempts: 1, answer: undefined, retainMs: 1_000, ...overrides })
  /** A key whose first run failed: its record outlives the locks the test takes on it. */
  const failedOnce = () => {
    claim({ signature: 'first' })
    complete({ outcome: 'failed', retainMs: 10_000 })
  }
  return { clock, store, claim, complete, failedOnce }
}

describe('MemoryDeliveryStore: time boundaries', () => {
  it('forgets a signature at its expiry exactly (a record lasts until then, exclusive)', () => {
    const { clock, claim } = setup()
    claim({ key: 'a', retainMs: 100, lockMs: 100 })
    clock.now = 99
    expect(claim({ key: 'b', digest: 'other' })).toEqual({ status: 'replayed' })
    clock.now = 100
    expect(claim({ key: 'c', digest: 'other' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
  })

  it('lets another attempt take a lock at its expiry exactly, while the record lives on', () => {
    const { clock, claim, failedOnce } = setup()
    failedOnce()
    claim({ lockMs: 100 })
    clock.now = 99
    expect(claim({ signature: 's2', token: 'u' })).toEqual({ status: 'busy', signatureSeen: false })
    clock.now = 100
    expect(claim({ signature: 's3', token: 'u' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 1 })
  })

  it('neither renews nor completes as the holder once the lock expired, exactly at its expiry too', () => {
    const { clock, store, claim, complete, failedOnce } = setup()
    failedOnce()
    claim({ lockMs: 100 })
    clock.now = 100
    expect(store.renew('k', 't', 100)).toBe(false)
    expect(complete({ outcome: 'failed', attempts: 2 })).toBe(false)
    // Another lock taken and renewed just before its expiry still holds.
    claim({ signature: 's2', token: 'u', lockMs: 100 })
    clock.now = 199
    expect(store.renew('k', 'u', 100)).toBe(true)
    expect(complete({ token: 'u', outcome: 'failed', attempts: 3 })).toBe(true)
  })

  it('answers false to renewing, and ignores releasing, a key it does not hold', () => {
    const { store } = setup()
    expect(store.renew('never', 't', 100)).toBe(false)
    expect(store.release('never', 't')).toBeUndefined()
  })
})

describe('MemoryDeliveryStore: retention only grows', () => {
  it('keeps a signature for the longest retention any claim asked for', () => {
    const { clock, claim } = setup()
    claim({ key: 'a', retainMs: 1_000 })
    claim({ key: 'b', retainMs: 10 }) // a shorter retention does not shorten it
    clock.now = 500
    expect(claim({ key: 'c', digest: 'other' })).toEqual({ status: 'replayed' })
    claim({ key: 'd', retainMs: 1_000 }) // a later claim extends it to 1500
    clock.now = 1_200
    expect(claim({ key: 'e', digest: 'other' })).toEqual({ status: 'replayed' })
    clock.now = 1_500
    expect(claim({ key: 'f', digest: 'other' })).toMatchObject({ status: 'claimed' })
  })

  it('keeps a delivery for the longest retention a duplicate asked for, through stale completions', () => {
    const { clock, claim, complete } = setup()
    claim()
    complete({ retainMs: 1_000 }) // remembered until 1000
    // A duplicate asking for less shortens nothing, not even once a stale completion recomputes the expiry.
    expect(claim({ signature: 's2', token: 'u', retainMs: 10 })).toEqual({ status: 'delivered', signatureSeen: false, answer: undefined })
    expect(complete({ token: 'stale', retainMs: 10 })).toBe(false)
    clock.now = 500
    expect(claim({ signature: 's3', token: 'u', retainMs: 10 })).toMatchObject({ status: 'delivered' })
    clock.now = 999
    // A duplicate asking for more extends it (to 2999), through a stale completion too.
    expect(claim({ signature: 's4', token: 'v', retainMs: 2_000 })).toMatchObject({ status: 'delivered' })
    clock.now = 1_500
    expect(claim({ signature: 's5', token: 'v', retainMs: 1 })).toMatchObject({ status: 'delivered' })
    expect(complete({ token: 'stale', retainMs: 10 })).toBe(false)
    clock.now = 2_998
    expect(claim({ signature: 's6', token: 'w', retainMs: 1 })).toMatchObject({ status: 'delivered' })
    clock.now = 2_999
    expect(claim({ signature: 's7', token: 'w' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
  })

  it('keeps a failed run on record through a shorter lock, renewed shorter still', () => {
    const { clock, store, claim, failedOnce } = setup()
    failedOnce() // remembered until 10000
    claim({ lockMs: 10 })
    expect(store.renew('k', 't', 5)).toBe(true)
    store.release('k', 't')
    clock.now = 5_000
    expect(claim({ signature: 's2', token: 'u' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 1 })
  })

  it('keeps a delivery recorded by a stale attempt until the new holder lock expires', () => {
    const { clock, claim, complete } = setup()
    claim({ lockMs: 10 })
    clock.now = 20
    expect(claim({ signature: 's2', token: 'u', lockMs: 1_000 })).toMatchObject({ status: 'claimed' })
    expect(complete({ token: 't', retainMs: 100 })).toBe(false)
    clock.now = 500 // past the delivery's retention (120), within u's lock (1020)
    expect(claim({ signature: 's3', token: 'v', retainMs: 1 })).toMatchObject({ status: 'delivered' })
    clock.now = 1_020
    expect(claim({ signature: 's4', token: 'v' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
  })
})

describe('MemoryDeliveryStore: capacity', () => {
  const full = 'MemoryDeliveryStore is full: 2 records, none expired yet (raise maxEntries)'

  it('refuses a new callback when full, naming the cap, and counts the room a known signature already has', () => {
    const { claim, store } = setup(2)
    expect(claim()).toMatchObject({ status: 'claimed' })
    expect(() => claim({ key: 'k2', signature: 's2' })).toThrow(full)
    // The same signature under another key needs one record more: refused too.
    expect(() => claim({ key: 'k2' })).toThrow(full)
    expect(store.size).toBe(2)
    // A duplicate needs no room.
    expect(claim({ token: 'u' })).toEqual({ status: 'busy', signatureSeen: true })
  })

  // Each callback takes two records (its signature and its key): a store of one could hold none.
  it.each([1, 0, -1, 1.5, Number.NaN, Infinity, 2 ** 53])('refuses maxEntries: %s', (maxEntries) => {
    expect(() => new MemoryDeliveryStore({ maxEntries })).toThrow(
      new TypeError(`zego-callbacks: \`maxEntries\` must be an integer of at least 2 (two records per callback), got ${String(maxEntries)}`),
    )
  })

  it('holds one callback at maxEntries: 2', () => {
    const { claim } = setup(2)
    expect(claim()).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
  })

  it('drops expired records from the front every 64 claims, at their expiry exactly', () => {
    const { clock, claim, store } = setup()
    claim({ key: 'old', signature: 'old', retainMs: 10, lockMs: 10 }) // claim 1
    clock.now = 10
    claim({ key: 'k2', signature: 's2' })
    expect(store.size).toBe(4) // the expired records are still held
    for (let i = 3; i <= 63; i++) claim({ key: `k${i}`, signature: `s${i}` })
    expect(store.size).toBe(126)
    claim({ key: 'k64', signature: 's64' })
    expect(store.size).toBe(126) // 64 claims: the two expired records went
    for (let i = 65; i <= 127; i++) claim({ key: `k${i}`, signature: `s${i}` })
    expect(store.size).toBe(252)
  })

  it('drops expired records from the front when full, even within a second of a sweep', () => {
    const { clock, claim, store } = setup(4)
    claim({ key: 'a', signature: 'a', retainMs: 10, lockMs: 10 })
    claim({ key: 'b', signature: 'b', retainMs: 50, lockMs: 50 })
    clock.now = 10
    expect(claim({ key: 'c', signature: 'c' })).toMatchObject({ status: 'claimed' }) // the front drop freed a
    expect(() => claim({ key: 'd', signature: 'd' })).toThrow(/is full: 4 records/) // a sweep found nothing
    clock.now = 50 // b expired at the front: no sweep needed, though the last was 40 ms ago
    expect(claim({ key: 'd', signature: 'd' })).toMatchObject({ status: 'claimed' })
    expect(store.size).toBe(4)
  })

  it('sweeps a record further in at its expiry exactly, then not again for a second', () => {
    const { clock, claim } = setup(6)
    claim({ key: 'long', signature: 'long', retainMs: 60_000, lockMs: 60_000 })
    claim({ key: 'brief', signature: 'brief', retainMs: 10, lockMs: 10 })
    claim({ key: 'later', signature: 'later', retainMs: 500, lockMs: 500 })
    clock.now = 10
    expect(claim({ key: 'new', signature: 'new' })).toMatchObject({ status: 'claimed' })
    clock.now = 1_009 // 'later' has expired, but the sweep was 999 ms ago
    expect(() => claim({ key: 'next', signature: 'next' })).toThrow(/is full: 6 records/)
    clock.now = 1_010
    expect(claim({ key: 'next', signature: 'next' })).toMatchObject({ status: 'claimed' })
  })
})

// The store keeps its records as rows of typed arrays with strings as bytes where they fit; the
// store it replaced (a Map of an object per record) is the model: every operation must answer the
// same, throw the same and leave the same size.
describe('MemoryDeliveryStore: against the Map-based store it replaced', () => {
  const long = (char: string, length: number) => char.repeat(length)
  // Names around the 96 bytes a row keeps in place, beyond Latin-1 (and the Latin-1 characters
  // they would become if cut to a byte: '€' is U+20AC), a lone surrogate, near twins.
  const names = ['a', 'b', 'é', '€', '\u00ac', '\u0100', '\u0000', '\ud800', 'k:1', 'k:2', long('x', 95), long('x', 96), long('x', 97), long('y', 96) + '€', long('x', 40), long('x', 39) + 'y', `${long('x', 94)}é`]
  const digests = ['d', 'e', '', long('D', 43), long('D', 42) + 'E', long('D', 60), '€', '\u00ac', `${long('D', 42)}\u0100`, `${long('D', 42)}\u0000`]
  const nameArb = fc.constantFrom(...names)
  const op = fc.oneof(
    fc.record({ op: fc.constant('claim' as const), key: nameArb, signature: nameArb, digest: fc.constantFrom(...digests), token: fc.constantFrom<string>('t', 'u', 'v'), retainMs: fc.integer({ min: 1, max: 50 }), lockMs: fc.integer({ min: 1, max: 30 }) }),
    fc.record({ op: fc.constant('complete' as const), key: nameArb, token: fc.constantFrom<string>('t', 'u', 'v'), outcome: fc.constantFrom('delivered' as const, 'failed' as const), attempts: fc.integer({ min: 0, max: 4 }), answer: fc.constantFrom(undefined, '{"a":1}'), retainMs: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ op: fc.constant('renew' as const), key: nameArb, token: fc.constantFrom<string>('t', 'u', 'v'), lockMs: fc.integer({ min: 1, max: 30 }) }),
    fc.record({ op: fc.constant('release' as const), key: nameArb, token: fc.constantFrom<string>('t', 'u', 'v') }),
    fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 40 }) }),
  )

  type Op = typeof op extends fc.Arbitrary<infer T> ? T : never
  type Store = MemoryDeliveryStore | ReferenceMemoryStore
  const run = (store: Store, o: Op): unknown => {
    try {
      if (o.op === 'claim') return store.claim(o)
      if (o.op === 'complete') return store.complete(o)
      if (o.op === 'renew') return store.renew(o.key, o.token, o.lockMs)
      if (o.op === 'release') return store.release(o.key, o.token)
      return undefined
    } catch (error) {
      return { threw: (error as Error).message }
    }
  }
  const check = (maxEntries: number | undefined, ops: Op[]) => {
    const clock = { now: 1_000 }
    const options = { now: () => clock.now, ...(maxEntries === undefined ? {} : { maxEntries }) }
    const store = new MemoryDeliveryStore(options)
    const model = new ReferenceMemoryStore(options)
    for (const [i, o] of ops.entries()) {
      if (o.op === 'advance') clock.now += o.ms
      expect(run(store, o), `operation ${i}: ${JSON.stringify(o)}`).toEqual(run(model, o))
      expect(store.size, `size after operation ${i}`).toBe(model.size)
    }
  }

  it('answers as the model on random operations, full or not', () => {
    fc.assert(fc.property(fc.option(fc.integer({ min: 2, max: 12 }), { nil: undefined }), fc.array(op, { maxLength: 120 }), check), { numRuns: 300 })
  })

  it('answers as the model through growth, expiry in any order and sweeps of thousands of records', () => {
    const ops: Op[] = []
    let seed = 7
    const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n)
    for (let i = 0; i < 3_000; i++) {
      const key = `stream_create:1:s-${random(1_500)}:1`
      ops.push({ op: 'claim', key, signature: `sig-${random(2_500)}`, digest: `d${random(3)}`, token: `t${i}`, retainMs: 1 + random(400), lockMs: 1 + random(60) })
      if (random(4) > 0) ops.push({ op: 'complete', key, token: `t${i}`, outcome: random(3) > 0 ? 'delivered' : 'failed', attempts: 1, answer: undefined, retainMs: 1 + random(400) })
      if (random(8) === 0) ops.push({ op: 'advance', ms: 1 + random(30) })
    }
    check(undefined, ops)
    check(900, ops)
  })

  it('keeps the locks of callbacks in flight while its arrays grow', () => {
    const { store, clock } = setup()
    const keys = Array.from({ length: 600 }, (_, i) => `stream_create:1:in-flight-${i}:1`)
    for (const [i, key] of keys.entries()) expect(store.claim({ key, signature: `s${i}`, digest: 'd', token: `t${i}`, retainMs: 1_000, lockMs: 100 })).toMatchObject({ status: 'claimed' })
    clock.now = 99
    for (const [i, key] of keys.entries()) expect(store.complete({ key, token: `t${i}`, outcome: 'delivered', attempts: 1, answer: undefined, retainMs: 1_000 })).toBe(true)
    expect(store.size).toBe(1_200)
  })
})

describe('MemoryDeliveryStore: rows', () => {
  it('tells a key from a signature of the same name, however their slots fall', () => {
    const { store } = setup()
    const names = Array.from({ length: 127 }, (_, i) => `stream_create:1:same-${i}:1`)
    for (const name of names) expect(store.claim({ key: name, signature: name, digest: 'd', token: 't', retainMs: 1_000, lockMs: 100 })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
    for (const name of names) expect(store.complete({ key: name, token: 't', outcome: 'failed', attempts: 1, answer: undefined, retainMs: 1_000 })).toBe(true)
    // Each name is now a signature and a failed key, half the table's slots taken: a claim under a
    // new signature finds the key, whichever record its probe meets first.
    for (const name of names) expect(store.claim({ key: name, signature: `${name}!`, digest: 'd', token: 'u', retainMs: 1_000, lockMs: 100 })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 1 })
    expect(store.size).toBe(names.length * 3)
  })

  it('reuses the rows a lookup borrows: duplicates and refusals take no memory', () => {
    const { store, claim, complete } = setup()
    claim()
    complete()
    const before = process.memoryUsage().arrayBuffers
    for (let i = 0; i < 20_000; i++) {
      claim({ token: 'u' })
      claim({ digest: 'swapped' })
      complete({ token: 'u' })
      store.renew('k', 'u', 100)
      store.release('k', 'u')
    }
    expect(store.size).toBe(2)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1_000_000)
  })
})

describe('MemoryDeliveryStore: a name as long as a row holds', () => {
  /** A store whose row 1 is free again, just before the row of b's signature (`signature`). */
  const rowOneFree = (signature = 'b') => {
    const { clock, store, claim } = setup()
    claim({ key: 'a', signature: 'a', retainMs: 10, lockMs: 10 }) // rows 0 (its signature) and 1 (its key)
    claim({ key: 'b', signature }) // rows 2 and 3
    clock.now = 10
    expect(store.renew('a', 't', 10)).toBe(false) // drops a's key: row 1 is free again
    return claim
  }

  it('is written within its row, leaving the record in the next row whole', () => {
    const claim = rowOneFree()
    // Its signature goes in a new row, its 96-character key in row 1, just before b's signature.
    expect(claim({ key: 'k'.repeat(96), signature: 'x' })).toMatchObject({ status: 'claimed' })
    expect(claim({ key: 'c', signature: 'b', digest: 'other' })).toEqual({ status: 'replayed' })
  })

  it('is written within its row with its digest too, leaving the record in the next row whole', () => {
    const claim = rowOneFree()
    // A new signature for b's key takes row 4; the row its key would have taken, 1, is free first.
    expect(claim({ key: 'b', signature: 'n', token: 'u' })).toMatchObject({ status: 'busy' })
    // A signature and a digest filling row 1 to its last byte, just before b's signature.
    expect(claim({ key: 'q', signature: 's'.repeat(40), digest: 'D'.repeat(56) })).toMatchObject({ status: 'claimed' })
    expect(claim({ key: 'c', signature: 'b', digest: 'other' })).toEqual({ status: 'replayed' })
    expect(claim({ key: 'c', signature: 's'.repeat(40), digest: `${'D'.repeat(55)}E` })).toEqual({ status: 'replayed' })
  })

  it('is kept as a string when one character longer, leaving the record in the next row whole', () => {
    const long = 'b'.repeat(97)
    const claim = rowOneFree(long)
    // A 97-character key staged in row 1: written there, its last character would land on b's signature.
    expect(claim({ key: 'k'.repeat(97), signature: 'x' })).toMatchObject({ status: 'claimed' })
    expect(claim({ key: 'c', signature: long, digest: 'other' })).toEqual({ status: 'replayed' })
    expect(claim({ key: 'k'.repeat(97), signature: 'y', token: 'u' })).toEqual({ status: 'busy', signatureSeen: false })
  })
})

describe('MemoryDeliveryStore: a name or a digest kept as bytes (ASCII that fits) or as a string', () => {
  const signature = 's'.repeat(40) // leaves 56 bytes of its row for the digest
  const replayed = (first: string, second: string) => {
    const { claim } = setup()
    expect(claim({ signature, digest: first })).toMatchObject({ status: 'claimed' })
    return claim({ signature, digest: second, key: 'other' })
  }

  it('tells digests apart whatever their form: shorter, longer, non-ASCII, cut at the end of the row', () => {
    const pairs: Array<[string, string]> = [
      ['d', 'dd'],
      ['dd', 'd'],
      ['d', ''],
      ['é', 'è'], // the same first byte in UTF-8
      ['€', '\u00ac'], // both kept as strings
      [`${'D'.repeat(54)}éa`, `${'D'.repeat(54)}éb`], // 56 bytes written, the last character not read
      [`${'D'.repeat(94)}éa`, `${'D'.repeat(94)}éb`], // the same, were the signature kept as a string
      ['D'.repeat(56), 'D'.repeat(57)],
      ['D'.repeat(56), 'D'.repeat(55)],
      ['\ud800', '\udfff'], // lone surrogates, both written as U+FFFD
    ]
    for (const [first, second] of pairs) expect(replayed(first, second), `${first} then ${second}`).toEqual({ status: 'replayed' })
  })

  it('finds the same digest and the same key in a row that held longer text before', () => {
    const { store, claim } = setup()
    expect(claim({ signature, digest: 'd' })).toMatchObject({ status: 'claimed' })
    // Each of these stages its text in the free row the next lookup takes, then gives it back.
    expect(claim({ signature, digest: 'dxxxxxxxx', key: 'other' })).toEqual({ status: 'replayed' })
    expect(claim({ signature, digest: 'd', token: 'u' })).toEqual({ status: 'busy', signatureSeen: true })
    expect(store.renew('kxxxxxxxx', 't', 100)).toBe(false)
    expect(store.renew('k', 't', 100)).toBe(true)
  })

  it('takes a key and a signature of no characters as names like any other', () => {
    const { store, claim } = setup()
    expect(claim({ key: '', signature: '' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
    expect(claim({ key: '', signature: '', token: 'u' })).toEqual({ status: 'busy', signatureSeen: true })
    expect(store.renew('', 't', 100)).toBe(true)
    expect(store.size).toBe(2)
  })

  it('tells apart two keys kept as strings whose hashes collide', () => {
    // Both hash alike under the store's FNV-1a (found by solving its last steps), so a lookup of
    // one meets the other's row and compares the strings.
    const a = 'stream_create:1:é'
    const b = 'stream_create:1:c\uaad1\uc6fd'
    const { store, claim } = setup()
    expect(claim({ key: a, signature: 'sa' })).toMatchObject({ status: 'claimed' })
    expect(claim({ key: b, signature: 'sb' })).toMatchObject({ status: 'claimed' })
    expect(store.renew(a, 't', 100)).toBe(true)
    expect(store.renew(b, 't', 100)).toBe(true)
    expect(store.size).toBe(4)
  })
})

describe('MemoryDeliveryStore: completing the key claimed last', () => {
  it('records a completion of a key it never saw, with a clock before the epoch, unlocked', () => {
    const { clock, claim, complete } = setup()
    clock.now = -1_000
    expect(complete({ outcome: 'failed' })).toBe(false)
    expect(claim({ token: 'u' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 1 })
  })

  it('records the outcome afresh when that key expired at the completion exactly', () => {
    const { clock, store, claim, complete } = setup()
    claim({ retainMs: 10, lockMs: 10 })
    expect(complete({ answer: '"first"', retainMs: 10 })).toBe(true)
    clock.now = 10 // the key's record expires now, not yet dropped
    expect(complete({ token: 'u', outcome: 'failed', attempts: 3, retainMs: 10 })).toBe(false)
    expect(claim({ signature: 'new', token: 'v' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 3 })
  })

  it('forgets that key once its row is dropped and taken by another key', () => {
    const { clock, store, claim, complete } = setup()
    claim({ retainMs: 10, lockMs: 10 }) // k's key row is known to complete
    clock.now = 10
    expect(store.renew('k', 't', 10)).toBe(false) // drops k's expired key: its row is second free
    complete({ key: 'x1' })
    complete({ key: 'x2', answer: '"x2"' }) // takes k's old row
    expect(complete({ answer: '"k"' })).toBe(false)
    expect(claim({ signature: 'new' })).toEqual({ status: 'delivered', signatureSeen: false, answer: '"k"' })
    expect(claim({ key: 'x2', signature: 'new' })).toEqual({ status: 'delivered', signatureSeen: true, answer: '"x2"' })
  })

  it('gives back the row it borrows to look up another key: completions take no memory', () => {
    const { store, claim, complete } = setup()
    claim({ key: 'a' })
    complete({ key: 'a' })
    claim({ key: 'b', signature: 'b' })
    const before = process.memoryUsage().arrayBuffers
    for (let i = 0; i < 20_000; i++) complete({ key: 'a' })
    expect(store.size).toBe(4)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1_000_000)
  })
})
