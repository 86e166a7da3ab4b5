import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LiveStreamList } from '../src/index.js'
import { RedisDeliveryStore, RedisLiveListStore } from '../src/redis/index.js'
import { deliveryHarness } from './support/delivery.js'
import { finalList, historyToEvents } from './support/live-history.js'
import { liveListStoreContract } from './support/live-store.js'
import { describeRealTimeDeliveryStore, describeRedisServer } from './support/redis.js'
import { startRedisServer, type RedisServer } from './support/redis-server.js'

// A real Redis Cluster of one node holding all 16384 slots: a script whose keys are not all in one
// slot fails with CROSSSLOT, so every test here proves the stores' keys cluster-safe.
describeRedisServer('the Redis stores on Redis Cluster', () => {
  let server: RedisServer
  // Types as inferred (annotating node-redis's own types costs seconds of type checking).
  const clientOf = (url: string) => createClient({ url })
  const clusterOf = (url: string) => createCluster({ rootNodes: [{ url }] })
  let node: ReturnType<typeof clientOf>
  let cluster: ReturnType<typeof clusterOf>
  beforeAll(async () => {
    server = await startRedisServer({ cluster: true })
    node = clientOf(server.url)
    node.on('error', () => {})
    await node.connect()
    await node.clusterAddSlotsRange({ start: 0, end: 16383 })
    for (let waited = 0; !(await node.clusterInfo()).includes('cluster_state:ok'); waited += 50) {
      if (waited > 10_000) throw new Error('the cluster did not come up')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    cluster = clusterOf(server.url)
    cluster.on('error', () => {})
    await cluster.connect()
  }, 20_000)
  afterAll(async () => {
    await cluster?.close()
    await node?.close()
    await server?.stop()
  })
  const slotsOf = async (pattern: string) => {
    const slots = new Map<string, number>()
    for (const key of await node.keys(pattern)) slots.set(key, await node.clusterKeySlot(key))
    return slots
  }

  it('refuses a script whose keys span two slots (so the tests below can fail)', async () => {
    await expect(cluster.eval('return 1', { keys: ['{a}x', '{b}x'], arguments: [] })).rejects.toThrow(/CROSSSLOT/)
  })

  describeRealTimeDeliveryStore('RedisDeliveryStore on the cluster', () => new RedisDeliveryStore({ client: cluster, prefix: 'contract:' }))

  describe('RedisLiveListStore', () => {
    let rooms = 0
    liveListStoreContract((now) => ({ store: new RedisLiveListStore({ client: cluster, prefix: `contract-${rooms++}:`, now }) }))
  })

  it('keeps every key of a callback in one slot, through receivers on the cluster', async () => {
    const harness = deliveryHarness('cluster-secret')
    const { post } = harness.setup({ store: new RedisDeliveryStore({ client: cluster, prefix: 'receiver:' }), lockTtlMs: 60_000 })
    for (let seq = 1; seq <= 20; seq++) expect((await post(harness.sign('mix_start', { seq: String(seq) }))).status).toBe(200)
    const slots = await slotsOf('receiver:*')
    expect(slots.size).toBe(40) // a signature and an outcome each
    expect(new Set(slots.values()).size).toBe(1)
  })

  it('keeps every key of a room in its own slot, and spreads rooms over slots', async () => {
    const events = historyToEvents(
      {
        rooms: Array.from({ length: 8 }, (_, i) => ({
          roomId: `room-${i}`,
          lastOpen: true,
          sessions: [
            { id: `1${i}`, streams: [{ id: 'a', steps: ['create', 'close'] as const }] },
            { id: `2${i}`, streams: [{ id: 'b', steps: ['create'] as const }, { id: 'c', steps: ['create', 'close'] as const }] },
          ],
        })),
      },
      'streams',
    )
    const list = new LiveStreamList({ store: new RedisLiveListStore({ client: cluster, prefix: 'list:' }), sweepEveryMs: 0 })
    for (const event of [...events].reverse()) await list.apply(event) // out of order: some are held
    const rooms = new Map<string, Set<number>>()
    for (const [key, slot] of await slotsOf('list:{room:*')) {
      const room = /\{room:([^}]*)\}/.exec(key)?.[1] ?? ''
      rooms.set(room, (rooms.get(room) ?? new Set()).add(slot))
    }
    expect(rooms.size).toBe(8)
    for (const slots of rooms.values()) expect(slots.size).toBe(1)
    expect(new Set([...rooms.values()].flatMap((slots) => [...slots])).size).toBeGreaterThan(1)
    const ordered = new LiveStreamList({ sweepEveryMs: 0 })
    for (const event of events) await ordered.apply(event)
    expect(await finalList(list)).toEqual(await finalList(ordered))
  })
})
