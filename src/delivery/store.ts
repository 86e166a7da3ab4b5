/**
 * Where delivery records live: the signature triples seen, which callbacks were delivered, and who
 * is delivering one right now. Every method may be async and may fail; a failure answers 503 so
 * ZEGO retries.
 *
 * Note: several instances of a service must share one store (Redis `SET key value NX PX ttl`, a SQL
 * table with a unique key and an expiry column); a per-process store deduplicates only what
 * reaches that process.
 */
export interface DeliveryStore {
  /** The value stored under `key`, or `undefined` when absent or expired. */
  get(key: string): Promise<string | undefined>
  /** Stores `value` under `key` for `ttlMs` milliseconds only if `key` is absent (or expired); resolves whether it did. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>
  /** Removes `key`; resolves even when it was absent. */
  delete(key: string): Promise<void>
}

/** Options of `MemoryDeliveryStore`. */
export interface MemoryDeliveryStoreOptions {
  /** Most entries kept; beyond it the oldest entry is evicted (counted in `evictions`). Default 100000. */
  maxEntries?: number | undefined
  /** The clock, in milliseconds since the epoch; default `Date.now`. */
  now?: (() => number) | undefined
}

interface Entry {
  value: string
  expiresAt: number
}

/**
 * The default store: a `Map` in this process, with a time to live per entry and a maximum entry
 * count, so memory stays flat under a flood.
 *
 * Note: it deduplicates only within one process and is emptied by a restart. An evicted record is
 * forgotten early: size `maxEntries` above about three times the callbacks of one retention window.
 */
export class MemoryDeliveryStore implements DeliveryStore {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #now: () => number
  #evictions = 0

  /** Throws a `TypeError` when `maxEntries` is not a positive integer. */
  constructor(options: MemoryDeliveryStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError(`zego-callbacks: \`maxEntries\` must be a positive integer, got ${String(maxEntries)}`)
    }
    this.#maxEntries = maxEntries
    this.#now = options.now ?? Date.now
  }

  /** How many entries are held, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size
  }

  /** How many unexpired entries were dropped to stay within `maxEntries`. */
  get evictions(): number {
    return this.#evictions
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs })
    this.#trim()
    return true
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key)
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt > this.#now()) return entry
    this.#entries.delete(key)
    return undefined
  }

  // Entries are in insertion order: drop expired ones from the front, then the oldest while over
  // the cap. Amortized O(1) per insert.
  #trim(): void {
    const now = this.#now()
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now && this.#entries.size <= this.#maxEntries) break
      if (entry.expiresAt > now) this.#evictions++
      this.#entries.delete(key)
    }
  }
}
