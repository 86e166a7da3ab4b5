import { createClient } from 'redis'
import { afterEach, expect, it } from 'vitest'
import { LiveStreamList, MemoryDeliveryStore } from '../src/index.js'
import { RedisDeliveryStore, RedisLiveListStore } from '../src/redis/index.js'
import { deliveryHarness } from './support/delivery.js'
import { describeRedis, describeRedisServer, useRedis } from './support/redis.js'
import { monitorCommands } from './support/redis-server.js'

const harness = deliveryHarness('outage-secret')
const { sign, resign } = harness
afterEach(() => harness.reset())

const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 10_000) => {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describeRedisServer('Redis unavailable', () => {
  // Its own redis-server, with its append-only file fsynced before every reply.
  const redis = useRedis({ appendonly: true })
  const restart = async () => {
    if (!redis.server.running) await redis.server.start()
    await until(() => redis.client.isReady, 'the client to reconnect')
  }
  afterEach(restart)
  const receiver = (prefix = redis.prefix()) =>
    harness.setup({ store: new RedisDeliveryStore({ client: redis.client, prefix }), listenerTimeoutMs: 1_000 })

  it('answers 503 store_failed at once while Redis refuses connections, runs no listener, and takes callbacks again after', async () => {
    const store = new RedisDeliveryStore({ client: redis.client, prefix: redis.prefix() })
    const { post, seen } = harness.setup({ store, listenerTimeoutMs: 1_000 })
    await redis.server.kill()
    const started = performance.now()
    const answers = await Promise.all(Array.from({ length: 20 }, (_, seq) => post(sign('mix_start', { seq: String(seq) }))))
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(new Set(answers.map((answer) => `${answer.status} ${(answer.body as { reason?: string }).reason}`))).toEqual(new Set(['503 store_failed']))
    expect(seen.delivered).toEqual([])
    await restart()
    // Once back, the locks the failed claims may have taken are released (in the background).
    await until(() => store.retrying === 0, 'the background releases')
    // The restart emptied the script cache: the first claim finds NOSCRIPT and sends the script.
    const commands = await monitorCommands(redis.url, () => post(sign('mix_start', { seq: '1' })))
    expect(commands.map((args) => args[0]?.toUpperCase())).toEqual(['EVALSHA', 'EVAL', 'EVALSHA', 'EVAL'])
    expect(seen.delivered).toHaveLength(1)
  })

  it('keeps at most 10000 calls to put right in the background, however many fail while Redis is down', async () => {
    const store = new RedisDeliveryStore({ client: redis.client, prefix: redis.prefix() })
    await redis.server.kill()
    const claims = Array.from({ length: 10_050 }, (_, i) =>
      store.claim({ key: `k${i}`, signature: `s${i}`, digest: 'd', token: `t${i}`, retainMs: 60_000, lockMs: 30_000 }).catch(() => 'failed'),
    )
    expect(new Set(await Promise.all(claims))).toEqual(new Set(['failed']))
    expect(store.retrying).toBe(10_000)
    await restart()
    await until(() => store.retrying === 0, 'the background releases')
  })

  it('answers 200 when Redis dies while the listeners run, reports it, and records the outcome once Redis is back', async () => {
    const prefix = redis.prefix()
    const a = receiver(prefix)
    const b = receiver(prefix)
    a.receiver.on('mixStarted', () => redis.server.kill())
    const store = new RedisDeliveryStore({ client: redis.client, prefix })
    const first = sign('mix_start')
    expect((await a.post(first)).status).toBe(200)
    await until(() => a.seen.errors.length > 0, 'the error event')
    expect(a.seen.errors.map((event) => event.error.code)).toEqual(['store_failed'])
    await restart()
    // The completion is tried again in the background until Redis records it.
    await until(async () => (await store.claim({ key: a.seen.delivered[0]?.delivery.key ?? '', signature: 'probe', digest: 'p', token: 'probe', retainMs: 1_000, lockMs: 1 })).status === 'delivered', 'the outcome to be recorded')
    expect(await b.post(resign(first, 4))).toMatchObject({ status: 200, body: { duplicate: true } })
    expect(a.seen.delivered.length + b.seen.delivered.length).toBe(1)
  })

  it('answers 503 within the deadline while Redis hangs, and a bounded client queue refuses the rest at once', async () => {
    // The queue bound the README recommends, made small enough to reach here.
    const bounded = createClient({ url: redis.url, disableOfflineQueue: true, commandsQueueMaxLength: 5 })
    bounded.on('error', () => {})
    await bounded.connect()
    const prefix = redis.prefix()
    const { post, seen } = harness.setup({ store: new RedisDeliveryStore({ client: bounded, prefix }), listenerTimeoutMs: 300 })
    redis.server.pause()
    try {
      const started = performance.now()
      const answers = await Promise.all(Array.from({ length: 40 }, (_, seq) => post(sign('mix_start', { seq: String(seq) }))))
      const took = performance.now() - started
      expect(took).toBeLessThan(1_500)
      expect(answers.every((answer) => answer.status === 503)).toBe(true)
      // 5 waited for the deadline; the queue refused the other 35 at once.
      const reasons = seen.rejected.map((event) => String((event.error.cause as Error | undefined)?.message ?? event.error.message))
      expect(reasons.filter((reason) => reason.includes('queue is full'))).toHaveLength(35)
    } finally {
      redis.server.resume()
    }
    await until(async () => (await post(sign('mix_start', { seq: '99' }))).status === 200, 'a callback delivered after the hang')
    await bounded.close()
  })

  it('fails the live list callback with 500 while Redis is down (ZEGO retries), and applies the retry', async () => {
    const list = new LiveStreamList({ store: new RedisLiveListStore({ client: redis.client, prefix: redis.prefix() }), sweepEveryMs: 0 })
    const zego = harness.setup({ store: new MemoryDeliveryStore(), listenerTimeoutMs: 1_000 })
    list.attach(zego.receiver)
    await redis.server.kill()
    const created = sign('stream_create', { stream_id: 'live', room_id: 'r1' })
    expect((await zego.post(created)).status).toBe(500)
    await restart()
    expect((await zego.post(resign(created, 2))).status).toBe(200)
    expect((await list.streams()).map((stream) => stream.streamId)).toEqual(['live'])
  })
})

describeRedis('a claim whose reply Redis lost', () => {
  const redis = useRedis()
  it('releases the lock it may have taken once Redis answers again, so the retry need not wait for lockMs', async () => {
    const prefix = redis.prefix()
    // A real claim on the real Redis whose reply never reaches the store (the connection dropped).
    let lose = true
    const lossy = {
      evalSha: async (sha1: string, options: { keys: string[]; arguments: string[] }) => {
        const reply = await redis.client.evalSha(sha1, options)
        if (lose) throw new Error('socket closed unexpectedly')
        return reply
      },
      eval: async (script: string, options: { keys: string[]; arguments: string[] }) => {
        const reply = await redis.client.eval(script, options)
        if (lose) throw new Error('socket closed unexpectedly')
        return reply
      },
    }
    const store = new RedisDeliveryStore({ client: lossy, prefix })
    const other = new RedisDeliveryStore({ client: redis.client, prefix })
    const claim = { key: 'k', digest: 'd', retainMs: 60_000, lockMs: 30_000 }
    await expect(store.claim({ ...claim, signature: 's1', token: 'lost' })).rejects.toThrow(/socket closed/)
    expect(await other.claim({ ...claim, signature: 's2', token: 'retry' })).toMatchObject({ status: 'busy' })
    expect(store.retrying).toBe(1)
    lose = false
    await until(() => store.retrying === 0, 'the background release', 2_000)
    expect(await other.claim({ ...claim, signature: 's3', token: 'retry' })).toMatchObject({ status: 'claimed' })
  })
})
