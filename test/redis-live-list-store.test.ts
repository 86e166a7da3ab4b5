import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { LiveStreamList, type LiveListMode } from '../src/index.js'
import { RedisLiveListStore } from '../src/redis/index.js'
import { finalList, historyArbitrary, historyToEvents } from './support/live-history.js'
import { liveListStoreContract } from './support/live-store.js'
import { connect, describeRedis, useRedis } from './support/redis.js'

describeRedis('RedisLiveListStore', () => {
  const redis = useRedis()
  // Two clients on one Redis, as two instances would have; a fresh prefix per test.
  liveListStoreContract((now) => {
    const prefix = redis.prefix()
    const store = new RedisLiveListStore({ client: redis.client, prefix, now })
    const other = new RedisLiveListStore({ client: redis.client, prefix, now })
    return { store, other }
  })

  it('expires tombstones and held callbacks by Redis TTLs on its own clock, never a sweep', async () => {
    const prefix = redis.prefix()
    const store = new RedisLiveListStore({ client: redis.client, prefix })
    const header = { roomId: 'r', closedSessions: [], closedUntilMs: 0, lastEventMs: 0, heldFrom: 0, heldNext: 1, touchedAtMs: 0 }
    const hold = [{ id: 0, callback: { event: 'stream_create', roomId: 'r' } as never }]
    await store.write('r', undefined, { header, version: randomUUID(), clearStreams: false, streams: [{ streamId: 'a', streamSeq: 2 }], hold, release: [], ttlMs: 150 })
    const keys = await redis.client.keys(`${prefix}*`)
    const ttls = Object.fromEntries(await Promise.all(keys.map(async (key) => [key.slice(prefix.length), await redis.client.pTTL(key)] as const)))
    expect(ttls[`{room:r}:gone:a`]).toBeGreaterThan(100)
    expect(ttls[`{room:r}:held`]).toBeGreaterThan(100)
    expect(ttls[`{room:r}:room`]).toBe(-1)
    const what = { streamIds: ['a'], live: false, held: true }
    expect(await store.read('r', what)).toMatchObject({ streams: [{ streamId: 'a' }], held: hold })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await store.read('r', what)).toMatchObject({ streams: [], held: [] })
    expect((await redis.client.keys(`${prefix}*`)).sort()).toEqual([`${prefix}{room:r}:room`, `${prefix}{rooms}`])
  })

  it('keeps an index entry of a room still being created; drops entries of gone rooms once old', async () => {
    const prefix = redis.prefix()
    const store = new RedisLiveListStore({ client: redis.client, prefix })
    // A reader between the index entry and the room's creation does not list it, nor drop it.
    await redis.client.zAdd(`${prefix}{rooms}`, { score: Date.now(), value: 'young' })
    expect(await store.roomIds()).toEqual([])
    expect(await redis.client.zRange(`${prefix}{rooms}`, 0, -1)).toEqual(['young'])
    // An entry older than the grace period whose room is gone: dropped by the next reader.
    await redis.client.zAdd(`${prefix}{rooms}`, { score: Date.now() - 3_600_000, value: 'old' })
    expect(await store.roomIds()).toEqual([])
    expect(await redis.client.zRange(`${prefix}{rooms}`, 0, -1)).toEqual(['young'])
  })

  it('takes room ids with braces and percent signs, each in its own hash tag', async () => {
    const prefix = redis.prefix()
    const store = new RedisLiveListStore({ client: redis.client, prefix })
    const header = (roomId: string) => ({ roomId, closedSessions: [], closedUntilMs: 0, lastEventMs: 0, heldFrom: 0, heldNext: 0, touchedAtMs: 0 })
    const ids = ['{a}', '}', '%7B', '', 'a}b{c']
    for (const roomId of ids) {
      await store.write(roomId, undefined, { header: header(roomId), version: 'v', clearStreams: false, streams: [], hold: [], release: [], ttlMs: 1_000 })
    }
    expect((await store.roomIds()).sort()).toEqual([...ids].sort())
    for (const roomId of ids) expect((await store.read(roomId, { streamIds: [], live: true, held: true }))?.header.roomId).toBe(roomId)
  })

  it('refuses a client that cannot run scripts, one without an error listener, and a prefix with braces', async () => {
    expect(() => new RedisLiveListStore({ client: {} as never })).toThrow(/evalSha and eval/)
    const bare = await connect(redis.url)
    bare.removeAllListeners('error')
    expect(() => new RedisLiveListStore({ client: bare })).toThrow(/no 'error' listener/)
    await bare.close()
    expect(() => new RedisLiveListStore({ client: redis.client, prefix: 'a{b}' })).toThrow(/braces/)
  })
})

describeRedis('LiveStreamLists of several instances sharing a RedisLiveListStore', () => {
  const redis = useRedis()
  const clients: Array<Awaited<ReturnType<typeof connect>>> = []
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) clients.push(await connect(redis.url))
  })
  afterAll(async () => {
    for (const client of clients) await client.close()
  })

  it.each<LiveListMode>(['rooms', 'streams'])('converge to the in-order list, in %s mode, whatever instance gets which callback at once', async (mode) => {
    await fc.assert(
      fc.asyncProperty(
        historyArbitrary(mode).chain((history) => {
          const events = historyToEvents(history, mode)
          const all = [...events, ...events.slice(0, 3)]
          return fc.record({
            events: fc.constant(events),
            // Each callback (and a few repeats) to one of three instances, in a shuffled order.
            order: fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
            instances: fc.array(fc.nat({ max: 2 }), { minLength: all.length, maxLength: all.length }),
          })
        }),
        async ({ events, order, instances }) => {
          const prefix = redis.prefix()
          const lists = clients.map((client) => new LiveStreamList({ mode, store: new RedisLiveListStore({ client, prefix }), sweepEveryMs: 0 }))
          // Each instance applies its callbacks in turn, the three at once; a callback that fails
          // (a room changed under every attempt: 500) is retried, as ZEGO retries it.
          await Promise.all(
            lists.map(async (list, i) => {
              for (const [n, event] of order.entries()) {
                if (instances[n] !== i) continue
                for (let retry = 0; ; retry++) {
                  const applied = await list.apply(event).then(() => true, () => false)
                  if (applied) break
                  if (retry === 5) throw new Error('a callback failed six times')
                  await new Promise((resolve) => setTimeout(resolve, 2 ** retry))
                }
              }
            }),
          )
          const ordered = new LiveStreamList({ mode, sweepEveryMs: 0 })
          for (const event of events) await ordered.apply(event)
          const expected = await finalList(ordered)
          for (const list of lists) expect(await finalList(list)).toEqual(expected)
        },
      ),
      { numRuns: 40 },
    )
  })
})
