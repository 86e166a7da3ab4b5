import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import type { ClaimRequest, CompleteRequest, DeliveryStore } from '../../src/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The `DeliveryStore` contract, as tests of one store on the real clock (short TTLs): `open` makes
 * an empty store, and a second handle on its data when it has such a thing (another connection).
 */
export function deliveryStoreContract(open: () => { store: DeliveryStore; other?: DeliveryStore }): void {
  const start = () => {
    const { store, other = store } = open()
    // Fresh names per test, so a store shared between tests starts empty for each.
    const id = randomUUID().slice(0, 8)
    const claim = (overrides: Partial<ClaimRequest> = {}, on = store) =>
      on.claim({ key: `k-${id}`, signature: `s-${id}`, digest: 'd', token: 't', retainMs: 10_000, lockMs: 10_000, ...overrides })
    const complete = (overrides: Partial<CompleteRequest> = {}, on = store) =>
      on.complete({ key: `k-${id}`, token: 't', outcome: 'delivered', attempts: 1, answer: undefined, retainMs: 10_000, ...overrides })
    return { store, other, claim, complete, sig: (name: string) => `${name}-${id}`, key: `k-${id}` }
  }

  it('claims a new key, refuses a signature seen with another body, and holds the lock for its owner', async () => {
    const { other, claim, sig } = start()
    expect(await claim()).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
    expect(await claim({ digest: 'other', token: 'u' }, other)).toEqual({ status: 'replayed' })
    expect(await claim({ signature: sig('s2'), token: 'u' }, other)).toEqual({ status: 'busy', signatureSeen: false })
    expect(await claim({ token: 'u' }, other)).toEqual({ status: 'busy', signatureSeen: true })
    // A replay of a signature under another key is refused too (the body decides the key).
    expect(await claim({ key: 'elsewhere', digest: 'swapped', token: 'v' }, other)).toEqual({ status: 'replayed' })
  })

  it('renews a lock for its owner only, and lets anyone take it once it expired', async () => {
    const { store, other, claim, sig, key } = start()
    await claim({ lockMs: 300 })
    expect(await other.renew(key, 'u', 300)).toBe(false)
    await sleep(100)
    expect(await store.renew(key, 't', 600)).toBe(true)
    await sleep(300) // 400 ms after the claim: past the first lockMs, within the renewed one
    expect(await claim({ signature: sig('s3'), token: 'u' }, other)).toMatchObject({ status: 'busy' })
    await sleep(500)
    expect(await claim({ signature: sig('s4'), token: 'u' }, other)).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
    expect(await store.renew(key, 't', 100)).toBe(false)
  })

  it('records a failure (counting runs), then a delivery with its answer, which every later claim repeats', async () => {
    const { other, claim, complete, sig } = start()
    await claim()
    expect(await complete({ outcome: 'failed' })).toBe(true)
    expect(await claim({ signature: sig('s2'), token: 'u' }, other)).toEqual({ status: 'claimed', signatureSeen: false, attempts: 1 })
    expect(await complete({ token: 'u', attempts: 2, answer: '{"result":3}' }, other)).toBe(true)
    expect(await claim({ signature: sig('s3'), token: 'v' })).toEqual({ status: 'delivered', signatureSeen: false, answer: '{"result":3}' })
    expect(await claim({ token: 'w' })).toEqual({ status: 'delivered', signatureSeen: true, answer: '{"result":3}' })
    // A late completion of a stale attempt cannot undo the delivery, and does not hold the lock.
    expect(await complete({ token: 'stale', outcome: 'failed' })).toBe(false)
    expect(await claim({ signature: sig('s5'), token: 'x' }, other)).toMatchObject({ status: 'delivered' })
  })

  it('repeats a delivery without an answer as undefined', async () => {
    const { claim, complete, sig } = start()
    await claim()
    await complete({ answer: undefined })
    expect(await claim({ signature: sig('s2'), token: 'u' })).toEqual({ status: 'delivered', signatureSeen: false, answer: undefined })
  })

  it('records the outcome of an attempt whose lock another took, leaving that lock alone', async () => {
    const { store, other, claim, complete, sig, key } = start()
    await claim({ lockMs: 50 })
    await sleep(100)
    expect(await claim({ signature: sig('s2'), token: 'u' }, other)).toMatchObject({ status: 'claimed' })
    expect(await complete({ outcome: 'failed', attempts: 1 })).toBe(false)
    expect(await other.renew(key, 'u', 10_000)).toBe(true)
    expect(await complete({ token: 'u', attempts: 2 }, other)).toBe(true)
    expect(await claim({ signature: sig('s3'), token: 'v' }, store)).toMatchObject({ status: 'delivered' })
  })

  it('release lets the lock go for its owner only', async () => {
    const { store, claim, sig, key } = start()
    await claim()
    await store.release(key, 'someone-else')
    expect(await claim({ signature: sig('s2'), token: 'u' })).toMatchObject({ status: 'busy' })
    await store.release(key, 't')
    expect(await claim({ signature: sig('s3'), token: 'u' })).toMatchObject({ status: 'claimed' })
  })

  it('forgets a delivery retainMs after it was last seen (each claim extends it), and a signature too', async () => {
    const { claim, complete, sig } = start()
    await claim({ retainMs: 600 })
    await complete({ retainMs: 600 })
    await sleep(300)
    expect(await claim({ signature: sig('s2'), token: 'u', retainMs: 800 })).toMatchObject({ status: 'delivered' })
    await sleep(500) // 800 ms after the first: only the extension keeps it
    expect(await claim({ signature: sig('s3'), token: 'v', retainMs: 50 })).toMatchObject({ status: 'delivered' })
    await sleep(600)
    expect(await claim({ signature: sig('s4'), token: 'w' })).toMatchObject({ status: 'claimed', attempts: 0 })
    // The first signature, last seen 1.4 s ago for 600 ms, is forgotten: another body is no replay.
    expect(await claim({ digest: 'other', token: 'x' })).toMatchObject({ status: 'busy', signatureSeen: false })
  })
}
