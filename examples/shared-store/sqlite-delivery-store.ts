// A DeliveryStore on SQLite, shared by every process that opens the same file: several instances
// of a service on one host deduplicate together, and delivery records survive a restart. Each step
// of the protocol is one transaction (BEGIN IMMEDIATE: one writer at a time across processes), the
// same shape a SQL database with row locks or a Redis script gives.
import Database from 'better-sqlite3'
import type { ClaimRequest, ClaimResult, CompleteRequest, DeliveryStore } from 'zego-callbacks'

interface KeyRow {
  delivered: number
  attempts: number
  answer: string | null
  token: string | null
  lock_expires_at: number
  retain_until: number
}

export class SqliteDeliveryStore implements DeliveryStore {
  readonly #db: Database.Database
  readonly #now: () => number
  readonly #claim: (request: ClaimRequest, now: number) => ClaimResult
  readonly #complete: (request: CompleteRequest, now: number) => boolean
  readonly #renew: (key: string, token: string, lockMs: number, now: number) => boolean
  readonly #release: Database.Statement<[string, string]>
  readonly #prune: (now: number) => void
  #writes = 0

  constructor(path: string, options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
    const db = (this.#db = new Database(path))
    db.pragma('journal_mode = WAL')
    // Another process may hold the write lock for a moment: wait for it rather than fail.
    db.pragma('busy_timeout = 5000')
    db.exec(`
      CREATE TABLE IF NOT EXISTS zego_signatures (signature TEXT PRIMARY KEY, digest TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS zego_keys (
        key TEXT PRIMARY KEY, delivered INTEGER NOT NULL, attempts INTEGER NOT NULL, answer TEXT,
        token TEXT, lock_expires_at INTEGER NOT NULL, retain_until INTEGER NOT NULL
      )`)
    const signature = db.prepare<[string, number], { digest: string }>('SELECT digest FROM zego_signatures WHERE signature = ? AND expires_at > ?')
    const remember = db.prepare<[string, string, number]>(
      `INSERT INTO zego_signatures (signature, digest, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(signature) DO UPDATE SET digest = excluded.digest, expires_at = MAX(expires_at, excluded.expires_at)`,
    )
    const read = db.prepare<[string, number], KeyRow>(
      'SELECT delivered, attempts, answer, token, lock_expires_at, retain_until FROM zego_keys WHERE key = ? AND MAX(retain_until, lock_expires_at) > ?',
    )
    const write = db.prepare<[string, number, number, string | null, string | null, number, number]>(
      `INSERT INTO zego_keys (key, delivered, attempts, answer, token, lock_expires_at, retain_until) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET delivered = excluded.delivered, attempts = excluded.attempts, answer = excluded.answer,
         token = excluded.token, lock_expires_at = excluded.lock_expires_at, retain_until = excluded.retain_until`,
    )
    const prune = db.prepare<[number]>('DELETE FROM zego_signatures WHERE expires_at <= ?')
    const pruneKeys = db.prepare<[number]>('DELETE FROM zego_keys WHERE MAX(retain_until, lock_expires_at) <= ?')
    this.#release = db.prepare('UPDATE zego_keys SET token = NULL WHERE key = ? AND token = ?')

    this.#claim = db
      .transaction((request: ClaimRequest, now: number): ClaimResult => {
        const seen = signature.get(request.signature, now)
        if (seen !== undefined && seen.digest !== request.digest) return { status: 'replayed' }
        const signatureSeen = seen !== undefined
        remember.run(request.signature, request.digest, now + request.retainMs)
        const row = read.get(request.key, now)
        if (row?.delivered) {
          write.run(request.key, 1, row.attempts, row.answer, row.token, row.lock_expires_at, Math.max(row.retain_until, now + request.retainMs))
          return { status: 'delivered', signatureSeen, answer: row.answer ?? undefined }
        }
        if (row !== undefined && row.token !== null && row.token !== request.token && row.lock_expires_at > now) {
          return { status: 'busy', signatureSeen }
        }
        write.run(request.key, 0, row?.attempts ?? 0, null, request.token, now + request.lockMs, row?.retain_until ?? 0)
        return { status: 'claimed', signatureSeen, attempts: row?.attempts ?? 0 }
      })
      .immediate.bind(null) as never
    this.#complete = db
      .transaction((request: CompleteRequest, now: number): boolean => {
        const row = read.get(request.key, now)
        const held = row !== undefined && row.token === request.token && row.lock_expires_at > now
        const delivered = row?.delivered === 1 || request.outcome === 'delivered'
        const keep = row?.delivered === 1
        write.run(
          request.key,
          delivered ? 1 : 0,
          keep ? (row?.attempts ?? 0) : Math.max(row?.attempts ?? 0, request.attempts),
          keep ? (row?.answer ?? null) : (request.answer ?? null),
          held ? null : (row?.token ?? null),
          row?.lock_expires_at ?? 0,
          Math.max(row?.retain_until ?? 0, now + request.retainMs),
        )
        return held
      })
      .immediate.bind(null) as never
    this.#renew = db
      .transaction((key: string, token: string, lockMs: number, now: number): boolean => {
        const row = read.get(key, now)
        if (row === undefined || row.token !== token || row.lock_expires_at <= now) return false
        write.run(key, row.delivered, row.attempts, row.answer, token, now + lockMs, row.retain_until)
        return true
      })
      .immediate.bind(null) as never
    this.#prune = (now: number) => {
      prune.run(now)
      pruneKeys.run(now)
    }
  }

  claim(request: ClaimRequest): ClaimResult {
    const now = this.#now()
    // Drop expired rows now and then, so the tables stay as small as the retention window.
    if (++this.#writes % 1000 === 0) this.#prune(now)
    return this.#claim(request, now)
  }

  complete(request: CompleteRequest): boolean {
    return this.#complete(request, this.#now())
  }

  renew(key: string, token: string, lockMs: number): boolean {
    return this.#renew(key, token, lockMs, this.#now())
  }

  release(key: string, token: string): void {
    this.#release.run(key, token)
  }

  /** Closes the database file. */
  close(): void {
    this.#db.close()
  }
}
