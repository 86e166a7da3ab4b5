import { expect, it } from 'vitest'
import { LiveStreamList, MemoryLiveListStore, type StreamClosedEvent, type StreamCreatedEvent } from 'zego-callbacks'
import { historyToEvents } from '../../test/support/live-history.js'
import { fromRoomRecord, type RoomRecord10 } from './from-1.0.js'

const t = 1_700_000_000_000
const [create, close] = historyToEvents(
  { rooms: [{ roomId: 'r', lastOpen: true, sessions: [{ id: '1', streams: [{ id: 'a', steps: ['create', 'close'] }] }] }] },
  'rooms',
).filter((event) => event.event.startsWith('stream')) as [StreamCreatedEvent, StreamClosedEvent]
const created = (streamId: string, roomSessionId = '1', streamSeq = 1) => ({ ...create, roomId: 'r', roomSessionId, streamId, streamSeq, createTimeMs: t + 10 })
const { event: _e, appId: _a, timestamp: _t, nonce: _n, signature: _s, raw: _r, ...live } = created('a')

// What 1.0 stored for room 'r' in room mode: session 1 with 'a' live and 'b' closed before its
// create arrived, and a stream of session 2 waiting for its room_create.
const { raw: _raw, ...waiting } = created('c', '2')
const record: RoomRecord10 = {
  roomId: 'r',
  session: { id: '1', startMs: t },
  closedSessions: ['0'],
  closedUntilMs: t - 1,
  lastEventMs: t + 20,
  streams: { a: { streamSeq: 1, live }, b: { streamSeq: 2, closedAtMs: t + 20 } },
  held: [{ callback: waiting, heldAtMs: 0 }],
  touchedAtMs: 0,
}

it('carries a 1.0 room over: its live stream, its tombstone, its closed sessions and what it held', async () => {
  const store = new MemoryLiveListStore()
  expect(await store.write('r', undefined, fromRoomRecord(record))).toBe(true)
  const list = new LiveStreamList({ mode: 'rooms', store, sweepEveryMs: 0 })
  expect(await list.rooms()).toEqual([{ roomId: 'r', roomSessionId: '1', streams: [live] }])
  expect((await list.apply(created('b'))).outcome).toBe('dropped') // the late create of a closed stream
  expect((await list.apply({ ...close, roomId: 'r', roomSessionId: '0' })).outcome).toBe('dropped') // a closed session
  const next = await list.apply({ ...create, event: 'room_create', roomId: 'r', roomSessionId: '2', roomCreateTime: t + 1_000, idName: 'u' } as never)
  expect(next.changes.map((change) => change.type)).toEqual(['streamEnded', 'roomClosed', 'roomOpened', 'streamLive'])
  expect((await list.streams()).map((stream) => stream.streamId)).toEqual(['c'])
})

it('carries over a session the app had closed, which a later stream still reopens', async () => {
  const store = new MemoryLiveListStore()
  const { session: _session, ...closed } = record
  const reconciled = { id: '1', startMs: t, lastEventMs: t + 20, streams: { a: { streamSeq: 1, closedAtMs: t + 20 } }, atMs: 0 }
  await store.write('r', undefined, fromRoomRecord({ ...closed, streams: {}, held: [], reconciled }))
  const list = new LiveStreamList({ mode: 'rooms', store, sweepEveryMs: 0 })
  expect(await list.rooms()).toEqual([])
  expect((await list.apply(created('a'))).outcome).toBe('dropped')
  expect((await list.apply({ ...created('d'), createTimeMs: t + 30 })).outcome).toBe('applied')
  expect((await list.streams()).map((stream) => stream.streamId)).toEqual(['d'])
})
