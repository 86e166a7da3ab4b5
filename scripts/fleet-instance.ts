// One server of the fleet soak (scripts/fleet-soak.ts forks several): Express with the middleware
// on a RedisDeliveryStore and a LiveStreamList on a RedisLiveListStore, both on the soak's Redis.
// Its listener asks the soak, over IPC, how this run of a callback should behave (fail, be slow),
// applies the callback to the list, and tells the soak when the run ends, so that the soak counts
// runs across the whole fleet.
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { createClient } from 'redis'
import { zegoCallbacks } from '../adapters/express.js'
import { LiveStreamList, type DeliveryContext, type LiveListMode } from '../src/index.js'
import { RedisDeliveryStore, RedisLiveListStore } from '../src/redis/index.js'
import { finalList } from '../test/support/live-history.js'

/** What the soak tells an instance to do with one run of a callback. */
export interface RunOrder {
  fail: boolean
  sleepMs: number
}

/** Messages from an instance to the soak. */
export type FromInstance =
  | { type: 'ready'; port: number }
  | { type: 'start'; request: string; id: string; key: string; attempt: number; at: number }
  | { type: 'end'; request: string; id: string; ok: boolean; at: number }
  | { type: 'error'; code: string; message: string }
  | { type: 'duplicate' }
  | { type: 'list'; list: Awaited<ReturnType<typeof finalList>> }
  | { type: 'closed'; inFlight: number }

/** Messages from the soak to an instance. */
export type ToInstance = { type: 'order'; request: string; order: RunOrder } | { type: 'list' } | { type: 'close' }

const send = (message: FromInstance) => process.send?.(message)
// One clock for every process of the machine, in ms with a fraction: messages from two processes
// may arrive out of order, so the soak orders runs by these times, not by arrival.
const now = () => performance.timeOrigin + performance.now()
const env = (name: string): string => process.env[name] ?? ''
const mode = env('FLEET_MODE') as LiveListMode
const client = createClient({
  url: env('REDIS_URL'),
  disableOfflineQueue: true,
  commandsQueueMaxLength: 10_000,
  socket: { connectTimeout: 1_000, reconnectStrategy: (retries) => Math.min(20 * 2 ** retries, 100) },
})
client.on('error', () => {}) // the soak counts what reaches the receiver's error event instead
await client.connect()

const zego = zegoCallbacks({
  secret: env('ZEGO_CALLBACK_SECRET'),
  store: new RedisDeliveryStore({ client }),
  listenerTimeoutMs: Number(env('FLEET_LISTENER_TIMEOUT_MS')),
  lockTtlMs: Number(env('FLEET_LOCK_TTL_MS')),
})
const list = new LiveStreamList({ mode, store: new RedisLiveListStore({ client }), sweepEveryMs: 0 })

// The app's listener: one run of a callback, as the soak orders it, that applies it to the live
// list (so that the run succeeds only when the list took it: the delivery is one unit).
type ListEvent = Parameters<LiveStreamList['apply']>[0]
const orders = new Map<string, (order: RunOrder) => void>()
async function run(event: ListEvent, delivery: DeliveryContext): Promise<void> {
  const id = event.raw['soak_id']
  if (typeof id !== 'string') return
  const request = randomUUID()
  const order = await new Promise<RunOrder>((resolve) => {
    orders.set(request, resolve)
    send({ type: 'start', request, id, key: delivery.key, attempt: delivery.attempt, at: now() })
  })
  try {
    if (order.sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, order.sleepMs))
    if (order.fail) throw new Error('fleet soak: injected failure')
    await list.apply(event)
  } catch (error) {
    send({ type: 'end', request, id, ok: false, at: now() })
    throw error
  }
  send({ type: 'end', request, id, ok: true, at: now() })
}
zego.on('streamCreated', run).on('streamClosed', run).on('roomCreated', run).on('roomClosed', run)
zego.on('duplicate', () => send({ type: 'duplicate' }))
zego.on('error', ({ error }) => send({ type: 'error', code: error.code, message: error.message }))

process.on('message', (message: ToInstance) => {
  if (message.type === 'order') {
    orders.get(message.request)?.(message.order)
    orders.delete(message.request)
  } else if (message.type === 'list') {
    void finalList(list).then((read) => send({ type: 'list', list: read }))
  } else {
    void zego.close().then(async () => {
      send({ type: 'closed', inFlight: zego.receiver.inFlight })
      server.close()
      await client.close()
      process.disconnect?.()
    })
  }
})

const server = http.createServer(express().use(zego))
server.keepAliveTimeout = 30_000
server.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (server.address() as AddressInfo).port }))
