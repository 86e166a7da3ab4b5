import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisDeliveryStore, RedisLiveListStore } from 'zego-callbacks/redis'
import { deliveryHarness } from '../../test/support/delivery.js'
import { liveListStoreContract } from '../../test/support/live-store.js'
import { describeRealTimeDeliveryStore, describeRedis, useRedis } from '../../test/support/redis.js'
import { fromIoredis } from './from-ioredis.js'

describeRedis('the Redis stores on an ioredis client', () => {
  const server = useRedis()
  let redis: Redis
  beforeAll(async () => {
    // As the README recommends: fail fast while disconnected.
    redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true })
    redis.on('error', () => {})
    await redis.connect()
  })
  afterAll(() => redis?.disconnect())

  describeRealTimeDeliveryStore('RedisDeliveryStore on ioredis', () => new RedisDeliveryStore({ client: fromIoredis(redis), prefix: 'ioredis:' }))
  describe('RedisLiveListStore', () => {
    liveListStoreContract((now) => ({ store: new RedisLiveListStore({ client: fromIoredis(redis), prefix: server.prefix(), now }) }))
  })

  it('absorbs a repeat across two receivers', async () => {
    const harness = deliveryHarness('ioredis-secret')
    const prefix = server.prefix()
    const a = harness.setup({ store: new RedisDeliveryStore({ client: fromIoredis(redis), prefix }) })
    const b = harness.setup({ store: new RedisDeliveryStore({ client: fromIoredis(redis), prefix }) })
    const first = harness.sign('mix_start')
    expect((await a.post(first)).status).toBe(200)
    expect((await b.post(harness.resign(first, 2))).body).toEqual({ ok: true, duplicate: true })
  })
})
