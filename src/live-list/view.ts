import type { HeldCallback, ListCallback, LiveStream, RoomHeader, RoomRead, RoomSnapshot, RoomUpdate, StreamRecord } from './store.js'

/** Thrown when a turn needs a part of the room it did not read: the list reads it and runs the turn again. */
export class MissingRead extends Error {
  constructor(readonly want: Partial<RoomRead>) {
    super('zego-callbacks LiveStreamList: a room turn needs more of the room')
  }
}

/** What `what` and `more` ask for together, or undefined when `more` asks for nothing new. */
export function widen(what: RoomRead, more: Partial<RoomRead>): RoomRead | undefined {
  const streamIds = [...new Set([...what.streamIds, ...(more.streamIds ?? [])])]
  const wider = { streamIds, live: what.live || more.live === true, held: what.held || more.held === true }
  const grew = streamIds.length > what.streamIds.length || wider.live !== what.live || wider.held !== what.held
  return grew ? wider : undefined
}

/** A room header with nothing in it yet. */
function emptyHeader(roomId: string, nowMs: number): RoomHeader {
  return { roomId, closedSessions: [], closedUntilMs: 0, lastEventMs: 0, heldFrom: 0, heldNext: 0, touchedAtMs: nowMs }
}

/**
 * One turn's view of a room: the header (a copy to change), the stream records and held callbacks
 * read, and the writes made. Asking for a part that was not read throws `MissingRead`; after
 * `clearStreams` (or for a room not stored yet) every record is known: there is none.
 */
export class RoomView {
  readonly header: RoomHeader
  readonly #stored: boolean
  readonly #before: string
  #records = new Map<string, StreamRecord | undefined>()
  #everyRecord: boolean
  #everyLive: boolean
  #held: HeldCallback[] | undefined
  readonly #writes = new Map<string, StreamRecord>()
  #cleared = false
  readonly #hold: HeldCallback[] = []
  readonly #release: number[] = []

  constructor(roomId: string, snapshot: RoomSnapshot | undefined, what: RoomRead, nowMs: number) {
    this.header = snapshot === undefined ? emptyHeader(roomId, nowMs) : structuredClone(snapshot.header)
    this.#stored = snapshot !== undefined
    this.#before = JSON.stringify(this.header)
    this.#everyRecord = snapshot === undefined
    this.#everyLive = snapshot === undefined || what.live
    const noneHeld = this.header.heldFrom >= this.header.heldNext
    this.#held = noneHeld ? [] : what.held && snapshot !== undefined ? [...snapshot.held] : undefined
    for (const streamId of what.streamIds) this.#records.set(streamId, undefined)
    for (const record of snapshot?.streams ?? []) this.#records.set(record.streamId, record)
  }

  /** The record of `streamId` in the current session, or undefined. */
  stream(streamId: string): StreamRecord | undefined {
    if (this.#records.has(streamId) || this.#everyRecord) return this.#records.get(streamId)
    throw new MissingRead({ streamIds: [streamId] })
  }

  /** The live streams of the room. */
  liveStreams(): LiveStream[] {
    if (!this.#everyLive) throw new MissingRead({ live: true })
    return [...this.#records.values()].flatMap((record) => (record?.live ? [record.live] : []))
  }

  /** Writes the record of its stream. */
  setStream(record: StreamRecord): void {
    this.#records.set(record.streamId, record)
    this.#writes.set(record.streamId, record)
  }

  /** Forgets every stream record of the room. */
  clearStreams(): void {
    this.#records = new Map()
    this.#writes.clear()
    this.#cleared = this.#everyRecord = this.#everyLive = true
  }

  /** The callbacks waiting in the room, oldest first. */
  held(): readonly HeldCallback[] {
    if (this.header.heldFrom >= this.header.heldNext) return []
    if (this.#held === undefined) throw new MissingRead({ held: true })
    return this.#held
  }

  /** Holds `callback`, releasing the oldest ones beyond `max`. */
  hold(callback: ListCallback, max: number): void {
    const item = { id: this.header.heldNext++, callback }
    this.#held?.push(item)
    this.#hold.push(item)
    while (this.header.heldNext - this.header.heldFrom > max) this.release(this.header.heldFrom++)
  }

  /** Removes a held callback. */
  release(id: number): void {
    const added = this.#hold.findIndex((item) => item.id === id)
    if (added >= 0) this.#hold.splice(added, 1)
    else this.#release.push(id)
    if (this.#held !== undefined) this.#held = this.#held.filter((item) => item.id !== id)
  }

  /** After reading every held callback: the window starts at the oldest one left (expired ones are gone). */
  settleHeld(): void {
    this.header.heldFrom = this.held()[0]?.id ?? this.header.heldNext
  }

  /**
   * The change set this turn made, or undefined when it changed nothing (a room not stored stays
   * so); `forget` drops the whole room.
   */
  update(forget: boolean, version: string, ttlMs: number): RoomUpdate | undefined {
    if (forget) return this.#stored ? { header: null, version, clearStreams: true, streams: [], hold: [], release: [], ttlMs } : undefined
    const unchanged =
      !this.#cleared && this.#writes.size === 0 && this.#hold.length === 0 && this.#release.length === 0 && JSON.stringify(this.header) === this.#before
    if (unchanged) return undefined
    return {
      header: this.header,
      version,
      clearStreams: this.#cleared,
      streams: [...this.#writes.values()],
      hold: this.#hold,
      release: this.#release,
      ttlMs,
    }
  }
}
