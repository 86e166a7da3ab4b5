// ZEGO's callbacks handed off to a BullMQ queue on the Redis the delivery store uses: the listener
// adds a job whose deduplication id is the callback's delivery key, and ZEGO gets its 200 once the
// job is stored; a worker process (worker.ts) does the work, with BullMQ's own retries.
// Run: REDIS_URL=redis://127.0.0.1:6379 ZEGO_CALLBACK_SECRET=... PORT=3000 npx tsx examples/queue/server.ts
import { pathToFileURL } from 'node:url'
import { Queue } from 'bullmq'
import express from 'express'
import type { ZegoCallbacksOptions } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/express'
import { RedisDeliveryStore } from 'zego-callbacks/redis'
import { connectRedis, QUEUE } from './redis.js'

export async function createQueueApp(url: string, options: ZegoCallbacksOptions = {}) {
  const client = await connectRedis(url)
  const queue = new Queue(QUEUE, { connection: client, defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } } })
  const zego = zegoCallbacks({ ...options, store: new RedisDeliveryStore({ client }) })
  zego.on('callback', async (event, delivery) => {
    // Should the store fail to record this delivery after the job was stored, a repeat of the
    // callback runs this listener again: the deduplication id keeps it to one job. Its ttl
    // outlasts the store's memory of the callback (retentionMs, 365 s by default).
    await queue.add(event.event, event.raw, { deduplication: { id: delivery.key, ttl: 10 * 60_000 } })
  })
  const app = express().use(zego)
  const close = async () => {
    await zego.close()
    await queue.close()
    await client.close()
  }
  return { app, close }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { app, close } = await createQueueApp(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379')
  const server = app.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', () => {
    const { port } = server.address() as { port: number }
    console.log(`callbacks to the queue on http://127.0.0.1:${port}/zego/callback`)
  })
  process.once('SIGTERM', () => server.close(() => void close()))
}
