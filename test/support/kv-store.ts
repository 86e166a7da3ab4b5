import type { KeyValueStore } from '../../src/index.js'

/** A key-value store of the 1.0 shape in a Map, as a user's Redis `SET NX PX` store behaves. */
export class MapKeyValueStore implements KeyValueStore {
  readonly entries = new Map<string, { value: string; expiresAt: number }>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)
  }

  // Atomic, as SET NX is: no await between the check and the write.
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false
    this.entries.set(key, { value, expiresAt: this.#now() + ttlMs })
    return true
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key)
  }

  #live(key: string): string | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined || entry.expiresAt <= this.#now()) return undefined
    return entry.value
  }
}
