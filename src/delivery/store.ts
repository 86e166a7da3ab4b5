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
  /**
   * Most entries kept; beyond it the oldest entry is evicted if it is at least `evictAfterMs` old
   * (counted in `evictions`), and otherwise the new entry is refused (`setIfAbsent` rejects, so the
   * callback is answered 503 and ZEGO retries). Default 200000 (about 43 MB).
   */
  maxEntries?: number | undefined
  /**
   * How old an entry must be before it may be evicted to make room, in milliseconds; default 65000:
   * past ZEGO's retry tail and the default `lockTtlMs`, so neither a retry's record nor a lock in
   * use is ever evicted.
   */
  evictAfterMs?: number | undefined
  /** The clock, in milliseconds since the epoch; default `Date.now`. */
  now?: (() => number) | undefined
}

interface Entry {
  value: string
  expiresAt: number
  storedAt: number
}

/**
 * The default store: a `Map` in this process, with a time to live per entry and a maximum entry
 * count, so memory stays flat under a flood.
 *
 * Note: it deduplicates only within one process and is emptied by a restart. Each callback takes
 * two entries: size `maxEntries` above twice the callbacks of one `evictAfterMs` window.
 */
export class MemoryDeliveryStore implements DeliveryStore {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #evictAfterMs: number
  readonly #now: () => number
  #evictions = 0
  #sweptAt = -Infinity

  /** Throws a `TypeError` when `maxEntries` is not a positive integer or `evictAfterMs` is negative. */
  constructor(options: MemoryDeliveryStoreOptions = {}) {
    const { maxEntries = 200_000, evictAfterMs = 65_000 } = options
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError(`zego-callbacks: \`maxEntries\` must be a positive integer, got ${String(maxEntries)}`)
    }
    if (typeof evictAfterMs !== 'number' || !(evictAfterMs >= 0)) {
      throw new TypeError(`zego-callbacks: \`evictAfterMs\` must be a number >= 0, got ${String(evictAfterMs)}`)
    }
    this.#maxEntries = maxEntries
    this.#evictAfterMs = evictAfterMs
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
    const now = this.#now()
    if (!this.#makeRoom(now)) {
      throw new Error(
        `MemoryDeliveryStore is full: ${this.#maxEntries} entries, none older than ${this.#evictAfterMs} ms (raise maxEntries)`,
      )
    }
    this.#entries.set(key, { value, expiresAt: now + ttlMs, storedAt: now })
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

  // Entries are in insertion order, oldest first: drop expired ones from the front, then, while
  // full, the oldest if it is old enough. Amortized O(1) per insert. Whether one more fits.
  #makeRoom(now: number): boolean {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now && this.#entries.size < this.#maxEntries) break
      if (entry.expiresAt > now) {
        if (now - entry.storedAt < this.#evictAfterMs) break
        this.#evictions++
      }
      this.#entries.delete(key)
    }
    if (this.#entries.size < this.#maxEntries) return true
    // The oldest live entry is too young to evict, but later, shorter-lived ones may have expired.
    // A full sweep, at most once a second, so a flood of refusals does not scan each time.
    if (now - this.#sweptAt < 1000) return false
    this.#sweptAt = now
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key)
    return this.#entries.size < this.#maxEntries
  }
}
