import type { HeldCallback, LiveListStore, RoomHeader, RoomRead, RoomSnapshot, RoomUpdate, StreamRecord } from './store.js'

/** Options of a `MemoryLiveListStore`. */
export interface MemoryLiveListStoreOptions {
  /** The clock its time-to-lives run on, in ms; default `Date.now` (a `LiveStreamList` gives its default store its own). */
  now?: (() => number) | undefined
}

interface Entry<Value> {
  value: Value
  expiresAtMs: number
}

interface Room {
  version: string
  header: RoomHeader
  streams: Map<string, Entry<StreamRecord>>
  held: Map<number, Entry<HeldCallback>>
}

interface Expiring {
  atMs: number
  drop: () => void
}

/**
 * The default store: rooms in Maps, values copied in and out so it behaves like a database, each
 * write atomic (nothing awaits inside it), tombstones and held callbacks expired by its own clock.
 */
export class MemoryLiveListStore implements LiveListStore {
  readonly #rooms = new Map<string, Room>()
  readonly #now: () => number
  // What expires, in the order written. One list writes every entry with the same time-to-live,
  // so the front expires first: each write drops the expired front, amortized O(1), no timer. An
  // entry expired but not dropped yet (behind a longer-lived one) is never read.
  #expiring: Expiring[] = []
  #head = 0

  constructor(options: MemoryLiveListStoreOptions = {}) {
    this.#now = options.now ?? Date.now
  }

  async read(roomId: string, what: RoomRead): Promise<RoomSnapshot | undefined> {
    const room = this.#rooms.get(roomId)
    if (room === undefined) return undefined
    const now = this.#now()
    const streams: StreamRecord[] = []
    for (const streamId of what.streamIds) {
      const entry = room.streams.get(streamId)
      // With `live`, the live ones come in the loop below.
      if (entry !== undefined && entry.expiresAtMs > now && !(what.live && entry.value.live)) streams.push(structuredClone(entry.value))
    }
    if (what.live) {
      for (const entry of room.streams.values()) if (entry.value.live) streams.push(structuredClone(entry.value))
    }
    const held = what.held ? [...room.held.values()].filter((entry) => entry.expiresAtMs > now).map((entry) => structuredClone(entry.value)) : []
    return { version: room.version, header: structuredClone(room.header), streams, held }
  }

  async write(roomId: string, expected: string | undefined, update: RoomUpdate): Promise<boolean> {
    const room = this.#rooms.get(roomId)
    if (room?.version !== expected) return false
    const now = this.#now()
    this.#expire(now)
    if (update.header === null) {
      this.#rooms.delete(roomId)
      return true
    }
    const next: Room = room ?? { version: update.version, header: update.header, streams: new Map(), held: new Map() }
    if (update.clearStreams) next.streams = new Map()
    const expiresAtMs = now + update.ttlMs
    for (const record of update.streams) {
      const entry = { value: structuredClone(record), expiresAtMs: record.live ? Number.POSITIVE_INFINITY : expiresAtMs }
      next.streams.set(record.streamId, entry)
      if (!record.live) this.#expireLater(next.streams, record.streamId, entry)
    }
    for (const item of update.hold) {
      const entry = { value: structuredClone(item), expiresAtMs }
      next.held.set(item.id, entry)
      this.#expireLater(next.held, item.id, entry)
    }
    for (const id of update.release) next.held.delete(id)
    next.header = structuredClone(update.header)
    next.version = update.version
    this.#rooms.set(roomId, next)
    return true
  }

  async roomIds(): Promise<string[]> {
    return [...this.#rooms.keys()]
  }

  #expireLater<Key, Value>(map: Map<Key, Entry<Value>>, key: Key, entry: Entry<Value>): void {
    this.#expiring.push({
      atMs: entry.expiresAtMs,
      // Only if it was not replaced since (a cleared or forgotten room's maps are detached already).
      drop: () => {
        if (map.get(key) === entry) map.delete(key)
      },
    })
  }

  #expire(now: number): void {
    const queue = this.#expiring
    while (this.#head < queue.length) {
      const item = queue[this.#head] as Expiring
      if (item.atMs > now) break
      item.drop()
      this.#head += 1
    }
    if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#expiring = queue.slice(this.#head)
      this.#head = 0
    }
  }
}
