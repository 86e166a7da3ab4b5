import type { RoomClosedEvent } from '../events/room-closed.js'
import type { RoomCreatedEvent } from '../events/room-created.js'
import type { StreamClosedEvent } from '../events/stream-closed.js'
import type { StreamCreatedEvent } from '../events/stream-created.js'

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
  return { roomId, closedSessions: [], closedUntilMs: 0, streams: {}, held: [], touchedAtMs: nowMs }
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
  const time = eventTimeMs(callback)
  if (room.closedSessions.includes(sessionId)) return 'dropped'
  const session = room.session

  if (callback.event === 'room_create') {
    if (session?.id === sessionId) return 'dropped' // a repeat
    if (session !== undefined && time <= session.startMs) return 'dropped' // an older session
    if (session === undefined && time < room.closedUntilMs) return 'dropped'
    if (session !== undefined) endSession(room, time, changes)
    openSession(room, sessionId, time, changes)
    return 'applied'
  }

  if (callback.event === 'room_close') {
    if (session === undefined) return time < room.closedUntilMs ? 'dropped' : 'held'
    if (session.id !== sessionId) return time < session.startMs ? 'dropped' : 'held'
    endSession(room, time, changes)
    return 'applied'
  }

  // A stream callback.
  if (session === undefined || session.id !== sessionId) {
    const older = session === undefined ? time < room.closedUntilMs : time < session.startMs
    if (older) return 'dropped'
    // Room mode waits for the room_create of a session it has not seen; stream mode learns the session here.
    if (mode === 'rooms') return 'held'
    if (session !== undefined) endSession(room, time, changes)
    openSession(room, sessionId, time, changes)
  } else if (mode === 'streams' && time < session.startMs) {
    session.startMs = time
  }
  return callback.event === 'stream_create'
    ? createStream(room, callback as Omit<StreamCreatedEvent, 'raw'>, changes)
    : closeStream(room, callback as Omit<StreamClosedEvent, 'raw'>, changes)
}

function createStream(room: RoomRecord, callback: Omit<StreamCreatedEvent, 'raw'>, changes: LiveListChange[]): ApplyOutcome {
  const known = room.streams[callback.streamId]
  if (known !== undefined && callback.streamSeq <= known.streamSeq) return 'dropped' // stale or a repeat
  const stream = toLiveStream(callback)
  room.streams[callback.streamId] = { streamSeq: callback.streamSeq, live: stream }
  changes.push(known?.live ? { type: 'streamUpdated', stream, previous: known.live } : { type: 'streamLive', stream })
  return 'applied'
}

function closeStream(room: RoomRecord, callback: Omit<StreamClosedEvent, 'raw'>, changes: LiveListChange[]): ApplyOutcome {
  const known = room.streams[callback.streamId]
  if (known !== undefined && callback.streamSeq <= known.streamSeq) return 'dropped'
  // An unknown stream's close is kept as a tombstone: its create, arriving late with a smaller seq, is then dropped.
  room.streams[callback.streamId] = { streamSeq: callback.streamSeq }
  if (known?.live) changes.push({ type: 'streamEnded', stream: known.live })
  return 'applied'
}

function openSession(room: RoomRecord, sessionId: string, startMs: number, changes: LiveListChange[]): void {
  room.session = { id: sessionId, startMs }
  room.streams = {}
  changes.push({ type: 'roomOpened', roomId: room.roomId, roomSessionId: sessionId })
}

/** Ends the current session: its live streams end, the room closes, and the session is remembered as closed. */
export function endSession(room: RoomRecord, atMs: number, changes: LiveListChange[]): void {
  const session = room.session
  if (session === undefined) return
  for (const record of Object.values(room.streams)) {
    if (record.live) changes.push({ type: 'streamEnded', stream: record.live })
  }
  changes.push({ type: 'roomClosed', roomId: room.roomId, roomSessionId: session.id })
  room.closedSessions = [...room.closedSessions, session.id].slice(-MAX_CLOSED_SESSIONS)
  room.closedUntilMs = Math.max(room.closedUntilMs, atMs, session.startMs)
  delete room.session
  room.streams = {}
}

function toLiveStream(callback: Omit<StreamCreatedEvent, 'raw'>): LiveStream {
  const { event: _event, appId: _appId, timestamp: _timestamp, nonce: _nonce, signature: _signature, ...stream } = callback
  return stream
}
