import type { RoomClosedEvent } from '../events/room-closed.js'
import type { RoomCreatedEvent } from '../events/room-created.js'
import type { StreamClosedEvent } from '../events/stream-closed.js'
import type { StreamCreatedEvent } from '../events/stream-created.js'

/** One live stream: the fields of its newest `stream_create`, without the callback envelope. */
export type LiveStream = Omit<StreamCreatedEvent, 'event' | 'appId' | 'timestamp' | 'nonce' | 'signature' | 'raw'>

/** A callback the list applies, without its `raw` payload (what the store keeps while it is held). */
export type ListCallback =
  | Omit<StreamCreatedEvent, 'raw'>
  | Omit<StreamClosedEvent, 'raw'>
  | Omit<RoomCreatedEvent, 'raw'>
  | Omit<RoomClosedEvent, 'raw'>

/** What the store keeps per stream of a room: the live stream, or the close that ended it (a tombstone). */
export interface StreamRecord {
  streamId: string
  /** The highest stream_seq applied for this stream id in the room's current session. */
  streamSeq: number
  /** The stream while it is live; absent in a tombstone, which the store expires. */
  live?: LiveStream
}

/** A callback waiting for its room session to be known; the store expires it. */
export interface HeldCallback {
  /** The room's sequence number for it: ids grow in the order callbacks are held. */
  id: number
  callback: ListCallback
}

/** What the store keeps per room besides its streams and held callbacks: small, whatever the room's size. */
export interface RoomHeader {
  roomId: string
  /** The current room session, when one is known. */
  session?: {
    id: string
    /** Room mode: room_create_time; stream mode: the earliest stream time seen in the session. */
    startMs: number
  }
  /** Ids of the latest closed sessions (newest last, at most 16): their late callbacks are dropped. */
  closedSessions: string[]
  /** The latest event time of any closed session: anything older for an unknown session is stale. */
  closedUntilMs: number
  /** The latest event time applied to this room, on ZEGO's clock (reconciliation uses it, not the server's). */
  lastEventMs: number
  /**
   * A session the app closed itself (`closeRoom`, a time-to-live), with its latest event time (its
   * streams stay in the store as tombstones): a stream created later than that reopens it.
   */
  reconciled?: { id: string; startMs: number; lastEventMs: number; atMs: number }
  /** The oldest held-callback id that may still be stored; `heldFrom === heldNext` when none waits. */
  heldFrom: number
  /** The id the next held callback gets. */
  heldNext: number
  /** The list's own clock at the last callback for this room, for time-to-live sweeps. */
  touchedAtMs: number
}

/** What to read of one room besides its header. */
export interface RoomRead {
  /** The stream records to return (live or tombstone), by stream id. */
  streamIds: readonly string[]
  /** Whether to return every live stream record of the room as well. */
  live: boolean
  /** Whether to return the room's held callbacks. */
  held: boolean
}

/** One room as of one version: its header and what the read asked for. */
export interface RoomSnapshot {
  /** The version to compare-and-set the next write on. */
  version: string
  header: RoomHeader
  /** The asked-for records that exist and have not expired, plus every live one when asked; any order (more does no harm). */
  streams: StreamRecord[]
  /** The held callbacks that have not expired, by ascending id (empty unless asked). */
  held: HeldCallback[]
}

/** One change set to one room, applied whole or not at all. */
export interface RoomUpdate {
  /** The room's new header, or null to forget the room: header, stream records and held callbacks. */
  header: RoomHeader | null
  /** The room's version once this is applied (a fresh random id). */
  version: string
  /** Whether to drop every stream record of the room (live and tombstones) before writing `streams`. */
  clearStreams: boolean
  /** Records to write, each replacing its stream id's record; a tombstone expires after `ttlMs`, a live record never. */
  streams: StreamRecord[]
  /** Callbacks to hold, each expiring after `ttlMs`. */
  hold: HeldCallback[]
  /** Ids of held callbacks to remove. */
  release: number[]
  /** How long the tombstones and held callbacks written here must be kept, in ms of the store's own clock. */
  ttlMs: number
}

/**
 * Where a `LiveStreamList` keeps its rooms: per room a small header, a record per stream and the
 * held callbacks, all plain JSON, so that one callback reads and writes only the header and the
 * records it concerns, whatever the room's size.
 *
 * Atomicity: `write` applies the whole update or nothing, and only if the room's version is still
 * `expected` (compare-and-set; `undefined`: only if the room does not exist); `read` returns one
 * version of the room. A store shared by several processes must keep both true across them (a
 * transaction, a Lua script, `WATCH`/`MULTI`): the list then retries a conflicting update a bounded
 * number of times, then fails the callback (500, so ZEGO retries it).
 *
 * Expiry: a tombstone or held callback must stay readable for `ttlMs` after the write that stored
 * it (unless a later update replaces, releases, clears or forgets it); after that the store may
 * drop it at any time, by its own clock (key or field TTLs, or lazily). The list needs no sweep
 * for them.
 */
export interface LiveListStore {
  /** One room as of one version, with what `what` asks for; null or undefined when the room is unknown. */
  read(roomId: string, what: RoomRead): Promise<RoomSnapshot | null | undefined>
  /** Applies `update` if the room's version is still `expected`; resolves whether it did. */
  write(roomId: string, expected: string | undefined, update: RoomUpdate): Promise<boolean>
  /** The id of every room stored. */
  roomIds(): Promise<string[]>
}
