import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'eventemitter3'
import type { RoomClosedEvent } from '../events/room-closed.js'
import type { RoomCreatedEvent } from '../events/room-created.js'
import type { StreamClosedEvent } from '../events/stream-closed.js'
import type { StreamCreatedEvent } from '../events/stream-created.js'
import type { ZegoEventSource } from '../receiver.js'
import { MemoryLiveListStore } from './memory-store.js'
import { applyCallback, hasLiveStreams, reconcileSession, type ApplyOutcome, type LiveListChange, type LiveListMode } from './reduce.js'
import type { ListCallback, LiveListStore, LiveStream, RoomHeader, RoomRead } from './store.js'
import { MissingRead, RoomView, widen } from './view.js'

/** Options of a `LiveStreamList`. */
export interface LiveStreamListOptions {
  /** `'streams'` (default) when the project sends only stream callbacks; `'rooms'` when it also sends room callbacks. */
  mode?: LiveListMode | undefined
  /** Where the rooms are kept; default an in-memory store. */
  store?: LiveListStore | undefined
  /**
   * How long a callback may wait for its room session, and a closed stream's tombstone is kept, in
   * ms after the list received it; default 120000 (ZEGO's retries span about 62 s).
   */
  holdTtlMs?: number | undefined
  /** At most this many waiting callbacks per room; the oldest go first. Default 256. */
  maxHeldPerRoom?: number | undefined
  /** `sweep()` closes rooms without any callback for this long, in ms (a lost close); default: never. */
  roomTtlMs?: number | undefined
  /** How often the list sweeps by itself, in ms; default 60000; 0 turns it off (then call `sweep()`). */
  sweepEveryMs?: number | undefined
  /** The list's clock in ms (what `roomTtlMs` and `touchedAtMs` run on); default `Date.now`, also given to the default store. */
  now?: (() => number) | undefined
  /**
   * How long one store call may take, in ms, before the callback fails (500, so ZEGO retries) and
   * the room's next callback goes ahead; default 5000 (within the receiver's listener deadline).
   */
  storeTimeoutMs?: number | undefined
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

// Conflicting writes (another process updated the room) tolerated in a row for one turn.
const MAX_CONFLICTS = 8

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
  readonly #storeTimeoutMs: number
  readonly #emitter = new EventEmitter()
  readonly #locks = new Map<string, Promise<unknown>>()
  readonly #notifying = new Map<string, Promise<void>>()
  readonly #sweeper: ReturnType<typeof setInterval> | undefined

  constructor(options: LiveStreamListOptions = {}) {
    this.mode = options.mode ?? 'streams'
    if (this.mode !== 'rooms' && this.mode !== 'streams') {
      throw new TypeError(`zego-callbacks: LiveStreamList \`mode\` is 'rooms' or 'streams', got ${String(this.mode)}`)
    }
    this.#now = options.now ?? Date.now
    this.#store = options.store ?? new MemoryLiveListStore({ now: this.#now })
    this.#holdTtlMs = options.holdTtlMs ?? 120_000
    this.#maxHeld = options.maxHeldPerRoom ?? 256
    this.#roomTtlMs = options.roomTtlMs
    this.#storeTimeoutMs = options.storeTimeoutMs ?? 5_000
    if (typeof this.#storeTimeoutMs !== 'number' || !(this.#storeTimeoutMs > 0) || this.#storeTimeoutMs > 2 ** 31 - 1) {
      throw new TypeError(`zego-callbacks: LiveStreamList \`storeTimeoutMs\` is a number of ms above 0, at most 2^31-1, got ${String(this.#storeTimeoutMs)}`)
    }
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
   * listeners, in order for each room (`settled()` waits for them). It reads and writes the room's
   * header and the record of its own stream, whatever the room's size (and the room's live streams
   * or held callbacks only when it opens or ends a session).
   */
  async apply(event: ListEvent): Promise<ApplyResult> {
    const { raw: _raw, ...callback } = event
    const streamIds = 'streamId' in callback ? [callback.streamId] : []
    return this.#withRoom(event.roomId, { streamIds, live: false, held: false }, (view, now) =>
      applyCallback(view, callback as ListCallback, this.mode, now, this.#maxHeld),
    )
  }

  /** Every live stream, room by room. */
  async streams(): Promise<LiveStream[]> {
    return (await this.rooms()).flatMap((room) => room.streams)
  }

  /** The live streams of one room. */
  async streamsOf(roomId: string): Promise<LiveStream[]> {
    return (await this.#liveRoom(roomId))?.streams ?? []
  }

  /** One live stream, or undefined. */
  async stream(roomId: string, streamId: string): Promise<LiveStream | undefined> {
    const snapshot = await this.#bounded(this.#store.read(roomId, { streamIds: [streamId], live: false, held: false }), 'read')
    if (snapshot?.header.session === undefined) return undefined
    return snapshot.streams.find((record) => record.streamId === streamId)?.live
  }

  /**
   * The open rooms: in room mode the rooms created and not closed; in stream mode the rooms whose
   * session was learnt from a stream and has not ended (a newer session, or no live stream at a sweep).
   */
  async rooms(): Promise<LiveRoom[]> {
    const rooms = await Promise.all((await this.#bounded(this.#store.roomIds(), 'roomIds')).map((roomId) => this.#liveRoom(roomId)))
    return rooms.filter((room) => room !== undefined)
  }

  async #liveRoom(roomId: string): Promise<LiveRoom | undefined> {
    const snapshot = await this.#bounded(this.#store.read(roomId, { streamIds: [], live: true, held: false }), 'read')
    const session = snapshot?.header.session
    if (snapshot == null || session === undefined) return undefined
    return { roomId, roomSessionId: session.id, streams: snapshot.streams.flatMap((record) => (record.live ? [record.live] : [])) }
  }

  /**
   * Reconciles a room the app knows has ended (its close was lost): its streams end and it closes.
   * A later callback of the same session (on ZEGO's clock) reopens it.
   */
  async closeRoom(roomId: string): Promise<LiveListChange[]> {
    const result = await this.#withRoom(roomId, { streamIds: [], live: true, held: false }, (view, now) => {
      const changes: LiveListChange[] = []
      reconcileSession(view, changes, now)
      return { outcome: 'applied', changes }
    })
    return result.changes
  }

  /**
   * Closes rooms idle past `roomTtlMs` (when set) and, in stream mode, sessions left without a live
   * stream for `holdTtlMs`, and forgets rooms with nothing left in them; resolves with the changes
   * made. Held callbacks and tombstones need no sweep: the store expires them.
   */
  async sweep(): Promise<LiveListChange[]> {
    const changes: LiveListChange[] = []
    for (const roomId of await this.#bounded(this.#store.roomIds(), 'roomIds')) {
      const result = await this.#withRoom(roomId, { streamIds: [], live: false, held: false }, (view, now) => {
        const made: LiveListChange[] = []
        view.settleHeld()
        const idle = now - view.header.touchedAtMs
        const expired = this.#roomTtlMs !== undefined && idle > this.#roomTtlMs
        const empty = this.mode === 'streams' && idle > this.#holdTtlMs && !hasLiveStreams(view)
        if (expired || empty) reconcileSession(view, made, now)
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

  // One room at a time per room id within the process: read what the turn needs (the header and
  // `first`, more when the turn asks: `MissingRead`), run it on a view, write its change set under
  // a compare-and-set on the room's version, and on a conflict (another process) start over, a
  // bounded number of times. The changes are then queued for the listeners in order, outside this
  // turn, so a listener that calls the list or never settles cannot hold up the room's callbacks.
  async #withRoom(
    roomId: string,
    first: RoomRead,
    turn: (view: RoomView, now: number) => ApplyResult,
  ): Promise<ApplyResult> {
    const previous = this.#locks.get(roomId) ?? Promise.resolve()
    const run = previous.then(async () => {
      let what = first
      for (let conflicts = 0; conflicts < MAX_CONFLICTS; ) {
        const now = this.#now()
        const snapshot = (await this.#bounded(this.#store.read(roomId, what), 'read')) ?? undefined
        const view = new RoomView(roomId, snapshot, what, now)
        let result: ApplyResult
        try {
          result = turn(view, now)
        } catch (error) {
          const wider = error instanceof MissingRead ? widen(what, error.want) : undefined
          if (wider === undefined) throw error
          what = wider
          continue
        }
        const update = view.update(this.#isForgettable(view.header, now), randomUUID(), this.#holdTtlMs)
        if (update !== undefined && !(await this.#bounded(this.#store.write(roomId, snapshot?.version, update), 'write'))) {
          conflicts += 1
          continue
        }
        if (result.changes.length > 0) this.#queueNotify(roomId, result.changes)
        return result
      }
      throw new Error(`zego-callbacks LiveStreamList: room ${JSON.stringify(roomId)} changed under ${MAX_CONFLICTS} attempts in a row to update it`)
    })
    const settled = run.catch(() => undefined)
    this.#locks.set(roomId, settled)
    void settled.then(() => {
      if (this.#locks.get(roomId) === settled) this.#locks.delete(roomId)
    })
    return run
  }

  // A store call that never answers fails the callback at the deadline instead of holding the
  // room's queue for ever; should it land later, the version it was written against has moved on.
  #bounded<T>(call: Promise<T>, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`zego-callbacks LiveStreamList: the store did not answer a ${what} within ${this.#storeTimeoutMs} ms`)),
        this.#storeTimeoutMs,
      )
    })
    return Promise.race([call, deadline]).finally(() => clearTimeout(timer))
  }

  // Nothing live, nothing held, its closed sessions too old to matter, and no session the app
  // closed itself recently enough that it may still come back.
  #isForgettable(header: RoomHeader, now: number): boolean {
    const keepMs = Math.max(this.#holdTtlMs, this.#roomTtlMs ?? 0)
    return (
      header.session === undefined &&
      header.heldFrom >= header.heldNext &&
      now - header.touchedAtMs > keepMs &&
      (header.reconciled === undefined || now - header.reconciled.atMs > keepMs)
    )
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
