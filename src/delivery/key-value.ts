import type { ClaimRequest, ClaimResult, CompleteRequest, DeliveryStore } from './store.js'

/**
 * A store of the 1.0 shape: string values under keys, each with a time to live.
 *
 * Note: `get` may answer `null` (what Redis clients return) for an absent key.
 */
export interface KeyValueStore {
  /** The value stored under `key`, or `undefined` / `null` when absent or expired. */
  get(key: string): Promise<string | undefined | null>
  /** Stores `value` under `key` for `ttlMs` milliseconds only if `key` is absent (or expired); resolves whether it did. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>
  /** Removes `key`; resolves even when it was absent. */
  delete(key: string): Promise<void>
}

/**
 * Runs the claim-and-complete protocol over a key-value store of the 1.0 shape, so stores written
 * for 1.0 keep working (the receiver wraps one itself).
 *
 * Note: each step is several calls (up to five for a claim), and renewing a lock is a check, a
 * delete and a set, so an instance polling at that moment could take it: implement
 * `DeliveryStore` directly (one atomic call per step) for a store shared by several instances.
 */
export function keyValueDeliveryStore(kv: KeyValueStore, options: { now?: (() => number) | undefined } = {}): DeliveryStore {
  const now = options.now ?? Date.now
  const read = async (key: string): Promise<string | undefined> => (await kv.get(key)) ?? undefined
  const stateKey = (key: string) => `zego:state:${key}`
  const lockKey = (key: string) => `zego:lock:${key}`

  // `done:<runs>:<expiresAt>[:<answer>]` or `failed:<runs>:<expiresAt>`; the expiry is in the
  // value so a refresh never shortens it.
  async function readState(key: string): Promise<{ delivered: boolean; attempts: number; expiresAt: number; answer: string | undefined } | undefined> {
    const text = await read(stateKey(key))
    if (text === undefined) return undefined
    const match = /^(done|failed):(\d{1,9}):(\d{1,16})(?::([^]*))?$/.exec(text)
    if (match === null) throw new Error(`reading ${JSON.stringify(stateKey(key))}: the store returned a value this package did not write`)
    return { delivered: match[1] === 'done', attempts: Number(match[2]), expiresAt: Number(match[3]), answer: match[4] }
  }

  async function writeState(key: string, delivered: boolean, attempts: number, expiresAt: number, answer: string | undefined, replace: boolean) {
    if (replace) await kv.delete(stateKey(key))
    const text = `${delivered ? 'done' : 'failed'}:${attempts}:${expiresAt}${answer === undefined ? '' : `:${answer}`}`
    await kv.setIfAbsent(stateKey(key), text, Math.max(1, expiresAt - now()))
  }

  return {
    async claim(request: ClaimRequest): Promise<ClaimResult> {
      const signatureKey = `zego:sig:${request.signature}`
      const fresh = await kv.setIfAbsent(signatureKey, request.digest, request.retainMs)
      // Seen before (or by a concurrent request); expiring in between leaves this one the first.
      if (!fresh && ((await read(signatureKey)) ?? request.digest) !== request.digest) return { status: 'replayed' }
      const signatureSeen = !fresh
      const state = await readState(request.key)
      if (state?.delivered) {
        const expiresAt = now() + request.retainMs
        if (state.expiresAt < expiresAt) await writeState(request.key, true, state.attempts, expiresAt, state.answer, true)
        return { status: 'delivered', signatureSeen, answer: state.answer }
      }
      if (!(await kv.setIfAbsent(lockKey(request.key), request.token, request.lockMs))) return { status: 'busy', signatureSeen }
      return { status: 'claimed', signatureSeen, attempts: state?.attempts ?? 0 }
    },

    async complete(request: CompleteRequest): Promise<boolean> {
      const state = await readState(request.key)
      if (!state?.delivered) {
        const expiresAt = now() + request.retainMs
        await writeState(request.key, request.outcome === 'delivered', request.attempts, expiresAt, request.answer, state !== undefined)
      }
      if ((await read(lockKey(request.key))) !== request.token) return false
      await kv.delete(lockKey(request.key))
      return true
    },

    async renew(key: string, token: string, lockMs: number): Promise<boolean> {
      if ((await read(lockKey(key))) !== token) return false
      await kv.delete(lockKey(key))
      return kv.setIfAbsent(lockKey(key), token, lockMs)
    },

    async release(key: string, token: string): Promise<void> {
      if ((await read(lockKey(key))) === token) await kv.delete(lockKey(key))
    },
  }
}

/** Whether `value` has the 1.0 store shape (`get`, `setIfAbsent`, `delete`). */
export function isKeyValueStore(value: unknown): value is KeyValueStore {
  const store = value as Partial<Record<keyof KeyValueStore, unknown>> | null
  return typeof store?.get === 'function' && typeof store.setIfAbsent === 'function' && typeof store.delete === 'function'
}
