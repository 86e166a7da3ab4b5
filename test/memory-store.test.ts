// MemoryDeliveryStore's own rules beyond the shared contract: exact time boundaries (a record or a
// lock lasts until its expiry, exclusive), retention that only grows, and the capacity bookkeeping.
import { describe, expect, it } from 'vitest'
import { MemoryDeliveryStore, type ClaimRequest, type CompleteRequest } from '../src/index.js'

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
