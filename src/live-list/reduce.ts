import type { RoomClosedEvent } from '../events/room-closed.js'
import type { RoomCreatedEvent } from '../events/room-created.js'
import type { StreamClosedEvent } from '../events/stream-closed.js'
import type { StreamCreatedEvent } from '../events/stream-created.js'
import type { ListCallback, LiveStream, RoomHeader } from './store.js'
import type { RoomView } from './view.js'

/**
 * Where the list learns room sessions from: `rooms` when the project sends room callbacks
 * (ZEGO's own recipe), `streams` when it sends only stream callbacks.
 */
export type LiveListMode = 'rooms' | 'streams'

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

/**
 * The time a callback is ordered by across sessions, on ZEGO's clock: a stream_close by when its
 * stream was created, which it carries. A stream of an older session may close after a newer
 * session began (ZEGO keeps a dropped publisher's stream for 90 s), but it was created before;
 * and a destroy time stamped a day off by a skewed clock then orders nothing.
 */
export function eventTimeMs(callback: ListCallback): number {
  switch (callback.event) {
    case 'stream_create':
    case 'stream_close':
      return (callback as Omit<StreamCreatedEvent | StreamClosedEvent, 'raw'>).createTimeMs
    case 'room_create':
      return (callback as Omit<RoomCreatedEvent, 'raw'>).roomCreateTime
    default:
      return (callback as Omit<RoomClosedEvent, 'raw'>).roomCloseTime
  }
}

/**
 * Applies one callback to a room (through its view) and replays what the room held when that
 * changed its sessions: ZEGO's recipe, plus tombstones for closed sessions and streams so that
 * repeats and late callbacks cannot bring back what already ended.
 */
export function applyCallback(
  view: RoomView,
  callback: ListCallback,
  mode: LiveListMode,
  nowMs: number,
  maxHeld: number,
): { outcome: ApplyOutcome; changes: LiveListChange[] } {
  const changes: LiveListChange[] = []
  view.header.touchedAtMs = nowMs
  const before = sessionsOf(view.header)
  const outcome = applyOne(view, callback, mode, changes)
  if (outcome === 'held') view.hold(callback, maxHeld)
  // A held callback waits for a session: only a change of the room's sessions can let it go on.
  if (outcome === 'applied' && sessionsOf(view.header) !== before) replayHeld(view, mode, changes)
  return { outcome, changes }
}

function sessionsOf(header: RoomHeader): string {
  return JSON.stringify([header.session, header.reconciled, header.closedSessions, header.closedUntilMs])
}

function replayHeld(view: RoomView, mode: LiveListMode, changes: LiveListChange[]): void {
  let progressed = true
  while (progressed && view.held().length > 0) {
    progressed = false
    for (const item of [...view.held()]) {
      const outcome = applyOne(view, item.callback, mode, changes)
      if (outcome !== 'held') view.release(item.id)
      if (outcome === 'applied') progressed = true
    }
  }
  view.settleHeld()
}

function applyOne(view: RoomView, callback: ListCallback, mode: LiveListMode, changes: LiveListChange[]): ApplyOutcome {
  const isRoomEvent = callback.event === 'room_create' || callback.event === 'room_close'
  if (isRoomEvent && mode === 'streams') return 'ignored'
  if (view.header.closedSessions.includes(callback.roomSessionId)) return 'dropped'
  const outcome = applyToSession(view, callback, mode, changes)
  if (outcome === 'applied') view.header.lastEventMs = Math.max(view.header.lastEventMs, eventTimeMs(callback))
  return outcome
}

function applyToSession(view: RoomView, callback: ListCallback, mode: LiveListMode, changes: LiveListChange[]): ApplyOutcome {
  const header = view.header
  const sessionId = callback.roomSessionId
  const time = eventTimeMs(callback)
  const session = header.session
  const reconciled = header.reconciled?.id === sessionId ? header.reconciled : undefined

  if (callback.event === 'room_create') {
    if (session?.id === sessionId || reconciled) return 'dropped' // a repeat
    if (isOlderThanRoom(header, time, sessionId)) return forget(header, sessionId)
    if (session !== undefined) endSession(view, time, changes)
    openSession(view, sessionId, time, changes)
    return 'applied'
  }

  if (callback.event === 'room_close') {
    if (reconciled) {
      // The app closed it already; now it is closed for sure, its tombstones with it.
      delete header.reconciled
      view.clearStreams()
      return forget(header, sessionId)
    }
    if (session === undefined) return time < header.closedUntilMs ? forget(header, sessionId) : 'held'
    if (session.id !== sessionId) return time < session.startMs ? forget(header, sessionId) : 'held'
    endSession(view, time, changes)
    return 'applied'
  }

  // A stream callback.
  if (reconciled) {
    // Only a stream created after the app closed the session reopens it (a repeat or a late close does not).
    if (callback.event !== 'stream_create' || time <= reconciled.lastEventMs) return 'dropped'
    reopenSession(view, reconciled, changes)
    return createStream(view, callback as Omit<StreamCreatedEvent, 'raw'>, changes)
  }
  if (session === undefined || session.id !== sessionId) {
    if (isOlderThanRoom(header, time, sessionId)) return forget(header, sessionId)
    if (mode === 'rooms') return 'held' // wait for the room_create of this session
    // Stream mode learns the session here.
    if (session !== undefined) endSession(view, time, changes)
    openSession(view, sessionId, time, changes)
  } else if (mode === 'streams' && time < session.startMs) {
    session.startMs = time
  }
  return callback.event === 'stream_create'
    ? createStream(view, callback as Omit<StreamCreatedEvent, 'raw'>, changes)
    : closeStream(view, callback as Omit<StreamClosedEvent, 'raw'>, changes)
}

// Remembers a session found older than the room's: none of its callbacks can apply later.
function forget(header: RoomHeader, sessionId: string): ApplyOutcome {
  rememberClosed(header, sessionId)
  return 'dropped'
}

function rememberClosed(header: RoomHeader, sessionId: string): void {
  if (!header.closedSessions.includes(sessionId)) {
    header.closedSessions = [...header.closedSessions, sessionId].slice(-MAX_CLOSED_SESSIONS)
  }
}

// Whether a callback of another session is older than the room's current session (or, with none,
// than its closed ones). Sessions are ordered by time; two starting in the same millisecond by
// their ids, so that every delivery order agrees on which is newer.
function isOlderThanRoom(header: RoomHeader, time: number, sessionId: string): boolean {
  const session = header.session
  if (session === undefined) return time < header.closedUntilMs
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

function createStream(view: RoomView, callback: Omit<StreamCreatedEvent, 'raw'>, changes: LiveListChange[]): ApplyOutcome {
  const known = view.stream(callback.streamId)
  if (known !== undefined && callback.streamSeq <= known.streamSeq) return 'dropped' // stale or a repeat
  const stream = toLiveStream(callback)
  view.setStream({ streamId: callback.streamId, streamSeq: callback.streamSeq, live: stream })
  changes.push(known?.live ? { type: 'streamUpdated', stream, previous: known.live } : { type: 'streamLive', stream })
  return 'applied'
}

function closeStream(view: RoomView, callback: Omit<StreamClosedEvent, 'raw'>, changes: LiveListChange[]): ApplyOutcome {
  const known = view.stream(callback.streamId)
  if (known !== undefined && callback.streamSeq <= known.streamSeq) return 'dropped'
  // An unknown stream's close is kept as a tombstone: its create, arriving late with a smaller seq, is then dropped.
  view.setStream({ streamId: callback.streamId, streamSeq: callback.streamSeq })
  if (known?.live) changes.push({ type: 'streamEnded', stream: known.live })
  return 'applied'
}

function openSession(view: RoomView, sessionId: string, startMs: number, changes: LiveListChange[]): void {
  view.header.session = { id: sessionId, startMs }
  delete view.header.reconciled
  view.clearStreams()
  changes.push({ type: 'roomOpened', roomId: view.header.roomId, roomSessionId: sessionId })
}

/** Ends the current session, as ZEGO reported: its live streams end, the room closes, and the session is remembered as closed. */
function endSession(view: RoomView, atMs: number, changes: LiveListChange[]): void {
  const session = view.header.session
  if (session === undefined) return
  closeSession(view, session, atMs, changes)
  view.clearStreams()
  rememberClosed(view.header, session.id)
}

/**
 * Ends the current session because the app says so (`closeRoom`, a time-to-live): a stream of that
 * session created later (on ZEGO's clock) reopens it, since the app may have been wrong.
 */
export function reconcileSession(view: RoomView, changes: LiveListChange[], nowMs: number): void {
  const header = view.header
  const session = header.session
  if (session === undefined) return
  // Only the session's start bounds what counts as older: a late close of a previous session may
  // carry a time after the next session began.
  const live = closeSession(view, session, session.startMs, changes)
  // Its live streams stay as tombstones, so that a repeat arriving after a reopen stays dropped.
  for (const stream of live) view.setStream({ streamId: stream.streamId, streamSeq: stream.streamSeq })
  header.reconciled = { id: session.id, startMs: session.startMs, lastEventMs: header.lastEventMs, atMs: nowMs }
}

// The streams stay where they are: the reconciled session's tombstones are its own.
function reopenSession(view: RoomView, reconciled: NonNullable<RoomHeader['reconciled']>, changes: LiveListChange[]): void {
  view.header.session = { id: reconciled.id, startMs: reconciled.startMs }
  delete view.header.reconciled
  changes.push({ type: 'roomOpened', roomId: view.header.roomId, roomSessionId: reconciled.id })
}

// Announces the end of the session's live streams and of the room; returns those streams.
function closeSession(view: RoomView, session: { id: string; startMs: number }, atMs: number, changes: LiveListChange[]): LiveStream[] {
  const live = view.liveStreams()
  for (const stream of live) changes.push({ type: 'streamEnded', stream })
  changes.push({ type: 'roomClosed', roomId: view.header.roomId, roomSessionId: session.id })
  view.header.closedUntilMs = Math.max(view.header.closedUntilMs, atMs, session.startMs)
  delete view.header.session
  return live
}

/** Whether the current session has any live stream. */
export function hasLiveStreams(view: RoomView): boolean {
  return view.header.session !== undefined && view.liveStreams().length > 0
}

function toLiveStream(callback: Omit<StreamCreatedEvent, 'raw'>): LiveStream {
  const { event: _event, appId: _appId, timestamp: _timestamp, nonce: _nonce, signature: _signature, ...stream } = callback
  return stream
}
