// The DeliveryStore contract (src/delivery/store.ts), as tests every store must pass: the memory
// store, a 1.0 store behind keyValueDeliveryStore, the SQLite example and the Redis store run them.
import { describe, expect, it } from 'vitest'
import type { ClaimRequest, CompleteRequest, DeliveryStore } from '../../src/index.js'

/** A store under test and the clock it runs on: `advance` moves it (or waits, for a store on real time). */
export interface StoreUnderTest {
  store: DeliveryStore
  advance(ms: number): Promise<void>
  close?(): void | Promise<void>
}

/**
 * Runs the contract against `create`. `unit` is the time step the tests use for lock and record
 * lifetimes: 1 for a store on a clock the test moves, larger (tens of ms) for one on real time.
 */
export function describeDeliveryStore(name: string, create: () => Promise<StoreUnderTest> | StoreUnderTest, unit = 1): void {
  let prefix = 0
  const setup = async () => {
    const made = await create()
    // Each test its own keys, so a store shared across tests (a real server) starts clean.
    const ns = `t${Date.now().toString(36)}-${prefix++}-`
    const claim = (overrides: Partial<ClaimRequest> = {}) =>
      made.store.claim({ key: `${ns}k`, signature: `${ns}s`, digest: 'd', token: 't', retainMs: 1_000 * unit, lockMs: 100 * unit, ...overrides, ...(overrides.key ? { key: ns + overrides.key } : {}), ...(overrides.signature ? { signature: ns + overrides.signature } : {}) })
    const complete = (overrides: Partial<CompleteRequest> = {}) =>
      made.store.complete({ key: `${ns}k`, token: 't', outcome: 'delivered', attempts: 1, answer: undefined, retainMs: 1_000 * unit, ...overrides, ...(overrides.key ? { key: ns + overrides.key } : {}) })
    return { ...made, claim, complete, key: (key: string) => ns + key }
  }

  describe(`DeliveryStore contract: ${name}`, () => {
    it('claims a new key for its token, and tells whether the signature was known', async () => {
      const s = await setup()
      try {
        expect(await s.claim()).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
        expect(await s.claim({ token: 'u' })).toEqual({ status: 'busy', signatureSeen: true })
        expect(await s.claim({ signature: 's2', token: 'u' })).toEqual({ status: 'busy', signatureSeen: false })
      } finally {
        await s.close?.()
      }
    })

    it('refuses a known signature with another digest, changing nothing', async () => {
      const s = await setup()
      try {
        await s.claim()
        expect(await s.claim({ digest: 'other', token: 'u' })).toEqual({ status: 'replayed' })
        // The lock is still the first token's, and the signature still maps to the first digest.
        expect(await s.store.renew(s.key('k'), 't', 100 * unit)).toBe(true)
        expect(await s.claim({ token: 'u' })).toEqual({ status: 'busy', signatureSeen: true })
      } finally {
        await s.close?.()
      }
    })

    it('refuses a known signature with another digest under any key (a swapped body has another key)', async () => {
      const s = await setup()
      try {
        await s.claim()
        expect(await s.claim({ key: 'elsewhere', digest: 'swapped', token: 'u' })).toEqual({ status: 'replayed' })
        expect(await s.claim({ key: 'elsewhere', signature: 's2', token: 'u' })).toMatchObject({ status: 'claimed' })
      } finally {
        await s.close?.()
      }
    })

    it('lets only the owner renew or release the lock, and anyone claim it once it expired', async () => {
      const s = await setup()
      try {
        await s.claim({ lockMs: 100 * unit })
        expect(await s.store.renew(s.key('k'), 'intruder', 100 * unit)).toBe(false)
        await s.store.release(s.key('k'), 'intruder')
        expect(await s.claim({ signature: 's2', token: 'u' })).toMatchObject({ status: 'busy' })
        await s.advance(60 * unit)
        expect(await s.store.renew(s.key('k'), 't', 100 * unit)).toBe(true)
        await s.advance(60 * unit) // past the first lock time, within the renewed one
        expect(await s.claim({ signature: 's3', token: 'u' })).toMatchObject({ status: 'busy' })
        await s.advance(60 * unit) // the renewed lock has expired
        expect(await s.claim({ signature: 's4', token: 'u' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
        expect(await s.store.renew(s.key('k'), 't', 100 * unit)).toBe(false)
        await s.store.release(s.key('k'), 'u')
        expect(await s.claim({ signature: 's5', token: 'v' })).toMatchObject({ status: 'claimed' })
      } finally {
        await s.close?.()
      }
    })

    it('counts failed runs, then records a delivery with its answer, which every later claim repeats and extends', async () => {
      const s = await setup()
      try {
        await s.claim()
        expect(await s.complete({ outcome: 'failed' })).toBe(true)
        expect(await s.claim({ signature: 's2', token: 'u' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 1 })
        expect(await s.complete({ token: 'u', attempts: 2, answer: '{"result":3,"reason":"a:b"}', retainMs: 200 * unit })).toBe(true)
        expect(await s.claim({ signature: 's3', token: 'v', retainMs: 500 * unit })).toEqual({
          status: 'delivered',
          signatureSeen: false,
          answer: '{"result":3,"reason":"a:b"}',
        })
        await s.advance(300 * unit) // past the completion's retention, within the last claim's extension
        expect(await s.claim({ signature: 's4', token: 'w' })).toMatchObject({ status: 'delivered' })
        // A late completion of a stale attempt cannot undo the delivery, and did not hold the lock.
        expect(await s.complete({ token: 'stale', outcome: 'failed' })).toBe(false)
        expect(await s.claim({ signature: 's5', token: 'x' })).toMatchObject({ status: 'delivered', answer: '{"result":3,"reason":"a:b"}' })
      } finally {
        await s.close?.()
      }
    })

    it('records the outcome even when the lock was lost, and says so', async () => {
      const s = await setup()
      try {
        await s.claim({ lockMs: 50 * unit })
        await s.advance(60 * unit)
        expect(await s.claim({ signature: 's2', token: 'u', lockMs: 1_000 * unit })).toMatchObject({ status: 'claimed' })
        expect(await s.complete({ token: 't' })).toBe(false)
        expect(await s.claim({ signature: 's3', token: 'v' })).toMatchObject({ status: 'delivered' })
        // The new holder's completion still releases its own lock.
        expect(await s.complete({ token: 'u' })).toBe(true)
      } finally {
        await s.close?.()
      }
    })

    it('forgets a signature after its retention, and a delivery after its own', async () => {
      const s = await setup()
      try {
        await s.claim({ retainMs: 100 * unit })
        await s.complete({ retainMs: 100 * unit })
        await s.advance(150 * unit)
        expect(await s.claim({ digest: 'another', token: 'u' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
      } finally {
        await s.close?.()
      }
    })
  })
}
