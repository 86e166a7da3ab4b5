import { createHash } from 'node:crypto'

/** How a script is run: the keys it touches (one Redis Cluster slot) and its other arguments. */
export interface ScriptArguments {
  keys: string[]
  arguments: string[]
}

/**
 * What the Redis stores need of a client: to run a Lua script by its SHA1 digest or by its
 * source. A connected node-redis v6 client (`createClient()`, `createCluster()`) is one as it is;
 * for ioredis, see the README's few-line adapter.
 */
export interface RedisScriptClient {
  /** Runs a script the server has cached (`EVALSHA`); rejects with a `NOSCRIPT` error when it has not. */
  evalSha(sha1: string, options: ScriptArguments): Promise<unknown>
  /** Runs a script from its source (`EVAL`), which caches it on the server. */
  eval(script: string, options: ScriptArguments): Promise<unknown>
}

/** A Lua script run by its digest, sent whole only when the server does not have it (new, restarted, failed over). */
export class LuaScript {
  readonly #source: string
  readonly #sha1: string

  constructor(source: string) {
    this.#source = source
    this.#sha1 = createHash('sha1').update(source).digest('hex')
  }

  async run(client: RedisScriptClient, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await client.evalSha(this.#sha1, { keys, arguments: args })
    } catch (error) {
      if (!String((error as { message?: unknown } | null)?.message).startsWith('NOSCRIPT')) throw error
      return client.eval(this.#source, { keys, arguments: args })
    }
  }
}

/** The options both Redis stores take. */
export interface RedisStoreOptions {
  /**
   * A connected client (node-redis v6, or an adapter). Note: give it an `error` listener and the
   * options the README recommends, so an outage fails calls fast instead of queueing them.
   */
  client: RedisScriptClient
  /** What every key starts with; default `'zego:'`. Braces are refused: the stores place their own hash tags. */
  prefix?: string | undefined
}

/** Checks the options of a Redis store and returns its client and key prefix; throws a `TypeError` naming the fix. */
export function redisStoreOptions(store: string, options: RedisStoreOptions): { client: RedisScriptClient; prefix: string } {
  const { client, prefix = 'zego:' } = options ?? ({} as Partial<RedisStoreOptions>)
  if (typeof client?.evalSha !== 'function' || typeof client.eval !== 'function') {
    throw new TypeError(
      `zego-callbacks: ${store} needs \`client\`: a connected node-redis client (createClient() from the 'redis' package), or an object with evalSha and eval (see the README for ioredis)`,
    )
  }
  const listeners = (client as { listenerCount?: unknown }).listenerCount
  if (typeof listeners === 'function' && listeners.call(client, 'error') === 0) {
    throw new TypeError(
      `zego-callbacks: ${store}: the Redis client has no 'error' listener, so losing the connection would crash the process; add one first: client.on('error', (error) => log(error))`,
    )
  }
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new TypeError(`zego-callbacks: ${store} \`prefix\` must be a string without braces (the store places its own hash tags), got ${String(prefix)}`)
  }
  return { client, prefix }
}

/** A count of milliseconds as Redis takes it: a whole number from 1, at most 2^53 - 1. */
export function wholeMs(ms: number): string {
  return String(Math.min(Math.max(1, Math.ceil(ms)), Number.MAX_SAFE_INTEGER))
}

/** Throws: Redis answered `what` with something its script does not return. */
export function unexpectedReply(reply: unknown, what: string): never {
  throw new Error(`zego-callbacks: Redis answered ${what} with ${JSON.stringify(reply)}, not what the script returns`)
}
