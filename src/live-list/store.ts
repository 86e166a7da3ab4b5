import type { RoomRecord } from './reduce.js'

/**
 * Where a `LiveStreamList` keeps its rooms: one plain-JSON record per room id, so a real database
 * can back it (a table of `room_id` -> JSON).
 *
 * Note: the list serializes updates to one room within a process; a store shared by several
 * processes must also make `get` then `set` of one room atomic (a transaction or a row lock).
 */
export interface LiveListStore {
  /** The record of `roomId`, or undefined. */
  get(roomId: string): Promise<RoomRecord | undefined>
  /** Saves the record of `roomId`. */
  set(roomId: string, record: RoomRecord): Promise<void>
  /** Forgets `roomId`. */
  delete(roomId: string): Promise<void>
  /** Every record. */
  all(): Promise<RoomRecord[]>
}

/** The default store: records in a Map, copied in and out so it behaves like a database. */
export class MemoryLiveListStore implements LiveListStore {
  readonly #rooms = new Map<string, RoomRecord>()

  async get(roomId: string): Promise<RoomRecord | undefined> {
    const record = this.#rooms.get(roomId)
    return record === undefined ? undefined : structuredClone(record)
  }

  async set(roomId: string, record: RoomRecord): Promise<void> {
    this.#rooms.set(roomId, structuredClone(record))
  }

  async delete(roomId: string): Promise<void> {
    this.#rooms.delete(roomId)
  }

  async all(): Promise<RoomRecord[]> {
    return [...this.#rooms.values()].map((record) => structuredClone(record))
  }
}
