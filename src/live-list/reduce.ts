import type { RoomClosedEvent } from '../events/room-closed.js'
import type { RoomCreatedEvent } from '../events/room-created.js'
import type { StreamClosedEvent } from '../events/stream-closed.js'
import type { StreamCreatedEvent } from '../events/stream-created.js'
import { setOwn } from '../raw.js'

/**
 * Where the list learns room sessions from: `rooms` when the project sends room callbacks
 * (ZEGO's own recipe), `streams` when it sends only stream callbacks.
 */
export type LiveListMode = 'rooms' | 'streams'

/** One live stream: the fields of its newest `stream_create`, without the callback envelope. */
export type LiveStream = Omit<StreamCreatedEvent, 'event' | 'appId' | 'timestamp' | 'nonce' | 'signature' | 'raw'>

/** A callback the list applies, without its `raw` payload (what the store keeps while it is held). */
export type ListCallback =
  | Omit<StreamCreatedEvent, 'raw'>
  | Omit<StreamClosedEvent, 'raw'>
  | Omit<RoomCreatedEvent, 'raw'>
  | Omit<RoomClosedEvent, 'raw'>

/** What the store keeps per stream id: the live stream, or the close that ended it (a tombstone). */
export interface StreamRecord {
  /** The highest stream_seq applied for this stream id in the current session. */
  streamSeq: number
  /** The stream while it is live; absent once closed. */
  live?: LiveStream
  /** For a tombstone: the close's event time (ZEGO's clock), to prune it once no repeat can come. */
  closedAtMs?: number
}

/** What the store keeps per room: plain JSON, so any database can hold it. */
export interface RoomRecord {
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
   * A session the app closed itself (`closeRoom`, a time-to-live), with its streams (as
   * tombstones) and its latest event time: a stream created later than that reopens it.
   */
  reconciled?: { id: string; startMs: number; lastEventMs: number; streams: Record<string, StreamRecord>; atMs: number }
  /** Streams of the current session by stream id, live or closed. */
  streams: Record<string, StreamRecord>
  /** Callbacks waiting for their room session to be known, oldest first. */
  held: Array<{ callback: ListCallback; heldAtMs: number }>
  /** Wall-clock time of the last callback for this room, for time-to-live sweeps. */
  touchedAtMs: number
}

/** A change to the list, for an app to push to its clients. */
export type LiveListChange =
  | { type: 'roomOpened'; roomId: string; roomSessionId: string }
  | { type: 'roomClosed'; roomId: string; roomSessionId: string }
  | { type: 'streamLive'; stream: LiveStream }
  | { type: 'streamUpdated'; stream: LiveStream; previous: LiveStream }
  | { type: 'streamEnded'; stream: LiveStream }

/** What became of one callback: it changed the list, waits for its session, was stale or a repeat, or does not apply in this mode. */
export type ApplyOutcome = 'applied' | 'held' | 'dropped' | 'ignored'

const MAX_CLOSED_SESSIONS = 16

/** A room record with nothing in it yet. */
export function emptyRoom(roomId: string, nowMs: number): RoomRecord {
  return { roomId, closedSessions: [], closedUntilMs: 0, lastEventMs: 0, streams: {}, held: [], touchedAtMs: nowMs }
}

/** The event time of a callback, in milliseconds: what ordering across sessions rests on. */
export function eventTimeMs(callback: ListCallback): number {
  switch (callback.event) {
    case 'stream_create':
      return (callback as Omit<StreamCreatedEvent, 'raw'>).createTimeMs
    case 'stream_close':
      return (callback as Omit<StreamClosedEvent, 'raw'>).destroyTimeMs
    case 'room_create':
      return (callback as Omit<RoomCreatedEvent, 'raw'>).roomCreateTime
    default:
      return (callback as Omit<RoomClosedEvent, 'raw'>).roomCloseTime
  }
}

/**
 * Applies one callback to a room record (mutating it) and replays what it held when that made
 * progress: ZEGO's recipe, plus tombstones for closed sessions and streams so that repeats and
 * late callbacks cannot bring back what already ended.
 */
export function applyCallback(
  room: RoomRecord,
  callback: ListCallback,
  mode: LiveListMode,
  nowMs: number,
): { outcome: ApplyOutcome; changes: LiveListChange[] } {
  const changes: LiveListChange[] = []
  room.touchedAtMs = nowMs
  const outcome = applyOne(room, callback, mode, changes)
  if (outcome === 'held') room.held.push({ callback, heldAtMs: nowMs })
  if (outcome === 'applied') replayHeld(room, mode, changes)
  return { outcome, changes }
}

function replayHeld(room: RoomRecord, mode: LiveListMode, changes: LiveListChange[]): void {
  let progressed = true
  while (progressed && room.held.length > 0) {
    progressed = false
    const waiting = room.held
    room.held = []
    for (const item of waiting) {
      const outcome = applyOne(room, item.callback, mode, changes)
      if (outcome === 'held') room.held.push(item)
      if (outcome === 'applied') progressed = true
    }
  }
}

function applyOne(room: RoomRecord, callback: ListCallback, mode: LiveListMode, changes: LiveListChange[]): ApplyOutcome {
  const isRoomEvent = callback.event === 'room_create' || callback.event === 'room_close'
  if (isRoomEvent && mode === 'streams') return 'ignored'
  const sessionId = callback.roomSessionId
  if (room.closedSessions.includes(sessionId)) return 'dropped'
  const outcome = applyToSession(room, callback, mode, changes)
  if (outcome === 'applied') room.lastEventMs = Math.max(room.lastEventMs, eventTimeMs(callback))
  return outcome
}

function applyToSession(room: RoomRecord, callback: ListCallback, mode: LiveListMode, changes: LiveListChange[]): ApplyOutcome {
  const sessionId = callback.roomSessionId
  const time = sessionTimeMs(callback, mode)
  const session = room.session
  const reconciled = room.reconciled?.id === sessionId ? room.reconciled : undefined

  if (callback.event === 'room_create') {
    if (session?.id === sessionId || reconciled) return 'dropped' // a repeat
    if (isOlderThanRoom(room, time, sessionId)) return forget(room, sessionId)
    if (session !== undefined) endSession(room, time, changes)
    openSession(room, sessionId, time, changes)
    return 'applied'
  }

  if (callback.event === 'room_close') {
    if (reconciled) {
      // The app closed it already; now it is closed for sure.
      delete room.reconciled
      return forget(room, sessionId)
    }
    if (session === undefined) return time < room.closedUntilMs ? forget(room, sessionId) : 'held'
    if (session.id !== sessionId) return time < session.startMs ? forget(room, sessionId) : 'held'
    endSession(room, time, changes)
    return 'applied'
  }

  // A stream callback.
  if (reconciled) {
    // Only a stream created after the app closed the session reopens it (a repeat or a late close does not).
    if (callback.event !== 'stream_create' || time <= reconciled.lastEventMs) return 'dropped'
    reopenSession(room, reconciled, changes)
    return createStream(room, callback as Omit<StreamCreatedEvent, 'raw'>, changes)
  }
  if (session === undefined || session.id !== sessionId) {
    if (isOlderThanRoom(room, time, sessionId)) return forget(room, sessionId)
    if (mode === 'rooms') return 'held' // wait for the room_create of this session
    // Stream mode learns the session here.
    if (session !== undefined) endSession(room, time, changes)
    openSession(room, sessionId, time, changes)
  } else if (mode === 'streams' && time < session.startMs) {
    session.startMs = time
  }
  return callback.event === 'stream_create'
    ? createStream(room, callback as Omit<StreamCreatedEvent, 'raw'>, changes)
    : closeStream(room, callback as Omit<StreamClosedEvent, 'raw'>, changes)
}

// Remembers a session found older than the room's: none of its callbacks can apply later.
function forget(room: RoomRecord, sessionId: string): ApplyOutcome {
  rememberClosed(room, sessionId)
  return 'dropped'
}

function rememberClosed(room: RoomRecord, sessionId: string): void {
  if (!room.closedSessions.includes(sessionId)) {
    room.closedSessions = [...room.closedSessions, sessionId].slice(-MAX_CLOSED_SESSIONS)
  }
}

/**
 * The time a callback is ordered by across sessions. Room mode follows ZEGO's recipe (each
 * callback's own time); stream mode orders by when the stream was created, which a close also
 * carries: a stream of an older session may close after a newer session began (ZEGO keeps a
 * dropped publisher's stream for 90 s), but it was created before.
 */
function sessionTimeMs(callback: ListCallback, mode: LiveListMode): number {
  if (mode === 'streams' && callback.event === 'stream_close') {
    return (callback as Omit<StreamClosedEvent, 'raw'>).createTimeMs
  }
  return eventTimeMs(callback)
}

// Whether a callback of another session is older than the room's current session (or, with none,
// than its closed ones). Sessions are ordered by time; two starting in the same millisecond by
// their ids, so that every delivery order agrees on which is newer.
function isOlderThanRoom(room: RoomRecord, time: number, sessionId: string): boolean {
  const session = room.session
  if (session === undefined) return time < room.closedUntilMs
  return time < session.startMs || (time === session.startMs && compareIds(sessionId, session.id) < 0)
}

// A total order of session ids: ZEGO's are 64-bit numbers, compared as numbers (leading zeros and
// all); any other id sorts after every numeric one, as text.
function compareIds(a: string, b: string): number {
  const numeric = (id: string) => /^\d+$/.test(id)
  if (numeric(a) && numeric(b)) {
    const x = BigInt(a)
    const y = BigInt(b)
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (numeric(a) !== numeric(b)) return numeric(a) ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

function createStream(room: RoomRecord, callback: Omit<StreamCreatedEvent, 'raw'>, changes: LiveListChange[]): ApplyOutcome {
  const known = streamRecord(room, callback.streamId)
  if (known !== undefined && callback.streamSeq <= known.streamSeq) return 'dropped' // stale or a repeat
  const stream = toLiveStream(callback)
  setStreamRecord(room, callback.streamId, { streamSeq: callback.streamSeq, live: stream })
  changes.push(known?.live ? { type: 'streamUpdated', stream, previous: known.live } : { type: 'streamLive', stream })
  return 'applied'
}

function closeStream(room: RoomRecord, callback: Omit<StreamClosedEvent, 'raw'>, changes: LiveListChange[]): ApplyOutcome {
  const known = streamRecord(room, callback.streamId)
  if (known !== undefined && callback.streamSeq <= known.streamSeq) return 'dropped'
  // An unknown stream's close is kept as a tombstone: its create, arriving late with a smaller seq, is then dropped.
  setStreamRecord(room, callback.streamId, { streamSeq: callback.streamSeq, closedAtMs: callback.destroyTimeMs })
  if (known?.live) changes.push({ type: 'streamEnded', stream: known.live })
  return 'applied'
}

function openSession(room: RoomRecord, sessionId: string, startMs: number, changes: LiveListChange[]): void {
  room.session = { id: sessionId, startMs }
  delete room.reconciled
  room.streams = {}
  changes.push({ type: 'roomOpened', roomId: room.roomId, roomSessionId: sessionId })
}

/** Ends the current session, as ZEGO reported: its live streams end, the room closes, and the session is remembered as closed. */
export function endSession(room: RoomRecord, atMs: number, changes: LiveListChange[]): void {
  const session = room.session
  if (session === undefined) return
  closeSession(room, session, atMs, changes)
  rememberClosed(room, session.id)
}

/**
 * Ends the current session because the app says so (`closeRoom`, a time-to-live): a stream of that
 * session created later (on ZEGO's clock) reopens it, since the app may have been wrong.
 */
export function reconcileSession(room: RoomRecord, changes: LiveListChange[], nowMs: number): void {
  const session = room.session
  if (session === undefined) return
  // Its streams are kept as tombstones, so that a repeat arriving after a reopen stays dropped.
  const streams: Record<string, StreamRecord> = {}
  for (const [streamId, record] of Object.entries(room.streams)) {
    setOwn(streams, streamId, { streamSeq: record.streamSeq, closedAtMs: record.closedAtMs ?? room.lastEventMs })
  }
  // Only the session's start bounds what counts as older: a late close of a previous session may
  // carry a time after the next session began.
  closeSession(room, session, session.startMs, changes)
  room.reconciled = { id: session.id, startMs: session.startMs, lastEventMs: room.lastEventMs, streams, atMs: nowMs }
}

function reopenSession(room: RoomRecord, reconciled: NonNullable<RoomRecord['reconciled']>, changes: LiveListChange[]): void {
  openSession(room, reconciled.id, reconciled.startMs, changes)
  room.streams = reconciled.streams
}

function closeSession(room: RoomRecord, session: { id: string; startMs: number }, atMs: number, changes: LiveListChange[]): void {
  for (const record of Object.values(room.streams)) {
    if (record.live) changes.push({ type: 'streamEnded', stream: record.live })
  }
  changes.push({ type: 'roomClosed', roomId: room.roomId, roomSessionId: session.id })
  room.closedUntilMs = Math.max(room.closedUntilMs, atMs, session.startMs)
  delete room.session
  room.streams = {}
}

/** Drops tombstones of streams closed longer ago than `keepMs` on ZEGO's clock: no repeat of theirs can still come. */
export function pruneTombstones(room: RoomRecord, keepMs: number): void {
  for (const [streamId, record] of Object.entries(room.streams)) {
    if (record.live === undefined && room.lastEventMs - (record.closedAtMs ?? 0) > keepMs) delete room.streams[streamId]
  }
}

/** Whether the current session has any live stream. */
export function hasLiveStreams(room: RoomRecord): boolean {
  return Object.values(room.streams).some((record) => record.live !== undefined)
}

// Stream ids are ZEGO's and may be any string, `__proto__` included: own properties only.
function streamRecord(room: RoomRecord, streamId: string): StreamRecord | undefined {
  return Object.hasOwn(room.streams, streamId) ? room.streams[streamId] : undefined
}

function setStreamRecord(room: RoomRecord, streamId: string, record: StreamRecord): void {
  setOwn(room.streams, streamId, record)
}

function toLiveStream(callback: Omit<StreamCreatedEvent, 'raw'>): LiveStream {
  const { event: _event, appId: _appId, timestamp: _timestamp, nonce: _nonce, signature: _signature, ...stream } = callback
  return stream
}
