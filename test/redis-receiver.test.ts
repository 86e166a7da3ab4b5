import { createClient } from 'redis'
import { afterEach, expect, it } from 'vitest'
import { RedisDeliveryStore } from '../src/redis/index.js'
import { deferred, deliveryHarness } from './support/delivery.js'
import { describeRedisServer, useRedis } from './support/redis.js'
import { monitorCommands } from './support/redis-server.js'

const harness = deliveryHarness('redis-secret')
const { sign } = harness
afterEach(() => harness.reset())

describeRedisServer('receivers sharing a RedisDeliveryStore', () => {
  // Its own server: MONITOR must see only this file's commands.
  const redis = useRedis({ own: true })
  const instances = (count: number) => {
    const prefix = redis.prefix()
    return Array.from({ length: count }, () => harness.setup({ store: new RedisDeliveryStore({ client: redis.client, prefix }) }))
  }

  it('costs a new callback 2 Redis commands (claim, complete) and a duplicate 1, once the scripts are cached', async () => {
    const [a, b] = instances(2)
    if (a === undefined || b === undefined) throw new Error('two instances')
    await a.post(sign('mix_start', { seq: '1' })) // the first call of each script loads it
    const fresh = sign('mix_start', { seq: '2' })
    const created = await monitorCommands(redis.url, () => a.post(fresh))
    expect(created.map((args) => args[0]?.toUpperCase())).toEqual(['EVALSHA', 'EVALSHA'])
    // The same callback re-signed (a ZEGO retry) to the other instance, and the same bytes again.
    const again = await monitorCommands(redis.url, () => b.post(harness.resign(fresh, 2)))
    const same = await monitorCommands(redis.url, () => b.post(fresh))
    expect(again.map((args) => args[0]?.toUpperCase())).toEqual(['EVALSHA'])
    expect(same.map((args) => args[0]?.toUpperCase())).toEqual(['EVALSHA'])
    expect(a.seen.delivered).toHaveLength(2)
    expect(b.seen.delivered).toHaveLength(0)
    expect(b.seen.duplicates.map((event) => event.matchedBy)).toEqual(['key', 'signature'])
  })

  it('runs one callback once when its copies reach several instances at the same moment', async () => {
    const all = instances(3)
    const gate = deferred()
    for (const { receiver } of all) receiver.on('mixStarted', () => gate.promise)
    const first = sign('mix_start')
    const answers = all.flatMap(({ post }, i) => [post(first), post(harness.resign(first, i + 1))])
    setTimeout(gate.resolve, 100)
    expect((await Promise.all(answers)).map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200])
    expect(all.reduce((sum, { seen }) => sum + seen.delivered.length, 0)).toBe(1)
  })

  it('refuses a signature replayed with another body on another instance: 401, no listener', async () => {
    const [a, b] = instances(2)
    if (a === undefined || b === undefined) throw new Error('two instances')
    const genuine = sign('stream_create', { stream_sid: 'genuine' })
    expect((await a.post(genuine)).status).toBe(200)
    const swapped = { ...genuine, stream_sid: 'swapped' }
    expect(await b.post(swapped)).toMatchObject({ status: 401, body: { reason: 'replayed_signature' } })
    expect(b.seen.delivered).toEqual([])
  })

  it('runs a failed callback again on the retry at another instance, with the attempt number', async () => {
    const [a, b] = instances(2)
    if (a === undefined || b === undefined) throw new Error('two instances')
    a.receiver.on('mixStarted', () => {
      throw new Error('listener down')
    })
    const first = sign('mix_start')
    expect((await a.post(first)).status).toBe(500)
    expect((await b.post(harness.resign(first, 2))).status).toBe(200)
    expect(b.seen.delivered.map(({ delivery }) => delivery.attempt)).toEqual([2])
  })

  it('works the same on a client speaking RESP3', async () => {
    const client = createClient({ url: redis.url, RESP: 3 })
    client.on('error', () => {})
    await client.connect()
    try {
      const prefix = redis.prefix()
      const [a, b] = [0, 1].map(() => harness.setup({ store: new RedisDeliveryStore({ client, prefix }) }))
      if (a === undefined || b === undefined) throw new Error('two instances')
      let failures = 1
      a.receiver.on('mixStarted', () => {
        if (failures-- > 0) throw new Error('listener down')
      })
      const first = sign('mix_start')
      expect((await a.post(first)).status).toBe(500)
      expect((await a.post(harness.resign(first, 2))).status).toBe(200)
      expect(await b.post(harness.resign(first, 4))).toMatchObject({ status: 200, body: { duplicate: true } })
      expect(a.seen.delivered.map(({ delivery }) => delivery.attempt)).toEqual([1, 2])
    } finally {
      await client.close()
    }
  })
})
