/** What a receiver asks the store when a verified callback arrives: one atomic step. */
export interface ClaimRequest {
  /** The callback's delivery key: the same for every delivery of one callback. */
  key: string
  /** What identifies this signed request (the signature in lowercase hex). */
  signature: string
  /** A digest of this request's body. */
  digest: string
  /** A token naming this attempt: the lock's value while it holds the key. */
  token: string
  /** How long to remember the signature, and a delivered key at least, in milliseconds. */
  retainMs: number
  /** How long the lock lasts unless renewed, in milliseconds. */
  lockMs: number
}

/** What a claim found, and did. */
export type ClaimResult =
  /** The signature was seen before with another body; nothing was changed. */
  | { status: 'replayed' }
  /** The key was delivered already; its record now lasts at least `retainMs` more. */
  | { status: 'delivered'; signatureSeen: boolean; answer: string | undefined }
  /** Another attempt holds the key's lock. */
  | { status: 'busy'; signatureSeen: boolean }
  /** The lock is this attempt's now; `attempts` earlier runs failed. */
  | { status: 'claimed'; signatureSeen: boolean; attempts: number }

/** What a receiver tells the store once the listeners ran: one atomic step. */
export interface CompleteRequest {
  key: string
  /** The token of the attempt that claimed the key. */
  token: string
  /** `'delivered'` (or acknowledged), or `'failed'` (a retry runs the listeners again). */
  outcome: 'delivered' | 'failed'
  /** How many runs there have been, this one included. */
  attempts: number
  /** The answer body the listeners gave (JSON text), repeated to every duplicate. */
  answer: string | undefined
  /** How long to remember the outcome, in milliseconds. */
  retainMs: number
}

/**
 * Where delivery records live, as a protocol of one claim and one completion per callback, so a
 * shared store (Redis, SQL) costs two round trips for a new callback and one for a duplicate.
 * Every method may be async, may fail (answered 503 before the listeners ran), and must be atomic.
 *
 * `claim` in one step: if `signature` is known with another digest, answer `replayed` and change
 * nothing; otherwise remember `signature` with `digest` for `retainMs` if it is new, then, if `key`
 * is delivered, extend its record to last `retainMs` more and answer `delivered` (with its answer);
 * if another token's lock on `key` is unexpired, answer `busy`; otherwise set the lock to `token`
 * for `lockMs` and answer `claimed` with the number of failed runs so far. `signatureSeen` says
 * whether the signature was known before this claim.
 *
 * Note: several instances of a service must share one store; a per-process store deduplicates
 * only what reaches that process. A store of the 1.0 shape (`get`, `setIfAbsent`, `delete`) is
 * still accepted: see `keyValueDeliveryStore`.
 */
export interface DeliveryStore {
  /** Checks the signature and takes the key's lock, or says why not (see above). */
  claim(request: ClaimRequest): ClaimResult | Promise<ClaimResult>
  /**
   * Records the outcome for `retainMs` and releases the lock, if `token` still holds it; resolves
   * whether it did (false: the lock had expired and another attempt may have taken the key).
   * The outcome is recorded either way.
   */
  complete(request: CompleteRequest): boolean | Promise<boolean>
  /** Extends the lock to `lockMs` from now if `token` holds it; resolves whether it does. */
  renew(key: string, token: string, lockMs: number): boolean | Promise<boolean>
  /** Releases the lock if `token` holds it, recording nothing. */
  release(key: string, token: string): void | Promise<void>
}

/** Options of `MemoryDeliveryStore`. */
export interface MemoryDeliveryStoreOptions {
  /**
   * Most records kept (two per callback: its signature and its key). When every one is still
   * needed, a new callback is refused (503, so ZEGO retries) rather than any record forgotten.
   * At least 2; default 200000 (about 40 MB).
   */
  maxEntries?: number | undefined
  /** The clock, in milliseconds since the epoch; default `Date.now`. */
  now?: (() => number) | undefined
}

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

/**
 * The default store: records in this process, synchronous, with a time to live each and a cap on
 * their number, so memory stays flat under a flood.
 *
 * Note: it deduplicates only within one process and is emptied by a restart. It never forgets a
 * record before it expires: when full, it refuses new callbacks (503) until records expire.
 */
export class MemoryDeliveryStore implements DeliveryStore {
  readonly #signatures = new Map<string, SignatureRecord>()
  readonly #keys = new Map<string, KeyRecord>()
  readonly #maxEntries: number
  readonly #now: () => number
  #sweptAt = -Infinity
  /** Claims since expired records were last dropped from the front. */
  #sinceDrop = 0

  /** Throws a `TypeError` when `maxEntries` is not an integer of at least 2 (one callback's records). */
  constructor(options: MemoryDeliveryStoreOptions = {}) {
    const { maxEntries = 200_000 } = options
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 2) {
      throw new TypeError(`zego-callbacks: \`maxEntries\` must be an integer of at least 2 (two records per callback), got ${String(maxEntries)}`)
    }
    this.#maxEntries = maxEntries
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
