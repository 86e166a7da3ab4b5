// The memory store as it was before its records moved into typed arrays (a Map of an object per
// record), kept as the model test/memory-store.test.ts checks the store against, operation by
// operation: the same answers, the same size, the same refusals.
import type { ClaimRequest, ClaimResult, CompleteRequest, DeliveryStore, MemoryDeliveryStoreOptions } from '../../src/index.js'

interface SignatureRecord {
  digest: string
  expiresAt: number
}

interface KeyRecord {
  delivered: boolean
  /** Failed runs so far (or runs, once delivered). */
  attempts: number
  answer: string | undefined
  /** The lock's owner, or undefined. */
  token: string | undefined
  lockExpiresAt: number
  /** How long the outcome must be remembered. */
  retainUntil: number
  /** When the record goes: the later of `retainUntil` and a held lock's expiry. */
  expiresAt: number
}

function newRecord(): KeyRecord {
  return { delivered: false, attempts: 0, answer: undefined, token: undefined, lockExpiresAt: 0, retainUntil: 0, expiresAt: 0 }
}

export class ReferenceMemoryStore implements DeliveryStore {
  readonly #signatures = new Map<string, SignatureRecord>()
  readonly #keys = new Map<string, KeyRecord>()
  readonly #maxEntries: number
  readonly #now: () => number
  #sweptAt = -Infinity
  /** Claims since expired records were last dropped from the front. */
  #sinceDrop = 0

  constructor(options: MemoryDeliveryStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 200_000
    this.#now = options.now ?? Date.now
  }

  /** How many records are held, expired ones not yet dropped included. */
  get size(): number {
    return this.#signatures.size + this.#keys.size
  }

  claim(request: ClaimRequest): ClaimResult {
    const now = this.#now()
    const seen = this.#live(this.#signatures, request.signature, now)
    if (seen !== undefined && seen.digest !== request.digest) return { status: 'replayed' }
    let record = this.#live(this.#keys, request.key, now)
    // Claim the room a callback needs (its signature and its key) before anything runs.
    const needed = (seen === undefined ? 1 : 0) + (record === undefined ? 1 : 0)
    if (needed > 0 && !this.#makeRoom(now, needed)) {
      throw new Error(`MemoryDeliveryStore is full: ${this.#maxEntries} records, none expired yet (raise maxEntries)`)
    }
    const retainUntil = now + request.retainMs
    if (seen === undefined) this.#signatures.set(request.signature, { digest: request.digest, expiresAt: retainUntil })
    else if (seen.expiresAt < retainUntil) seen.expiresAt = retainUntil
    const signatureSeen = seen !== undefined
    if (record?.delivered) {
      if (record.retainUntil < retainUntil) record.retainUntil = retainUntil
      if (record.expiresAt < retainUntil) record.expiresAt = retainUntil
      return { status: 'delivered', signatureSeen, answer: record.answer }
    }
    if (record !== undefined && record.token !== undefined && record.lockExpiresAt > now) {
      return { status: 'busy', signatureSeen }
    }
    if (record === undefined) {
      record = newRecord()
      this.#keys.set(request.key, record)
    }
    record.token = request.token
    record.lockExpiresAt = now + request.lockMs
    if (record.expiresAt < record.lockExpiresAt) record.expiresAt = record.lockExpiresAt
    return { status: 'claimed', signatureSeen, attempts: record.attempts }
  }

  complete(request: CompleteRequest): boolean {
    const now = this.#now()
    let record = this.#live(this.#keys, request.key, now)
    const held = record !== undefined && record.token === request.token && record.lockExpiresAt > now
    if (record === undefined) {
      // Expired while the listeners ran: its room was claimed, so it goes back even when full.
      record = newRecord()
      this.#keys.set(request.key, record)
    }
    if (!record.delivered) {
      record.delivered = request.outcome === 'delivered'
      record.attempts = Math.max(record.attempts, request.attempts)
      record.answer = request.answer
    }
    if (held) record.token = undefined
    record.retainUntil = Math.max(record.retainUntil, now + request.retainMs)
    record.expiresAt = record.token === undefined ? record.retainUntil : Math.max(record.retainUntil, record.lockExpiresAt)
    return held
  }

  renew(key: string, token: string, lockMs: number): boolean {
    const now = this.#now()
    const record = this.#live(this.#keys, key, now)
    if (record === undefined || record.token !== token || record.lockExpiresAt <= now) return false
    record.lockExpiresAt = now + lockMs
    if (record.expiresAt < record.lockExpiresAt) record.expiresAt = record.lockExpiresAt
    return true
  }

  release(key: string, token: string): void {
    const record = this.#keys.get(key)
    if (record?.token === token) record.token = undefined
  }

  #live<Entry extends { expiresAt: number }>(map: Map<string, Entry>, key: string, now: number): Entry | undefined {
    const entry = map.get(key)
    if (entry === undefined || entry.expiresAt > now) return entry
    map.delete(key)
    return undefined
  }

  // Drops expired records from the front of each map (insertion order, roughly oldest first) every
  // 64 claims and whenever full; when that is not enough, sweeps both whole, at most once a second
  // so a flood of refusals does not scan each time. Amortized O(1) per claim. Whether `needed` more fit.
  #makeRoom(now: number, needed: number): boolean {
    const fits = () => this.size + needed <= this.#maxEntries
    if (++this.#sinceDrop < 64 && fits()) return true
    this.#sinceDrop = 0
    dropExpiredFront(this.#signatures, now)
    dropExpiredFront(this.#keys, now)
    if (fits()) return true
    if (now - this.#sweptAt < 1000) return false
    this.#sweptAt = now
    for (const map of [this.#signatures, this.#keys] as Array<Map<string, { expiresAt: number }>>) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key)
    }
    return fits()
  }
}

function dropExpiredFront(map: Map<string, { expiresAt: number }>, now: number): void {
  for (const [key, entry] of map) {
    if (entry.expiresAt > now) return
    map.delete(key)
  }
}
