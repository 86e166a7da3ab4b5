// A node-redis client with the options the README recommends for the stores: calls fail at once
// while the connection is down (ZEGO then gets a 503 and retries) instead of queueing without bound.
import { createClient } from 'redis'

/** The queue's name, shared by the server and the worker. */
export const QUEUE = 'zego-callbacks'

export async function connectRedis(url: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandsQueueMaxLength: 10_000,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000) },
  })
  client.on('error', (error: Error) => console.error(`redis: ${error.message}`))
  await client.connect()
  return client
}
