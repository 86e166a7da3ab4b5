import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import type { LiveListStore, LiveStream, RoomHeader, RoomRead, RoomUpdate, StreamCreatedEvent, StreamRecord } from '../../src/index.js'
import { historyToEvents } from './live-history.js'

/** A store under test on a clock the test moves, and how to close it. */
export interface StoreUnderTest {
  store: LiveListStore
  /** A second handle on the same data (another connection, as another process would have); default `store`. */
  other?: LiveListStore
  close?: () => void
}

// A stream_create as plain JSON (what a store keeps), without its raw payload.
const { raw: _raw, ...created } = JSON.parse(
  JSON.stringify(historyToEvents({ rooms: [{ roomId: 'r', lastOpen: true, sessions: [{ id: '1', streams: [{ id: 'a', steps: ['create'] }] }] }] }, 'streams')[0]),
) as StreamCreatedEvent

function liveStream(streamId: string): LiveStream {
  const { event: _event, appId: _appId, timestamp: _timestamp, nonce: _nonce, signature: _signature, ...stream } = created
  return { ...stream, streamId }
}

const header = (more: Partial<RoomHeader> = {}): RoomHeader => ({
  roomId: 'r', closedSessions: [], closedUntilMs: 0, lastEventMs: 0, heldFrom: 0, heldNext: 0, touchedAtMs: 0, ...more,
})
const update = (more: Partial<RoomUpdate> = {}): RoomUpdate => ({
  header: header(), version: randomUUID(), clearStreams: false, streams: [], hold: [], release: [], ttlMs: 1_000, ...more,
})
const live = (streamId: string, streamSeq = 1): StreamRecord => ({ streamId, streamSeq, live: liveStream(streamId) })
const tombstone = (streamId: string, streamSeq = 2): StreamRecord => ({ streamId, streamSeq })
const held = (id: number) => ({ id, callback: { ...created, streamId: `held-${id}` } })
const only = (more: Partial<RoomRead>): RoomRead => ({ streamIds: [], live: false, held: false, ...more })
const ids = (records: readonly StreamRecord[] | undefined) => (records ?? []).map((record) => record.streamId).sort()

/**
 * The `LiveListStore` contract, as tests of one store: `open` makes an empty store whose clock is
 * `now`, with a second handle on its data when it has such a thing.
 */
export function liveListStoreContract(open: (now: () => number) => StoreUnderTest): void {
  let clock = 0
  const start = () => {
    clock = 0
    return open(() => clock)
  }

  it('an unknown room reads as absent; a write expecting no version creates it', async () => {
    const { store, close } = start()
    expect(await store.read('r', only({ live: true, held: true }))).toBeFalsy()
    const first = update({ header: header({ lastEventMs: 5 }) })
    expect(await store.write('r', undefined, first)).toBe(true)
    const read = await store.read('r', only({}))
    expect(read).toMatchObject({ version: first.version, header: first.header, streams: [], held: [] })
    expect(await store.roomIds()).toEqual(['r'])
    close?.()
  })

  it('applies a write only over the version read (compare-and-set), and then whole', async () => {
    const { store, close } = start()
    const first = update({ streams: [live('a')] })
    await store.write('r', undefined, first)
    const second = update({ header: header({ lastEventMs: 2 }), streams: [live('b')], hold: [held(0)] })
    expect(await store.write('r', undefined, second)).toBe(false)
    expect(await store.write('r', 'another version', second)).toBe(false)
    expect(await store.read('r', only({ live: true, held: true }))).toMatchObject({ version: first.version, header: first.header, held: [] })
    expect(await store.write('r', first.version, second)).toBe(true)
    expect(await store.write('r', first.version, update())).toBe(false)
    const read = await store.read('r', only({ live: true, held: true }))
    expect(read).toMatchObject({ version: second.version, header: second.header, held: [held(0)] })
    expect(ids(read?.streams)).toEqual(['a', 'b'])
    close?.()
  })

  it('compares and sets across handles on the same data', async () => {
    const { store, other = store, close } = start()
    const first = update({ streams: [live('a')] })
    await store.write('r', undefined, first)
    expect(await other.read('r', only({ live: true }))).toMatchObject({ version: first.version, streams: [live('a')] })
    const second = update({ streams: [tombstone('a')] })
    expect(await other.write('r', first.version, second)).toBe(true)
    expect(await store.write('r', first.version, update({ streams: [live('b')] }))).toBe(false)
    expect(await store.read('r', only({ streamIds: ['a', 'b'] }))).toMatchObject({ version: second.version, streams: [tombstone('a')] })
    close?.()
  })

  it('reads the records named, every live one when asked, and the held callbacks by id', async () => {
    const { store, close } = start()
    const hold = [held(2), held(3), held(4)]
    await store.write('r', undefined, update({ streams: [live('a'), live('b'), tombstone('c')], hold, release: [3] }))
    expect(ids((await store.read('r', only({ streamIds: ['c', 'x'] })))?.streams)).toEqual(['c'])
    expect(ids((await store.read('r', only({ live: true })))?.streams)).toEqual(['a', 'b'])
    expect(ids((await store.read('r', only({ streamIds: ['a', 'c'], live: true })))?.streams)).toEqual(['a', 'b', 'c'])
    expect((await store.read('r', only({ held: true })))?.held).toEqual([held(2), held(4)])
    expect((await store.read('r', only({ streamIds: ['a'] })))?.held).toEqual([])
    close?.()
  })

  it('keeps tombstones and held callbacks ttlMs on its clock, then lets them go; live records stay', async () => {
    const { store, close } = start()
    const first = update({ streams: [live('a'), tombstone('b'), tombstone('c')], hold: [held(0)] })
    await store.write('r', undefined, first)
    clock = 500
    const second = update({ streams: [live('c', 3), tombstone('d')], hold: [held(1)] })
    await store.write('r', first.version, second)
    const all = only({ streamIds: ['a', 'b', 'c', 'd'], held: true })
    clock = 999
    expect(ids((await store.read('r', all))?.streams)).toEqual(['a', 'b', 'c', 'd'])
    clock = 1_001
    const later = await store.read('r', all)
    expect(ids(later?.streams)).toEqual(['a', 'c', 'd'])
    expect(later?.held).toEqual([held(1)])
    clock = 1_501
    await store.write('r', second.version, update()) // a write may drop what expired
    const last = await store.read('r', all)
    expect(ids(last?.streams)).toEqual(['a', 'c'])
    expect(last?.held).toEqual([])
    close?.()
  })

  it('clears every stream record before writing the new ones, and forgets a whole room', async () => {
    const { store, close } = start()
    const first = update({ streams: [live('a'), tombstone('b')], hold: [held(0)] })
    await store.write('r', undefined, first)
    const second = update({ clearStreams: true, streams: [live('c')] })
    await store.write('r', first.version, second)
    const read = await store.read('r', only({ streamIds: ['a', 'b'], live: true, held: true }))
    expect(ids(read?.streams)).toEqual(['c'])
    expect(read?.held).toEqual([held(0)])
    expect(await store.write('r', second.version, update({ header: null }))).toBe(true)
    expect(await store.read('r', only({}))).toBeFalsy()
    expect(await store.roomIds()).toEqual([])
    await store.write('r', undefined, update())
    expect((await store.read('r', only({ streamIds: ['a', 'b', 'c'], live: true, held: true })))).toMatchObject({ streams: [], held: [] })
    close?.()
  })

  it('keeps rooms apart, and takes any id (__proto__, constructor) as an ordinary one', async () => {
    const { store, close } = start()
    await store.write('__proto__', undefined, update({ header: header({ roomId: '__proto__' }), streams: [live('__proto__'), tombstone('constructor')] }))
    await store.write('constructor', undefined, update({ header: header({ roomId: 'constructor' }), streams: [live('x')] }))
    const read = await store.read('__proto__', only({ streamIds: ['constructor', 'toString'], live: true }))
    expect(ids(read?.streams)).toEqual(['__proto__', 'constructor'])
    expect(ids((await store.read('constructor', only({ live: true })))?.streams)).toEqual(['x'])
    expect((await store.roomIds()).sort()).toEqual(['__proto__', 'constructor'])
    expect(Object.prototype).not.toHaveProperty('streamSeq')
    close?.()
  })

  it('hands out copies: changing what was read or written changes nothing stored', async () => {
    const { store, close } = start()
    const first = update({ streams: [live('a')], hold: [held(0)] })
    await store.write('r', undefined, first)
    ;(first.header as RoomHeader).lastEventMs = 99
    ;(first.streams[0] as StreamRecord).streamSeq = 99
    const read = await store.read('r', only({ live: true, held: true }))
    expect(read?.header.lastEventMs).toBe(0)
    expect(read?.streams[0]?.streamSeq).toBe(1)
    ;(read as { header: RoomHeader }).header.closedSessions.push('x')
    expect((await store.read('r', only({})))?.header.closedSessions).toEqual([])
    close?.()
  })
}
