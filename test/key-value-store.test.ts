// keyValueDeliveryStore beyond the shared contract: the keys and values it writes (a 1.0 store keeps
// them across releases), what it refuses to read, the calls each step makes, and isKeyValueStore.
import { describe, expect, it } from 'vitest'
import { isKeyValueStore } from '../src/delivery/key-value.js'
import { keyValueDeliveryStore, type ClaimRequest, type CompleteRequest, type KeyValueStore } from '../src/index.js'
import { MapKeyValueStore } from './support/kv-store.js'

/** The store over a Map on a clock the test moves, with every call to the Map written down. */
function setup(options: { afterGet?: (key: string, kv: MapKeyValueStore) => void } = {}) {
  const clock = { now: 1_000 }
  const kv = new MapKeyValueStore(() => clock.now)
  const calls: string[] = []
  const recorded: KeyValueStore = {
    async get(key) {
      calls.push(`get ${key}`)
      const value = await kv.get(key)
      options.afterGet?.(key, kv)
      return value
    },
    setIfAbsent(key, value, ttlMs) {
      calls.push(`setIfAbsent ${key} ${value} ${ttlMs}`)
      return kv.setIfAbsent(key, value, ttlMs)
    },
    delete(key) {
      calls.push(`delete ${key}`)
      return kv.delete(key)
    },
  }
  const store = keyValueDeliveryStore(recorded, { now: () => clock.now })
  const claim = (overrides: Partial<ClaimRequest> = {}) =>
    store.claim({ key: 'k', signature: 's', digest: 'd', token: 't', retainMs: 1_000, lockMs: 100, ...overrides })
  const complete = (overrides: Partial<CompleteRequest> = {}) =>
    store.complete({ key: 'k', token: 't', outcome: 'delivered', attempts: 1, answer: undefined, retainMs: 1_000, ...overrides })
  /** The calls made since the last look. */
  const take = () => calls.splice(0)
  /** Puts a value in the Map as another writer would, for an hour. */
  const put = (key: string, value: string) => void kv.entries.set(key, { value, expiresAt: clock.now + 3_600_000 })
  return { clock, kv, store, claim, complete, take, put }
}

describe('keyValueDeliveryStore: what it writes', () => {
  it('claims with the signature, the state and the lock, and completes with one write and the lock released', async () => {
    const s = setup()
    expect(await s.claim()).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
    expect(s.take()).toEqual(['setIfAbsent zego:sig:s d 1000', 'get zego:state:k', 'setIfAbsent zego:lock:k t 100'])
    expect(await s.complete({ answer: undefined })).toBe(true)
    // The expiry is the clock's (1000) plus retainMs; no answer, no fourth field.
    expect(s.take()).toEqual(['get zego:state:k', 'setIfAbsent zego:state:k done:1:2000 1000', 'get zego:lock:k', 'delete zego:lock:k'])
    expect(await s.claim({ signature: 's2', token: 'u' })).toEqual({ status: 'delivered', signatureSeen: false, answer: undefined })
  })

  it('replaces a failed state, keeping the answer with its colons', async () => {
    const s = setup()
    await s.claim()
    await s.complete({ outcome: 'failed', attempts: 1, retainMs: 5_000 })
    expect(s.kv.entries.get('zego:state:k')?.value).toBe('failed:1:6000')
    s.clock.now = 1_100
    expect(await s.claim({ signature: 's2', token: 'u' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 1 })
    s.take()
    expect(await s.complete({ token: 'u', attempts: 2, answer: '{"reason":"a:b"}' })).toBe(true)
    expect(s.take()).toEqual([
      'get zego:state:k',
      'delete zego:state:k',
      'setIfAbsent zego:state:k done:2:2100:{"reason":"a:b"} 1000',
      'get zego:lock:k',
      'delete zego:lock:k',
    ])
  })

  it('keeps each key its own state', async () => {
    const s = setup()
    await s.claim()
    await s.complete()
    expect(await s.claim({ key: 'other', signature: 's2' })).toEqual({ status: 'claimed', signatureSeen: false, attempts: 0 })
  })

  it('remembers a delivery for retainMs from its completion, not from the epoch', async () => {
    const s = setup()
    await s.claim()
    await s.complete({ retainMs: 1_000 })
    s.clock.now = 1_999
    expect(await s.claim({ signature: 's2', token: 'u', retainMs: 1 })).toMatchObject({ status: 'delivered' })
  })

  it('extends a delivery for a duplicate asking longer, and rewrites nothing for one asking less or the same', async () => {
    const s = setup()
    await s.claim()
    await s.complete({ retainMs: 1_000 }) // until 2000
    s.take()
    expect(await s.claim({ signature: 's2', token: 'u', retainMs: 1_000 })).toMatchObject({ status: 'delivered' })
    expect(await s.claim({ signature: 's3', token: 'u', retainMs: 10 })).toMatchObject({ status: 'delivered' })
    expect(s.take().filter((call) => call.includes('zego:state:'))).toEqual(['get zego:state:k', 'get zego:state:k'])
    s.clock.now = 1_500
    expect(await s.claim({ signature: 's4', token: 'u', retainMs: 1_000 })).toMatchObject({ status: 'delivered' })
    expect(s.take().filter((call) => call.includes('zego:state:'))).toEqual([
      'get zego:state:k',
      'delete zego:state:k',
      'setIfAbsent zego:state:k done:1:2500 1000',
    ])
    s.clock.now = 2_499
    expect(await s.claim({ signature: 's5', token: 'u', retainMs: 1 })).toMatchObject({ status: 'delivered' })
  })

  it('never replaces a state another instance wrote after this completion read none', async () => {
    let racing = false
    const s = setup({
      afterGet: (key, kv) => {
        // Another instance delivers the callback between this completion's read and its write.
        if (key === 'zego:state:k' && racing) {
          racing = false
          kv.entries.set(key, { value: 'done:1:9000:{"by":"other"}', expiresAt: 9_000 })
        }
      },
    })
    await s.claim()
    racing = true
    expect(await s.complete({ outcome: 'failed' })).toBe(true)
    expect(await s.claim({ signature: 's2', token: 'u' })).toEqual({ status: 'delivered', signatureSeen: false, answer: '{"by":"other"}' })
  })

  it('reads the time from Date.now by default', async () => {
    const kv = new MapKeyValueStore()
    const store = keyValueDeliveryStore(kv)
    await store.claim({ key: 'k', signature: 's', digest: 'd', token: 't', retainMs: 1_000, lockMs: 100 })
    const before = Date.now()
    await store.complete({ key: 'k', token: 't', outcome: 'delivered', attempts: 1, answer: undefined, retainMs: 60_000 })
    const after = Date.now()
    const expiresAt = Number(/^done:1:(\d+)$/.exec((await kv.get('zego:state:k')) ?? '')?.[1])
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000)
    expect(expiresAt).toBeLessThanOrEqual(after + 60_000)
  })
})

describe('keyValueDeliveryStore: what it reads', () => {
  it.each([
    ['failed:12:5000', { status: 'claimed', signatureSeen: false, attempts: 12 }],
    ['failed:123456789:5000', { status: 'claimed', signatureSeen: false, attempts: 123456789 }],
    ['done:3:9999999999999999', { status: 'delivered', signatureSeen: false, answer: undefined }],
    ['done:3:5000:', { status: 'delivered', signatureSeen: false, answer: '' }],
    ['done:3:5000:{"a":"b:c"}\n', { status: 'delivered', signatureSeen: false, answer: '{"a":"b:c"}\n' }],
  ])('reads %j', async (value, result) => {
    const s = setup()
    s.put('zego:state:k', value)
    expect(await s.claim()).toEqual(result)
  })

  it.each(['xdone:1:5000', 'done:1:5000x', 'done:1', 'done::5000', 'delivered:1:5000', 'done:1234567890:5000', 'done:1:12345678901234567', ''])(
    'refuses %j, naming the key',
    async (value) => {
      const s = setup()
      s.put('zego:state:k', value)
      const error = new Error('reading "zego:state:k": the store returned a value this package did not write')
      await expect(s.claim()).rejects.toThrow(error)
      await expect(s.complete()).rejects.toThrow(error)
    },
  )
})

describe('isKeyValueStore', () => {
  const f = () => undefined
  it.each([
    [{ get: f, setIfAbsent: f, delete: f }, true],
    [{ setIfAbsent: f, delete: f }, false],
    [{ get: f, delete: f }, false],
    [{ get: f, setIfAbsent: f }, false],
    [{ delete: f }, false],
    [{ get: f, setIfAbsent: f, delete: 'no' }, false],
    [{}, false],
    [null, false],
    [undefined, false],
  ])('%o: %s', (value, expected) => {
    expect(isKeyValueStore(value)).toBe(expected)
  })
})
