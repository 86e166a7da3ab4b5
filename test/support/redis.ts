import { randomUUID } from 'node:crypto'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe } from 'vitest'
import type { DeliveryStore } from '../../src/index.js'
import { describeDeliveryStore } from './delivery-store-contract.js'
import { hasRedisServer, INSTALL_REDIS, startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js'

/**
 * Whether the Redis tests of a file can run: redis-server is on PATH, or REDIS_URL is set and the
 * file needs no server process of its own. Otherwise the file is skipped with `INSTALL_REDIS`
 * printed, except under CI (`CI` set, as `.ci/run` does), where it fails.
 */
function redisOrSkip(ownServer: boolean): boolean {
  if (hasRedisServer() || (!ownServer && process.env['REDIS_URL'])) return true
  if (process.env['CI']) throw new Error(`${INSTALL_REDIS} (CI never skips the Redis tests)`)
  console.warn(`SKIPPED: the Redis tests. ${INSTALL_REDIS}`)
  return false
}

/** `describe` for tests on any Redis (REDIS_URL or their own redis-server), or `describe.skip` (see `redisOrSkip`). */
export const describeRedis = (name: string, body: () => void) => (redisOrSkip(false) ? describe : describe.skip)(name, body)

/** `describe` for tests that start, kill or configure a redis-server of their own, or `describe.skip`. */
export const describeRedisServer = (name: string, body: () => void) => (redisOrSkip(true) ? describe : describe.skip)(name, body)

/**
 * The DeliveryStore contract on a store that runs on real time (Redis's): a time unit of 10 ms (a
 * lock lasts 1 s, a step 600 ms), its tests at once (each has its own keys) so their waits overlap.
 */
export function describeRealTimeDeliveryStore(name: string, create: () => DeliveryStore): void {
  describe.concurrent(name, () => {
    describeDeliveryStore(name, () => ({ store: create(), advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) }), 10)
  })
}

// The client's type as createClient infers it: annotating node-redis's RedisClientType instead
// makes tsc compare the two (seconds of type checking).
const createTestClient = (url: string) =>
  createClient({
    url,
    disableOfflineQueue: true,
    commandsQueueMaxLength: 10_000,
    socket: { connectTimeout: 1_000, reconnectStrategy: (retries) => Math.min(20 * 2 ** retries, 200) },
  })

/** A connected client as the README recommends: fails fast while disconnected, reconnects quickly, collects errors. */
export type TestClient = ReturnType<typeof createTestClient>

/** Connects a `TestClient`; its `error` events go to `collect`. */
export async function connect(url: string, collect?: unknown[]): Promise<TestClient> {
  const client = createTestClient(url)
  client.on('error', (error: unknown) => collect?.push(error))
  await client.connect()
  return client
}

/**
 * A Redis for the tests of one file: its own redis-server (REDIS_URL instead when set and the tests
 * need no process of their own), a client, and a fresh key prefix per call of `prefix()`.
 */
export function useRedis(options: RedisServerOptions & { own?: boolean } = {}) {
  const state: { server?: RedisServer; url: string; client?: TestClient } = { url: '' }
  beforeAll(async () => {
    const shared = process.env['REDIS_URL']
    if (shared && !options.own && !options.appendonly && !options.cluster) state.url = shared
    else {
      state.server = await startRedisServer(options)
      state.url = state.server.url
    }
    if (!options.cluster) state.client = await connect(state.url)
  }, 20_000)
  afterAll(async () => {
    await state.client?.close().catch(() => {})
    await state.server?.stop()
  })
  return {
    get url() {
      return state.url
    },
    get server(): RedisServer {
      if (state.server === undefined) throw new Error('this file started no redis-server of its own')
      return state.server
    },
    get client(): TestClient {
      if (state.client === undefined) throw new Error('no client')
      return state.client
    },
    prefix: () => `test-${randomUUID().slice(0, 8)}:`,
  }
}
