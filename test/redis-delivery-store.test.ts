import { expect, it } from 'vitest'
import { RedisDeliveryStore } from '../src/redis/index.js'
import { describeRealTimeDeliveryStore, describeRedis, useRedis } from './support/redis.js'

describeRedis('RedisDeliveryStore', () => {
  const redis = useRedis()
  describeRealTimeDeliveryStore('RedisDeliveryStore', () => new RedisDeliveryStore({ client: redis.client, prefix: 'contract:' }))

  it('answers a completion repeated by its own attempt (its reply lost) as held, never touching a later lock', async () => {
    const store = new RedisDeliveryStore({ client: redis.client, prefix: redis.prefix() })
    const claim = { key: 'k', signature: 's', digest: 'd', retainMs: 10_000, lockMs: 10_000 }
    const complete = { key: 'k', token: 't', outcome: 'failed' as const, attempts: 1, answer: undefined, retainMs: 10_000 }
    await store.claim({ ...claim, token: 't' })
    expect(await store.complete(complete)).toBe(true)
    expect(await store.claim({ ...claim, signature: 's2', token: 'u' })).toMatchObject({ status: 'claimed', attempts: 1 })
    expect(await store.complete(complete)).toBe(true)
    expect(await store.renew('k', 'u', 10_000)).toBe(true)
  })
})
