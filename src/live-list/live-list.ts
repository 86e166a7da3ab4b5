import { EventEmitter } from 'eventemitter3'
import type { RoomClosedEvent } from '../events/room-closed.js'
import type { RoomCreatedEvent } from '../events/room-created.js'
import type { StreamClosedEvent } from '../events/stream-closed.js'
import type { StreamCreatedEvent } from '../events/stream-created.js'
import type { ZegoEventSource } from '../receiver.js'
import {
  applyCallback,
  emptyRoom,
  hasLiveStreams,
  pruneTombstones,
  reconcileSession,
  type ApplyOutcome,
  type ListCallback,
  type LiveListChange,
  type LiveListMode,
  type LiveStream,
  type RoomRecord,
} from './reduce.js'
import { MemoryLiveListStore, type LiveListStore } from './store.js'

/** Options of a `LiveStreamList`. */
export interface LiveStreamListOptions {
  /** `'streams'` (default) when the project sends only stream callbacks; `'rooms'` when it also sends room callbacks. */
  mode?: LiveListMode | undefined
  /** Where the rooms are kept; default an in-memory store. */
  store?: LiveListStore | undefined
  /** How long a callback may wait for its room session, in ms; default 120000 (ZEGO's retries span about 62 s). */
  holdTtlMs?: number | undefined
  /** At most this many waiting callbacks per room; the oldest go first. Default 256. */
  maxHeldPerRoom?: number | undefined
  /** `sweep()` closes rooms without any callback for this long, in ms (a lost close); default: never. */
  roomTtlMs?: number | undefined
  /** How often the list sweeps by itself, in ms; default 60000; 0 turns it off (then call `sweep()`). */
  sweepEveryMs?: number | undefined
  /** The clock in ms; default `Date.now`. */
  now?: (() => number) | undefined
}

/** A room of the list and its live streams. */
export interface LiveRoom {
  roomId: string
  roomSessionId: string
  streams: LiveStream[]
}

/** What `apply` did with one callback. */
export interface ApplyResult {
  /** Applied, held until its room session is known, dropped as stale or a repeat, or ignored in this mode. */
  outcome: ApplyOutcome
  /** The changes it caused, held callbacks it released included. */
  changes: LiveListChange[]
}

/** The change events a `LiveStreamList` emits, each with its change. */
export interface LiveListEventMap {
  roomOpened: Extract<LiveListChange, { type: 'roomOpened' }>
  roomClosed: Extract<LiveListChange, { type: 'roomClosed' }>
  streamLive: Extract<LiveListChange, { type: 'streamLive' }>
  streamUpdated: Extract<LiveListChange, { type: 'streamUpdated' }>
  streamEnded: Extract<LiveListChange, { type: 'streamEnded' }>
}

type ListEvent = StreamCreatedEvent | StreamClosedEvent | RoomCreatedEvent | RoomClosedEvent

/**
 * The rooms that exist and the streams live in each, kept right when ZEGO's callbacks arrive out of
 * order or twice: callbacks for a session not known yet are held, stale ones and repeats dropped,
 * recreated streams updated in place.
 *
 * Note: it repairs reordering, not loss (ZEGO's own caveat): a close that never arrives leaves a
 * room open until the app reconciles it (`closeRoom`, or `roomTtlMs` with `sweep`).
 */
export class LiveStreamList {
  /** Where room sessions are learnt from. */
  readonly mode: LiveListMode
  readonly #store: LiveListStore
  readonly #holdTtlMs: number
  readonly #maxHeld: number
  readonly #roomTtlMs: number | undefined
  readonly #now: () => number
  readonly #emitter = new EventEmitter()
  readonly #locks = new Map<string, Promise<unknown>>()
  readonly #notifying = new Map<string, Promise<void>>()
  readonly #sweeper: ReturnType<typeof setInterval> | undefined

  constructor(options: LiveStreamListOptions = {}) {
    this.mode = options.mode ?? 'streams'
    if (this.mode !== 'rooms' && this.mode !== 'streams') {
      throw new TypeError(`zego-callbacks: LiveStreamList \`mode\` is 'rooms' or 'streams', got ${String(this.mode)}`)
    }
    this.#store = options.store ?? new MemoryLiveListStore()
    this.#holdTtlMs = options.holdTtlMs ?? 120_000
    this.#maxHeld = options.maxHeldPerRoom ?? 256
    this.#roomTtlMs = options.roomTtlMs
    this.#now = options.now ?? Date.now
    const every = options.sweepEveryMs ?? 60_000
    if (!Number.isInteger(every) || every < 0 || every > 2 ** 31 - 1) {
      throw new TypeError(`zego-callbacks: LiveStreamList \`sweepEveryMs\` is a whole number of ms from 0 (off) to 2^31-1, got ${String(every)}`)
    }
    if (every > 0) {
      this.#sweeper = setInterval(() => {
        this.sweep().catch((error: unknown) => warn('sweep failed', error))
      }, every)
      this.#sweeper.unref?.()
    }
  }

  /** Stops the periodic sweep (the list keeps working; nothing else holds the process open). */
  stop(): void {
    clearInterval(this.#sweeper)
  }

  /**
   * Subscribes to the callbacks the list needs (`streamCreated`, `streamClosed`, and in room mode
   * `roomCreated`, `roomClosed`) on a middleware or receiver; a store failure answers 500, so ZEGO retries.
   */
  attach(source: ZegoEventSource<unknown>): this {
    const apply = async (event: ListEvent): Promise<void> => {
      await this.apply(event)
    }
    source.on('streamCreated', apply)
    source.on('streamClosed', apply)
    if (this.mode === 'rooms') {
      source.on('roomCreated', apply)
      source.on('roomClosed', apply)
    }
    return this
  }

  /**
   * Applies one callback and resolves once it is stored; its changes then go to the change
   * listeners, in order for each room (`settled()` waits for them).
   */
  async apply(event: ListEvent): Promise<ApplyResult> {
    const { raw: _raw, ...callback } = event
    return this.#withRoom(event.roomId, (room, now) => {
      const result = applyCallback(room, callback as ListCallback, this.mode, now)
      this.#expireHeld(room, now)
      return result
    })
  }

  /** Every live stream, room by room. */
  async streams(): Promise<LiveStream[]> {
    return (await this.rooms()).flatMap((room) => room.streams)
  }

  /** The live streams of one room. */
  async streamsOf(roomId: string): Promise<LiveStream[]> {
    const record = await this.#store.get(roomId)
    return record === undefined ? [] : liveStreams(record)
  }

  /** One live stream, or undefined. */
  async stream(roomId: string, streamId: string): Promise<LiveStream | undefined> {
    return (await this.#store.get(roomId))?.streams[streamId]?.live
  }

  /**
   * The open rooms: in room mode the rooms created and not closed; in stream mode the rooms whose
   * session was learnt from a stream and has not ended (a newer session, or no live stream at a sweep).
   */
  async rooms(): Promise<LiveRoom[]> {
    const records = await this.#store.all()
    return records
      .filter((record) => record.session !== undefined)
      .map((record) => ({ roomId: record.roomId, roomSessionId: record.session?.id ?? '', streams: liveStreams(record) }))
  }

  /**
   * Reconciles a room the app knows has ended (its close was lost): its streams end and it closes.
   * A later callback of the same session (on ZEGO's clock) reopens it.
   */
  async closeRoom(roomId: string): Promise<LiveListChange[]> {
    return (
      await this.#withRoom(roomId, (room, now) => {
        const changes: LiveListChange[] = []
        reconcileSession(room, changes, now)
        return { outcome: 'applied', changes }
      })
    ).changes
  }

  /**
   * Drops held callbacks past `holdTtlMs` and stream tombstones no repeat can need any more, closes
   * rooms idle past `roomTtlMs` (when set) and, in stream mode, sessions left without a live stream
   * for `holdTtlMs`, and forgets rooms with nothing left in them; resolves with the changes made.
   */
  async sweep(): Promise<LiveListChange[]> {
    const changes: LiveListChange[] = []
    for (const { roomId } of await this.#store.all()) {
      const result = await this.#withRoom(roomId, (room, now) => {
        const made: LiveListChange[] = []
        this.#expireHeld(room, now)
        pruneTombstones(room, this.#holdTtlMs)
        const idle = now - room.touchedAtMs
        const expired = this.#roomTtlMs !== undefined && idle > this.#roomTtlMs
        const empty = this.mode === 'streams' && !hasLiveStreams(room) && idle > this.#holdTtlMs
        if (expired || empty) reconcileSession(room, made, now)
        return { outcome: 'applied', changes: made }
      })
      changes.push(...result.changes)
    }
    return changes
  }

  /** Calls `listener` for every change of `type`. */
  on<K extends keyof LiveListEventMap>(type: K, listener: (change: LiveListEventMap[K]) => unknown): this {
    this.#emitter.on(type, listener)
    return this
  }

  /** Removes `listener` from `type`, or every listener of `type`. */
  off<K extends keyof LiveListEventMap>(type: K, listener?: (change: LiveListEventMap[K]) => unknown): this {
    this.#emitter.off(type, listener)
    return this
  }

  /** Resolves once every change announced so far has been handed to its listeners. */
  async settled(): Promise<void> {
    while (this.#notifying.size > 0) await Promise.all(this.#notifying.values())
  }

  // One room at a time per room id: load, update a copy, save. The changes are then queued for the
  // listeners in order, outside this turn, so a listener that calls the list or never settles
  // cannot hold up the room's callbacks (and so ZEGO's answers).
  async #withRoom(
    roomId: string,
    update: (room: RoomRecord, now: number) => ApplyResult,
  ): Promise<ApplyResult> {
    const previous = this.#locks.get(roomId) ?? Promise.resolve()
    const run = previous.then(async () => {
      const now = this.#now()
      const stored = await this.#store.get(roomId)
      // A copy, so a store that hands out its own object is not changed when saving fails.
      const room = stored === undefined ? emptyRoom(roomId, now) : structuredClone(stored)
      const result = update(room, now)
      if (isForgettable(room, now, Math.max(this.#holdTtlMs, this.#roomTtlMs ?? 0))) await this.#store.delete(roomId)
      else await this.#store.set(roomId, room)
      if (result.changes.length > 0) this.#queueNotify(roomId, result.changes)
      return result
    })
    const settled = run.catch(() => undefined)
    this.#locks.set(roomId, settled)
    void settled.then(() => {
      if (this.#locks.get(roomId) === settled) this.#locks.delete(roomId)
    })
    return run
  }

  #expireHeld(room: RoomRecord, now: number): void {
    room.held = room.held.filter((item) => now - item.heldAtMs <= this.#holdTtlMs).slice(-this.#maxHeld)
  }

  #queueNotify(roomId: string, changes: readonly LiveListChange[]): void {
    const previous = this.#notifying.get(roomId) ?? Promise.resolve()
    const next = previous.then(() => this.#notify(changes))
    this.#notifying.set(roomId, next)
    void next.then(() => {
      if (this.#notifying.get(roomId) === next) this.#notifying.delete(roomId)
    })
  }

  // The list is already stored and right: a failing listener is reported and keeps no other
  // listener from its change. Never rejects.
  async #notify(changes: readonly LiveListChange[]): Promise<void> {
    for (const change of changes) {
      const listeners = this.#emitter.listeners(change.type) as Array<(change: LiveListChange) => unknown>
      for (const listener of listeners) {
        try {
          await listener(change)
        } catch (error) {
          await this.#report(error, change)
        }
      }
    }
  }

  async #report(error: unknown, change: LiveListChange): Promise<void> {
    const handlers = this.#emitter.listeners('error') as Array<(error: unknown, change: LiveListChange) => unknown>
    if (handlers.length === 0) return warn(`a ${change.type} listener failed`, error)
    for (const handler of handlers) {
      try {
        await handler(error, change)
      } catch (failure) {
        warn('an onError listener failed', failure)
      }
    }
  }

  /** Calls `listener` when a change listener fails (otherwise a process warning reports it). */
  onError(listener: (error: unknown, change: LiveListChange) => unknown): this {
    this.#emitter.on('error', listener)
    return this
  }
}

function warn(what: string, error: unknown): void {
  process.emitWarning(`zego-callbacks LiveStreamList: ${what}: ${error instanceof Error ? error.message : String(error)}`)
}

function liveStreams(record: RoomRecord): LiveStream[] {
  return Object.values(record.streams).flatMap((stream) => (stream.live ? [stream.live] : []))
}

// Nothing live, nothing held, its closed sessions too old to matter, and no session the app
// closed itself recently enough that it may still come back.
function isForgettable(room: RoomRecord, now: number, keepMs: number): boolean {
  return (
    room.session === undefined &&
    room.held.length === 0 &&
    now - room.touchedAtMs > keepMs &&
    (room.reconciled === undefined || now - room.reconciled.atMs > keepMs)
  )
}
