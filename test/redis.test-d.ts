import { createClient, createCluster } from 'redis'
import { describe, expectTypeOf, it } from 'vitest'
import type { DeliveryStore, LiveListStore } from '../src/index.js'
import { RedisDeliveryStore, RedisLiveListStore, type RedisScriptClient } from '../src/redis/index.js'

describe('zego-callbacks/redis types', () => {
  it('takes a node-redis v6 client or cluster as it is, and nothing without evalSha and eval', () => {
    expectTypeOf(createClient()).toExtend<RedisScriptClient>()
    expectTypeOf(createCluster({ rootNodes: [] })).toExtend<RedisScriptClient>()
    expectTypeOf(createClient({ RESP: 3 })).toExtend<RedisScriptClient>()
    expectTypeOf({ get: async () => null }).not.toExtend<RedisScriptClient>()
  })

  it('builds stores of the package protocols', () => {
    expectTypeOf(new RedisDeliveryStore({ client: createClient() })).toExtend<DeliveryStore>()
    expectTypeOf(new RedisLiveListStore({ client: createClient(), prefix: 'app:' })).toExtend<LiveListStore>()
  })
})
