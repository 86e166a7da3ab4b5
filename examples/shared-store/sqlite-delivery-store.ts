// A DeliveryStore on SQLite, shared by every process that opens the same file: several instances
// of a service on one host deduplicate together, and delivery records survive a restart. For
// instances on several hosts, the same three statements map onto Redis (SET NX PX, GET, DEL) or
// any SQL database with a unique key.
import Database from 'better-sqlite3'
import type { KeyValueStore } from 'zego-callbacks'

export class SqliteDeliveryStore implements KeyValueStore {
  readonly #db: Database.Database
  readonly #now: () => number
  readonly #get: Database.Statement<[string, number], { value: string }>
  readonly #setIfAbsent: Database.Statement<[string, string, number, number]>
  readonly #delete: Database.Statement<[string]>
  readonly #prune: Database.Statement<[number]>
  #writes = 0

  constructor(path: string, options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    // Another process may hold the write lock for a moment: wait for it rather than fail.
    this.#db.pragma('busy_timeout = 5000')
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS zego_delivery (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL)',
    )
    this.#get = this.#db.prepare('SELECT value FROM zego_delivery WHERE key = ? AND expires_at > ?')
    // One statement, so it is atomic across processes: insert, or take over an expired row only.
    this.#setIfAbsent = this.#db.prepare(
      `INSERT INTO zego_delivery (key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE zego_delivery.expires_at <= ?`,
    )
    this.#delete = this.#db.prepare('DELETE FROM zego_delivery WHERE key = ?')
    this.#prune = this.#db.prepare('DELETE FROM zego_delivery WHERE expires_at <= ?')
  }

  async get(key: string): Promise<string | undefined> {
    return this.#get.get(key, this.#now())?.value
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const now = this.#now()
    const { changes } = this.#setIfAbsent.run(key, value, now + ttlMs, now)
    // Drop expired rows now and then, so the table stays as small as the retention window.
    if (++this.#writes % 1000 === 0) this.#prune.run(now)
    return changes > 0
  }

  async delete(key: string): Promise<void> {
    this.#delete.run(key)
  }

  /** Closes the database file. */
  close(): void {
    this.#db.close()
  }
}
