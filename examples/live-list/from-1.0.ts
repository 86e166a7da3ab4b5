// Carries a room of zego-callbacks 1.0's live list (the one RoomRecord per room its LiveListStore
// kept) into today's store: for each old record, once, into an empty store:
//   await store.write(record.roomId, undefined, fromRoomRecord(record))
import { randomUUID } from 'node:crypto'
import type { ListCallback, LiveStream, RoomHeader, RoomUpdate, StreamRecord } from 'zego-callbacks'

type Streams = Record<string, { streamSeq: number; live?: LiveStream; closedAtMs?: number }>

/** A room as 1.0's `LiveListStore` kept it. */
export interface RoomRecord10 {
  roomId: string
  session?: { id: string; startMs: number }
  closedSessions: string[]
  closedUntilMs: number
  lastEventMs: number
  reconciled?: { id: string; startMs: number; lastEventMs: number; streams: Streams; atMs: number }
  streams: Streams
  held: Array<{ callback: ListCallback; heldAtMs: number }>
  touchedAtMs: number
}

/** The update that writes `record` into an empty room of today's store; tombstones and held callbacks get `ttlMs` afresh. */
export function fromRoomRecord(record: RoomRecord10, ttlMs = 120_000): RoomUpdate {
  const { roomId, session, closedSessions, closedUntilMs, lastEventMs, reconciled, held, touchedAtMs } = record
  // While the app had closed a session (`closeRoom`), 1.0 kept its streams aside, and none current.
  const streams: StreamRecord[] = Object.entries(reconciled?.streams ?? record.streams).map(([streamId, { streamSeq, live }]) =>
    live === undefined ? { streamId, streamSeq } : { streamId, streamSeq, live },
  )
  const header: RoomHeader = { roomId, closedSessions, closedUntilMs, lastEventMs, heldFrom: 0, heldNext: held.length, touchedAtMs }
  if (session !== undefined) header.session = session
  if (reconciled !== undefined) header.reconciled = { id: reconciled.id, startMs: reconciled.startMs, lastEventMs: reconciled.lastEventMs, atMs: reconciled.atMs }
  const hold = held.map((item, id) => ({ id, callback: item.callback }))
  return { header, version: randomUUID(), clearStreams: false, streams, hold, release: [], ttlMs }
}
