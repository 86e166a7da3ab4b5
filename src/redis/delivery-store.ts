import type { ClaimRequest, ClaimResult, CompleteRequest, DeliveryStore } from '../delivery/store.js'
import { LuaScript, redisStoreOptions, unexpectedReply, wholeMs, type RedisScriptClient, type RedisStoreOptions } from './client.js'

// KEYS: signature, outcome, lock. ARGV: digest, token, retainMs, lockMs.
// The outcome is a hash: done ('1' delivered, '0' failed), runs, answer, and owner (the token that
// recorded it while holding the lock, so a repeated completion knows it was its own).
const CLAIM = new LuaScript(`
local retain = tonumber(ARGV[3])
local digest = redis.call('GET', KEYS[1])
if digest and digest ~= ARGV[1] then return {'replayed'} end
local seen = 0
if digest then
  seen = 1
  if redis.call('PTTL', KEYS[1]) < retain then redis.call('PEXPIRE', KEYS[1], retain) end
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', retain)
end
local outcome = redis.call('HMGET', KEYS[2], 'done', 'runs', 'answer')
if outcome[1] == '1' then
  if redis.call('PTTL', KEYS[2]) < retain then redis.call('PEXPIRE', KEYS[2], retain) end
  if outcome[3] then return {'delivered', seen, outcome[3]} end
  return {'delivered', seen}
end
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[2] then return {'busy', seen} end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[4])
return {'claimed', seen, tonumber(outcome[2]) or 0}
`)

// KEYS: outcome, lock. ARGV: token, outcome ('delivered' or 'failed'), attempts, retainMs, then the answer if any.
const COMPLETE = new LuaScript(`
local holds = redis.call('GET', KEYS[2]) == ARGV[1]
local outcome = redis.call('HMGET', KEYS[1], 'done', 'runs', 'owner')
if outcome[1] ~= '1' then
  local runs = math.max(tonumber(outcome[2]) or 0, tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], 'done', ARGV[2] == 'delivered' and '1' or '0', 'runs', runs)
  if ARGV[5] then redis.call('HSET', KEYS[1], 'answer', ARGV[5]) else redis.call('HDEL', KEYS[1], 'answer') end
end
if holds then
  redis.call('HSET', KEYS[1], 'owner', ARGV[1])
  redis.call('DEL', KEYS[2])
end
local retain = tonumber(ARGV[4])
if redis.call('PTTL', KEYS[1]) < retain then redis.call('PEXPIRE', KEYS[1], retain) end
if holds or outcome[3] == ARGV[1] then return 1 end
return 0
`)

// KEYS: lock. ARGV: token, lockMs (0: release).
const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`)

// Calls tried again in the background at most at once.
const MAX_RETRYING = 10_000

/**
 * A `DeliveryStore` on Redis shared by every instance: the claim and the completion are one Lua
 * script each (`EVALSHA`), so a new callback costs 2 Redis commands and a duplicate 1; every
 * record expires by a Redis TTL; a lock is renewed and released only by its owner.
 *
 * Note: when Redis fails a call (unreachable, or the connection lost before its reply), what it
 * may have left is put right in the background once Redis is back, every 500 ms at most: a
 * completion is recorded (until `retainMs` passes), so a callback whose listeners succeeded is not
 * run again; the lock a failed claim may have taken is released (until `lockMs` passes), so the
 * retry need not wait for it to expire. A signature can be replayed with any other body, so every
 * delivery record shares one hash tag: on Redis Cluster they live in one slot.
 */
export class RedisDeliveryStore implements DeliveryStore {
  readonly #client: RedisScriptClient
  readonly #tag: string
  #retrying = 0

  /** Throws a `TypeError` when `client` cannot run scripts, has no `error` listener, or `prefix` has braces. */
  constructor(options: RedisStoreOptions) {
    const { client, prefix } = redisStoreOptions('RedisDeliveryStore', options)
    this.#client = client
    this.#tag = `${prefix}{delivery}`
  }

  /** Calls being tried again in the background after Redis failed them (completions, releases). */
  get retrying(): number {
    return this.#retrying
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const keys = [`${this.#tag}:sig:${request.signature}`, `${this.#tag}:done:${request.key}`, `${this.#tag}:lock:${request.key}`]
    let reply: unknown
    try {
      reply = await CLAIM.run(this.#client, keys, [request.digest, request.token, wholeMs(request.retainMs), wholeMs(request.lockMs)])
    } catch (error) {
      // The receiver gives this attempt up (503): should the claim have taken the lock, let it go.
      this.#retryLater(() => this.release(request.key, request.token), Date.now() + request.lockMs)
      throw error
    }
    if (!Array.isArray(reply)) return unexpectedReply(reply, 'a claim')
    const [status, seen, extra] = reply
    const signatureSeen = Number(seen) === 1
    switch (status) {
      case 'replayed':
        return { status }
      case 'delivered':
        return { status, signatureSeen, answer: typeof extra === 'string' ? extra : undefined }
      case 'busy':
        return { status, signatureSeen }
      case 'claimed':
        return { status, signatureSeen, attempts: Number(extra) }
      default:
        return unexpectedReply(reply, 'a claim')
    }
  }

  async complete(request: CompleteRequest): Promise<boolean> {
    try {
      return await this.#complete(request)
    } catch (error) {
      this.#retryLater(() => this.#complete(request), Date.now() + request.retainMs)
      throw error
    }
  }

  async renew(key: string, token: string, lockMs: number): Promise<boolean> {
    return Number(await RENEW.run(this.#client, [`${this.#tag}:lock:${key}`], [token, wholeMs(lockMs)])) === 1
  }

  async release(key: string, token: string): Promise<void> {
    await RENEW.run(this.#client, [`${this.#tag}:lock:${key}`], [token, '0'])
  }

  async #complete(request: CompleteRequest): Promise<boolean> {
    const keys = [`${this.#tag}:done:${request.key}`, `${this.#tag}:lock:${request.key}`]
    const args = [request.token, request.outcome, String(request.attempts), wholeMs(request.retainMs)]
    if (request.answer !== undefined) args.push(request.answer)
    return Number(await COMPLETE.run(this.#client, keys, args)) === 1
  }

  // Backs off from 50 ms to 500 ms, so the call lands soon after Redis is back (well within
  // lockTtlMs); one at a time per call; the timers do not hold the process open. At most
  // MAX_RETRYING at once, so a flood of callbacks while Redis is down holds bounded memory (past
  // it, a lock is left to expire; completions are few then, since claims fail).
  #retryLater(call: () => Promise<unknown>, until: number): void {
    if (this.#retrying >= MAX_RETRYING) return
    this.#retrying++
    const attempt = (waitMs: number): void => {
      const timer = setTimeout(() => {
        call().then(
          () => this.#retrying--,
          () => {
            if (Date.now() + waitMs < until) attempt(Math.min(waitMs * 2, 500))
            else this.#retrying--
          },
        )
      }, waitMs)
      timer.unref?.()
    }
    attempt(50)
  }
}
