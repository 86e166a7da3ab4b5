// A LiveListStore on SQLite: one row per room, its record as JSON. The list serializes the
// get-then-set of one room within this process; several processes sharing the file would need a
// transaction around it (BEGIN IMMEDIATE) instead.
import Database from 'better-sqlite3'
import type { LiveListStore, RoomRecord } from 'zego-callbacks'

export class SqliteLiveListStore implements LiveListStore {
  readonly #db: Database.Database
  readonly #get: Database.Statement<[string], { record: string }>
  readonly #set: Database.Statement<[string, string]>
  readonly #delete: Database.Statement<[string]>
  readonly #all: Database.Statement<[], { record: string }>

  constructor(path: string) {
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    this.#db.exec('CREATE TABLE IF NOT EXISTS live_rooms (room_id TEXT PRIMARY KEY, record TEXT NOT NULL)')
    this.#get = this.#db.prepare('SELECT record FROM live_rooms WHERE room_id = ?')
    this.#set = this.#db.prepare(
      'INSERT INTO live_rooms (room_id, record) VALUES (?, ?) ON CONFLICT(room_id) DO UPDATE SET record = excluded.record',
    )
    this.#delete = this.#db.prepare('DELETE FROM live_rooms WHERE room_id = ?')
    this.#all = this.#db.prepare('SELECT record FROM live_rooms ORDER BY room_id')
  }

  async get(roomId: string): Promise<RoomRecord | undefined> {
    const row = this.#get.get(roomId)
    return row === undefined ? undefined : (JSON.parse(row.record) as RoomRecord)
  }

  async set(roomId: string, record: RoomRecord): Promise<void> {
    this.#set.run(roomId, JSON.stringify(record))
  }

  async delete(roomId: string): Promise<void> {
    this.#delete.run(roomId)
  }

  async all(): Promise<RoomRecord[]> {
    return this.#all.all().map((row) => JSON.parse(row.record) as RoomRecord)
  }

  close(): void {
    this.#db.close()
  }
}
