// A LiveListStore on SQLite: a row per room (its header and version), a row per stream record and
// one per held callback, so a callback reads and writes a few rows whatever the room's size. A read
// is one transaction; a write is one BEGIN IMMEDIATE transaction that first compares the room's
// version, so several processes can share the file. Tombstones and held callbacks carry their
// expiry time: reads skip expired rows, and each write deletes a few of them.
import Database from 'better-sqlite3'
import type { HeldCallback, LiveListStore, RoomRead, RoomSnapshot, RoomUpdate, StreamRecord } from 'zego-callbacks'

export interface SqliteLiveListStoreOptions {
  /** The clock expiry runs on, in ms; default `Date.now`. */
  now?: () => number
}

export class SqliteLiveListStore implements LiveListStore {
  readonly #db: Database.Database
  readonly #now: () => number
  readonly #read: (roomId: string, what: RoomRead, now: number) => RoomSnapshot | undefined
  readonly #write: (roomId: string, expected: string | undefined, update: RoomUpdate, now: number) => boolean
  readonly #roomIds: Database.Statement<[], { room_id: string }>

  constructor(path: string, options: SqliteLiveListStoreOptions = {}) {
    this.#now = options.now ?? Date.now
    const db = (this.#db = new Database(path))
    db.pragma('journal_mode = WAL')
    db.pragma('busy_timeout = 5000')
    db.exec(`
      CREATE TABLE IF NOT EXISTS live_list_rooms (room_id TEXT PRIMARY KEY, version TEXT NOT NULL, header TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS live_list_streams (
        room_id TEXT NOT NULL, stream_id TEXT NOT NULL, record TEXT NOT NULL, live INTEGER NOT NULL, expires_at INTEGER,
        PRIMARY KEY (room_id, stream_id));
      CREATE INDEX IF NOT EXISTS live_list_streams_live ON live_list_streams (room_id) WHERE live = 1;
      CREATE INDEX IF NOT EXISTS live_list_streams_expiry ON live_list_streams (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE IF NOT EXISTS live_list_held (
        room_id TEXT NOT NULL, id INTEGER NOT NULL, callback TEXT NOT NULL, expires_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, id));
      CREATE INDEX IF NOT EXISTS live_list_held_expiry ON live_list_held (expires_at);
    `)
    const room = db.prepare<[string], { version: string; header: string }>('SELECT version, header FROM live_list_rooms WHERE room_id = ?')
    const stream = db.prepare<[string, string, number], { record: string; live: number }>(
      'SELECT record, live FROM live_list_streams WHERE room_id = ? AND stream_id = ? AND (expires_at IS NULL OR expires_at > ?)',
    )
    const live = db.prepare<[string], { record: string }>('SELECT record FROM live_list_streams WHERE room_id = ? AND live = 1')
    const held = db.prepare<[string, number], { callback: string }>('SELECT callback FROM live_list_held WHERE room_id = ? AND expires_at > ? ORDER BY id')
    const insertRoom = db.prepare<[string, string, string]>('INSERT INTO live_list_rooms (room_id, version, header) VALUES (?, ?, ?)')
    const updateRoom = db.prepare<[string, string, string]>('UPDATE live_list_rooms SET version = ?, header = ? WHERE room_id = ?')
    const deleteRoom = db.prepare<[string]>('DELETE FROM live_list_rooms WHERE room_id = ?')
    const clearStreams = db.prepare<[string]>('DELETE FROM live_list_streams WHERE room_id = ?')
    const clearHeld = db.prepare<[string]>('DELETE FROM live_list_held WHERE room_id = ?')
    const putStream = db.prepare<[string, string, string, number, number | null]>(
      `INSERT INTO live_list_streams (room_id, stream_id, record, live, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (room_id, stream_id) DO UPDATE SET record = excluded.record, live = excluded.live, expires_at = excluded.expires_at`,
    )
    const hold = db.prepare<[string, number, string, number]>('INSERT OR REPLACE INTO live_list_held (room_id, id, callback, expires_at) VALUES (?, ?, ?, ?)')
    const release = db.prepare<[string, number]>('DELETE FROM live_list_held WHERE room_id = ? AND id = ?')
    const purgeStreams = db.prepare<[number]>(
      'DELETE FROM live_list_streams WHERE rowid IN (SELECT rowid FROM live_list_streams WHERE expires_at <= ? LIMIT 64)',
    )
    const purgeHeld = db.prepare<[number]>('DELETE FROM live_list_held WHERE rowid IN (SELECT rowid FROM live_list_held WHERE expires_at <= ? LIMIT 64)')
    this.#roomIds = db.prepare('SELECT room_id FROM live_list_rooms ORDER BY room_id')

    this.#read = db.transaction((roomId: string, what: RoomRead, now: number): RoomSnapshot | undefined => {
      const row = room.get(roomId)
      if (row === undefined) return undefined
      const streams: StreamRecord[] = []
      for (const streamId of what.streamIds) {
        const found = stream.get(roomId, streamId, now)
        // With `live`, the live ones come below.
        if (found !== undefined && !(what.live && found.live === 1)) streams.push(JSON.parse(found.record) as StreamRecord)
      }
      if (what.live) for (const found of live.all(roomId)) streams.push(JSON.parse(found.record) as StreamRecord)
      const waiting = what.held ? held.all(roomId, now).map((found) => JSON.parse(found.callback) as HeldCallback) : []
      return { version: row.version, header: JSON.parse(row.header) as RoomSnapshot['header'], streams, held: waiting }
    })

    const write = db.transaction((roomId: string, expected: string | undefined, update: RoomUpdate, now: number): boolean => {
      const row = room.get(roomId)
      if (row?.version !== expected) return false
      purgeStreams.run(now)
      purgeHeld.run(now)
      if (update.header === null) {
        deleteRoom.run(roomId)
        clearStreams.run(roomId)
        clearHeld.run(roomId)
        return true
      }
      const header = JSON.stringify(update.header)
      if (row === undefined) insertRoom.run(roomId, update.version, header)
      else updateRoom.run(update.version, header, roomId)
      if (update.clearStreams) clearStreams.run(roomId)
      const expiresAt = now + update.ttlMs
      for (const record of update.streams) {
        putStream.run(roomId, record.streamId, JSON.stringify(record), record.live ? 1 : 0, record.live ? null : expiresAt)
      }
      for (const item of update.hold) hold.run(roomId, item.id, JSON.stringify(item), expiresAt)
      for (const id of update.release) release.run(roomId, id)
      return true
    })
    this.#write = (...args) => write.immediate(...args)
  }

  async read(roomId: string, what: RoomRead): Promise<RoomSnapshot | undefined> {
    return this.#read(roomId, what, this.#now())
  }

  async write(roomId: string, expected: string | undefined, update: RoomUpdate): Promise<boolean> {
    return this.#write(roomId, expected, update, this.#now())
  }

  async roomIds(): Promise<string[]> {
    return this.#roomIds.all().map((row) => row.room_id)
  }

  close(): void {
    this.#db.close()
  }
}
