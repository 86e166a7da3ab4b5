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

// The memory store keeps its records in typed arrays, a row per record, rather than a Map of an
// object and strings per record: a store of 200 000 records then holds nothing per callback for the
// garbage collector to copy, promote and mark again and again (with 100 000 callbacks held that cost
// about 18 000 instructions a callback; `npm run bench:store -- --callgrind`). A row keeps its
// strings as bytes in a fixed room when they are ASCII and fit (a signature and its digest take 83),
// as strings otherwise. Rows are found through an open-addressing hash table, the text compared in full.

/** Bytes of text a row keeps in place. */
const TEXT = 96
const SIGNATURE = 1
const KEY = 2
const NONE = -1

/**
 * The default store: records in this process, synchronous, with a time to live each and a cap on
 * their number, so memory stays flat under a flood.
 *
 * Note: it deduplicates only within one process and is emptied by a restart. It never forgets a
 * record before it expires: when full, it refuses new callbacks (503) until records expire.
 */
export class MemoryDeliveryStore implements DeliveryStore {
  readonly #maxEntries: number
  readonly #now: () => number
  #sweptAt = -Infinity
  /** Claims since expired records were last dropped from the front. */
  #sinceDrop = 0
  #size = 0
  /** The first free row, each free row naming the next in `#next`. */
  #free = NONE
  /** Each kind's rows in the order they were added (oldest first), linked through `#next` and `#prev`. */
  readonly #first = [NONE, NONE, NONE]
  readonly #last = [NONE, NONE, NONE]
  // One row per record, across these arrays; a free row has kind 0.
  #kind = new Uint8Array(0)
  #hash = new Int32Array(0)
  #next = new Int32Array(0)
  #prev = new Int32Array(0)
  /** The name's length (the signature's or the key's) when its text is in `#text`, or NONE. */
  #nameLength = new Int32Array(0)
  /** The digest's length when its text is in `#text` after the name's, or NONE. */
  #digestLength = new Int32Array(0)
  #text = new Uint8Array(0)
  #expiresAt = new Float64Array(0)
  // A key's record:
  #delivered = new Uint8Array(0)
  /** Failed runs so far (or runs, once delivered). */
  #attempts = new Float64Array(0)
  #lockExpiresAt = new Float64Array(0)
  /** How long the outcome must be remembered. */
  #retainUntil = new Float64Array(0)
  /** The lock's owner, or undefined. */
  #tokens: Array<string | undefined> = []
  #answers: Array<string | undefined> = []
  /** A name or digest kept as a string: not ASCII, or longer than what is left of its row. */
  #names: Array<string | undefined> = []
  #digests: Array<string | undefined> = []
  /** The hash table: a row's number plus one, or 0 for an empty slot; twice as many slots as rows. */
  #slots = new Int32Array(0)
  /** The key last claimed and its row, until the row is dropped: its completion need not look it up. */
  #claimedKey: string | undefined
  #claimedRow = NONE

  /** Throws a `TypeError` when `maxEntries` is not an integer of at least 2 (one callback's records). */
  constructor(options: MemoryDeliveryStoreOptions = {}) {
    const { maxEntries = 200_000 } = options
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 2) {
      throw new TypeError(`zego-callbacks: \`maxEntries\` must be an integer of at least 2 (two records per callback), got ${String(maxEntries)}`)
    }
    this.#maxEntries = maxEntries
    this.#now = options.now ?? Date.now
    this.#grow(256)
  }

  /** How many records are held, expired ones not yet dropped included. */
  get size(): number {
    return this.#size
  }

  claim(request: ClaimRequest): ClaimResult {
    // The request's strings are written into two free rows first: a new record is then already in
    // place, and a lookup compares bytes with bytes. The rows not taken go back.
    const signatureRow = this.#take()
    const keyRow = this.#take()
    try {
      return this.#claim(request, signatureRow, keyRow)
    } finally {
      this.#giveBack(keyRow)
      this.#giveBack(signatureRow)
    }
  }

  #claim(request: ClaimRequest, signatureRow: number, keyRow: number): ClaimResult {
    const now = this.#now()
    const seen = this.#live(SIGNATURE, signatureRow, this.#stage(signatureRow, SIGNATURE, request.signature, request.digest), now)
    if (seen !== NONE && !this.#same(this.#digestLength, this.#digests, seen, signatureRow, Math.max(this.#nameLength[seen] as number, 0))) return { status: 'replayed' }
    let record = this.#live(KEY, keyRow, this.#stage(keyRow, KEY, request.key, ''), now)
    // Claim the room a callback needs (its signature and its key) before anything runs.
    const needed = (seen === NONE ? 1 : 0) + (record === NONE ? 1 : 0)
    if (needed > 0 && !this.#makeRoom(now, needed)) {
      throw new Error(`MemoryDeliveryStore is full: ${this.#maxEntries} records, none expired yet (raise maxEntries)`)
    }
    const expiresAt = this.#expiresAt
    const retainUntil = now + request.retainMs
    if (seen === NONE) expiresAt[this.#add(signatureRow, SIGNATURE)] = retainUntil
    else if ((expiresAt[seen] as number) < retainUntil) expiresAt[seen] = retainUntil
    const signatureSeen = seen !== NONE
    if (record !== NONE && this.#delivered[record] === 1) {
      if ((this.#retainUntil[record] as number) < retainUntil) this.#retainUntil[record] = retainUntil
      if ((expiresAt[record] as number) < retainUntil) expiresAt[record] = retainUntil
      return { status: 'delivered', signatureSeen, answer: this.#answers[record] }
    }
    if (record !== NONE && this.#tokens[record] !== undefined && (this.#lockExpiresAt[record] as number) > now) {
      return { status: 'busy', signatureSeen }
    }
    if (record === NONE) record = this.#add(keyRow, KEY)
    this.#claimedKey = request.key
    this.#claimedRow = record
    this.#tokens[record] = request.token
    const lockExpiresAt = (this.#lockExpiresAt[record] = now + request.lockMs)
    if ((expiresAt[record] as number) < lockExpiresAt) expiresAt[record] = lockExpiresAt
    return { status: 'claimed', signatureSeen, attempts: this.#attempts[record] as number }
  }

  complete(request: CompleteRequest): boolean {
    const now = this.#now()
    // The key completed is most often the one claimed last, whose row is known.
    let record = request.key === this.#claimedKey ? this.#claimedRow : NONE
    if (record !== NONE && (this.#expiresAt[record] as number) <= now) {
      this.#drop(record)
      record = NONE
    }
    const staged = record === NONE ? this.#take() : NONE
    if (staged !== NONE) record = this.#live(KEY, staged, this.#stage(staged, KEY, request.key, ''), now)
    const held = record !== NONE && this.#tokens[record] === request.token && (this.#lockExpiresAt[record] as number) > now
    // Expired while the listeners ran: its room was claimed, so it goes back even when full.
    if (record === NONE) record = this.#add(staged, KEY)
    if (staged !== NONE) this.#giveBack(staged)
    if (this.#delivered[record] === 0) {
      this.#delivered[record] = request.outcome === 'delivered' ? 1 : 0
      this.#attempts[record] = Math.max(this.#attempts[record] as number, request.attempts)
      this.#answers[record] = request.answer
    }
    if (held) this.#tokens[record] = undefined
    const retainUntil = (this.#retainUntil[record] = Math.max(this.#retainUntil[record] as number, now + request.retainMs))
    this.#expiresAt[record] = this.#tokens[record] === undefined ? retainUntil : Math.max(retainUntil, this.#lockExpiresAt[record] as number)
    return held
  }

  renew(key: string, token: string, lockMs: number): boolean {
    const now = this.#now()
    const staged = this.#take()
    const record = this.#live(KEY, staged, this.#stage(staged, KEY, key, ''), now)
    this.#giveBack(staged)
    if (record === NONE || this.#tokens[record] !== token || (this.#lockExpiresAt[record] as number) <= now) return false
    const lockExpiresAt = (this.#lockExpiresAt[record] = now + lockMs)
    if ((this.#expiresAt[record] as number) < lockExpiresAt) this.#expiresAt[record] = lockExpiresAt
    return true
  }

  release(key: string, token: string): void {
    const staged = this.#take()
    const record = this.#find(KEY, staged, this.#stage(staged, KEY, key, ''))
    this.#giveBack(staged)
    if (record !== NONE && this.#tokens[record] === token) this.#tokens[record] = undefined
  }

  // The row of an unexpired record whose name is the one staged in row `staged`, or NONE; an
  // expired one found is dropped.
  #live(kind: number, staged: number, hash: number, now: number): number {
    const row = this.#find(kind, staged, hash)
    if (row === NONE || (this.#expiresAt[row] as number) > now) return row
    this.#drop(row)
    return NONE
  }

  #find(kind: number, staged: number, hash: number): number {
    const slots = this.#slots
    const mask = slots.length - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const row = (slots[slot] as number) - 1
      if (row === NONE) return NONE
      if (this.#hash[row] === hash && this.#kind[row] === kind && this.#same(this.#nameLength, this.#names, row, staged, 0)) return row
    }
  }

  // Writes `name` and `digest` into the taken row `row`, each as bytes when it is ASCII and fits
  // what is left of the row, as a string otherwise, and returns the name's hash. A name's form
  // depends on the name alone, a digest's on the name's and its own: equal texts take one form.
  #stage(row: number, kind: number, name: string, digest: string): number {
    const at = row * TEXT
    const nameLength = (this.#nameLength[row] = this.#write(at, at + TEXT, name))
    this.#names[row] = nameLength === NONE ? name : undefined
    const digestLength = (this.#digestLength[row] = this.#write(at + Math.max(nameLength, 0), at + TEXT, digest))
    this.#digests[row] = digestLength === NONE ? digest : undefined
    let hash = 0x811c9dc5 ^ kind
    for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193)
    hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b)
    return (this.#hash[row] = hash ^ (hash >>> 16))
  }

  // Writes `text` as bytes from `from`, not past `to`; its length when it is ASCII and fits (one
  // byte a character), or NONE. Character by character: for the 40 to 60 characters of a name or
  // digest that costs less than encodeInto's view and result objects and its call into C++.
  #write(from: number, to: number, text: string): number {
    const length = text.length
    if (length > to - from) return NONE
    const bytes = this.#text
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i)
      if (code > 0x7f) return NONE
      bytes[from + i] = code
    }
    return length
  }

  // Whether rows `row` and `staged` hold the same name (at 0 in each row, lengths and strings from
  // `lengths` and `strings`) or the same digest (at `from`): the same bytes, or the same string.
  #same(lengths: Int32Array, strings: Array<string | undefined>, row: number, staged: number, from: number): boolean {
    const length = lengths[row] as number
    if (length !== lengths[staged]) return false
    if (length === NONE) return strings[row] === strings[staged]
    const text = this.#text
    for (let a = row * TEXT + from, b = staged * TEXT + from, end = a + length; a < end; a++, b++) if (text[a] !== text[b]) return false
    return true
  }

  // A free row, out of the free list (growing the arrays when none is left).
  #take(): number {
    if (this.#free === NONE) this.#grow(this.#kind.length * 2)
    const row = this.#free
    this.#free = this.#next[row] as number
    return row
  }

  // Puts a taken row back on the free list, unless it became a record.
  #giveBack(row: number): void {
    if (this.#kind[row] !== 0) return
    this.#names[row] = undefined
    this.#digests[row] = undefined
    this.#next[row] = this.#free
    this.#free = row
  }

  // Makes the staged row `row` a record of `kind`, last in its kind's order, its other fields zero.
  #add(row: number, kind: number): number {
    this.#kind[row] = kind
    this.#expiresAt[row] = 0
    this.#delivered[row] = 0
    this.#attempts[row] = 0
    this.#lockExpiresAt[row] = 0
    this.#retainUntil[row] = 0
    const last = this.#last[kind] as number
    this.#prev[row] = last
    this.#next[row] = NONE
    if (last === NONE) this.#first[kind] = row
    else this.#next[last] = row
    this.#last[kind] = row
    this.#place(row)
    this.#size++
    return row
  }

  // Puts row `row` in the hash table, in the first empty slot from its hash on (linear probing).
  #place(row: number): void {
    const slots = this.#slots
    const mask = slots.length - 1
    let slot = (this.#hash[row] as number) & mask
    while (slots[slot] !== 0) slot = (slot + 1) & mask
    slots[slot] = row + 1
  }

  #drop(row: number): void {
    const kind = this.#kind[row] as number
    const prev = this.#prev[row] as number
    const next = this.#next[row] as number
    if (prev === NONE) this.#first[kind] = next
    else this.#next[prev] = next
    if (next === NONE) this.#last[kind] = prev
    else this.#prev[next] = prev
    // Take the row out of the hash table, moving back the slots after it that would no longer be
    // found past the hole (linear probing without tombstones).
    const slots = this.#slots
    const mask = slots.length - 1
    let hole = (this.#hash[row] as number) & mask
    while (slots[hole] !== row + 1) hole = (hole + 1) & mask
    for (let slot = (hole + 1) & mask; slots[slot] !== 0; slot = (slot + 1) & mask) {
      const home = (this.#hash[(slots[slot] as number) - 1] as number) & mask
      // The entry moves to the hole unless its home lies cyclically within (hole, slot].
      if (((slot - home) & mask) >= ((slot - hole) & mask)) {
        slots[hole] = slots[slot] as number
        hole = slot
      }
    }
    slots[hole] = 0
    if (row === this.#claimedRow) this.#claimedKey = undefined
    this.#kind[row] = 0
    this.#tokens[row] = undefined
    this.#answers[row] = undefined
    this.#giveBack(row)
    this.#size--
  }

  // Room for `rows` rows in every array and twice as many slots, the new rows free.
  #grow(rows: number): void {
    const from = this.#kind.length
    const wider = <T extends Uint8Array | Int32Array | Float64Array>(array: T, make: new (length: number) => T, size = rows): T => {
      const grown = new make(size)
      grown.set(array)
      return grown
    }
    this.#kind = wider(this.#kind, Uint8Array)
    this.#hash = wider(this.#hash, Int32Array)
    this.#next = wider(this.#next, Int32Array)
    this.#prev = wider(this.#prev, Int32Array)
    this.#nameLength = wider(this.#nameLength, Int32Array)
    this.#digestLength = wider(this.#digestLength, Int32Array)
    this.#text = wider(this.#text, Uint8Array, rows * TEXT)
    this.#expiresAt = wider(this.#expiresAt, Float64Array)
    this.#delivered = wider(this.#delivered, Uint8Array)
    this.#attempts = wider(this.#attempts, Float64Array)
    this.#lockExpiresAt = wider(this.#lockExpiresAt, Float64Array)
    this.#retainUntil = wider(this.#retainUntil, Float64Array)
    for (let row = rows - 1; row >= from; row--) {
      this.#next[row] = this.#free
      this.#free = row
    }
    this.#slots = new Int32Array(rows * 2)
    for (let row = 0; row < from; row++) if (this.#kind[row] !== 0) this.#place(row)
  }

  // Drops expired records from the front of each kind's order (roughly oldest first) every 64
  // claims and whenever full; when that is not enough, sweeps both whole, at most once a second so
  // a flood of refusals does not scan each time. Amortized O(1) per claim. Whether `needed` more fit.
  #makeRoom(now: number, needed: number): boolean {
    if (++this.#sinceDrop < 64 && this.#size + needed <= this.#maxEntries) return true
    this.#sinceDrop = 0
    this.#dropExpired(SIGNATURE, now, false)
    this.#dropExpired(KEY, now, false)
    if (this.#size + needed <= this.#maxEntries) return true
    if (now - this.#sweptAt < 1000) return false
    this.#sweptAt = now
    this.#dropExpired(SIGNATURE, now, true)
    this.#dropExpired(KEY, now, true)
    return this.#size + needed <= this.#maxEntries
  }

  // Drops the expired records of `kind` from the front of its order, or from all of it when `all`.
  #dropExpired(kind: number, now: number, all: boolean): void {
    for (let row = this.#first[kind] as number; row !== NONE; ) {
      const next = this.#next[row] as number
      if ((this.#expiresAt[row] as number) <= now) this.#drop(row)
      else if (!all) return
      row = next
    }
  }
}
