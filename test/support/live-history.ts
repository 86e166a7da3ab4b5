import fc from 'fast-check'
import type {
  LiveListMode,
  LiveStreamList,
  RoomClosedEvent,
  RoomCreatedEvent,
  StreamClosedEvent,
  StreamCreatedEvent,
} from '../../src/index.js'

/** A callback a LiveStreamList applies. */
export type ListEvent = StreamCreatedEvent | StreamClosedEvent | RoomCreatedEvent | RoomClosedEvent

type Step = 'create' | 'recreate' | 'close'

/** A valid history: rooms, each a sequence of sessions, each with streams going through steps. */
export interface History {
  rooms: Array<{
    roomId: string
    sessions: Array<{
      id: string
      streams: Array<{ id: string; steps: readonly Step[] }>
      /** Milliseconds between two callbacks of the session (0: several in the same millisecond). */
      tickMs?: number
      /** Milliseconds from this session's last callback to the next session's first (0: the same millisecond). */
      gapMs?: number
      /** A stream of this session whose close lands this long after the next session began (ZEGO keeps a dropped publisher's stream 90 s). */
      lateCloseMs?: number | undefined
      /** The session's first stream_close is stamped this far off its true time (a ZEGO clock a day ahead or behind). */
      skewMs?: number | undefined
    }>
    /** Whether the last session is still open at the end (no room_close). */
    lastOpen: boolean
  }>
}

// A stream's life: created, maybe recreated in place, maybe closed, maybe published again.
const stepsArbitrary: fc.Arbitrary<Step[]> = fc
  .array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 2 })
  .map((lives) =>
    lives.flatMap(([recreated, closed], i) => {
      const life: Step[] = ['create']
      if (recreated) life.push('recreate')
      if (closed || i < lives.length - 1) life.push('close')
      return life
    }),
  )

/** Random valid histories: 1-2 rooms, 1-3 sessions each, 0-3 streams per session. */
export function historyArbitrary(_mode: LiveListMode): fc.Arbitrary<History> {
  const session = fc.record({
    streams: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }).chain((ids) =>
      fc.tuple(...ids.map((id) => stepsArbitrary.map((steps) => ({ id, steps })))),
    ),
    tickMs: fc.constantFrom(0, 10),
    gapMs: fc.constantFrom(0, 1_000),
    lateCloseMs: fc.option(fc.integer({ min: 0, max: 90_000 }), { nil: undefined }),
    skewMs: fc.option(fc.constantFrom(86_400_000, -86_400_000), { nil: undefined, freq: 3 }),
  })
  const room = fc.record({ sessions: fc.array(session, { minLength: 1, maxLength: 3 }), lastOpen: fc.boolean() })
  return fc.array(room, { minLength: 1, maxLength: 2 }).map((rooms) => ({
    rooms: rooms.map((r, i) => ({
      roomId: `room${i}`,
      lastOpen: r.lastOpen,
      sessions: r.sessions.map((s, j) => ({ ...s, id: `72541193279866700${i}${j}` })),
    })),
  }))
}

/**
 * The callbacks ZEGO would send for a history, in true order, with increasing times and a
 * stream_seq that grows with every change of a stream; stream mode leaves out room callbacks.
 */
export function historyToEvents(history: History, mode: LiveListMode): ListEvent[] {
  const events: ListEvent[] = []
  let time = 1_700_000_000_000
  const envelope = (event: string) => ({ event, appId: 1, timestamp: 1, nonce: '1', signature: 'x', raw: {} })
  for (const room of history.rooms) {
    const timed: Array<{ at: number; event: ListEvent }> = []
    let late: { close: { at: number; event: StreamClosedEvent }; afterMs: number } | undefined
    room.sessions.forEach((session, index) => {
      const roomSessionId = session.id
      const tick = session.tickMs ?? 10
      const sessionStart = time
      // A late close of the previous session lands this long after this session began.
      if (late) {
        late.close.at = late.close.event.destroyTimeMs = sessionStart + late.afterMs
        late = undefined
      }
      if (mode === 'rooms') {
        timed.push({ at: time, event: { ...envelope('room_create'), roomId: room.roomId, roomSessionId, roomCreateTime: time, idName: 'u' } as RoomCreatedEvent })
      }
      // Interleave the streams' steps in a fixed round-robin order.
      const queues = session.streams.map((stream) => ({ id: stream.id, steps: [...stream.steps], seq: 0, createdAt: 0 }))
      let lastClose: { at: number; event: StreamClosedEvent } | undefined
      let skewMs = session.skewMs
      while (queues.some((queue) => queue.steps.length > 0)) {
        for (const queue of queues) {
          const step = queue.steps.shift()
          if (step === undefined) continue
          queue.seq += 1
          time += tick
          if (step === 'close') {
            const event = {
              ...envelope('stream_close'), roomId: room.roomId, roomSessionId, userId: 'u', userName: '', channelId: room.roomId,
              closeReason: 'normal', closeReasonCode: 0, streamAlias: queue.id, streamId: queue.id, streamSid: `sid-${queue.id}`,
              streamSeq: queue.seq, thirdDefineData: '', createTimeMs: queue.createdAt, destroyTimeMs: time + (skewMs ?? 0),
            } as StreamClosedEvent
            skewMs = undefined
            const item = { at: time, event }
            timed.push(item)
            if (queue.steps.length === 0) lastClose = item
          } else {
            if (step === 'create') queue.createdAt = time
            timed.push({ at: time, event: {
              ...envelope('stream_create'), roomId: room.roomId, roomSessionId, userId: 'u', userName: '', channelId: room.roomId,
              streamId: queue.id, streamSid: `sid-${queue.id}`, title: `${step} ${queue.seq}`, streamAlias: queue.id,
              streamAttr: {}, codec: undefined, streamSeq: queue.seq, createTime: Math.floor(time / 1000), createTimeMs: time,
              extraInfo: '', recreate: step === 'recreate', publishId: 'u', publishName: '', rtmpUrls: [], hlsUrls: [], hdlUrls: [], picUrls: [],
            } as StreamCreatedEvent })
          }
        }
      }
      const last = index === room.sessions.length - 1
      if (!last && session.lateCloseMs !== undefined && lastClose) late = { close: lastClose, afterMs: session.lateCloseMs }
      if (mode === 'rooms' && !(last && room.lastOpen)) {
        time += tick
        timed.push({ at: time, event: { ...envelope('room_close'), roomId: room.roomId, roomSessionId, closeReason: 'normal', closeReasonCode: 0, roomCloseTime: time } as RoomClosedEvent })
      }
      time += session.gapMs ?? 1_000
    })
    // The true order is the order of event times (stable for equal ones).
    timed.sort((a, b) => a.at - b.at)
    events.push(...timed.map((item) => item.event))
    time += 1_000
  }
  return events
}

/** The list's final state, in a stable order, for comparing two deliveries. */
export async function finalList(list: LiveStreamList) {
  const rooms = (await list.rooms()).map((room) => ({
    roomId: room.roomId,
    roomSessionId: room.roomSessionId,
    streams: room.streams.map((stream) => `${stream.streamId}@${stream.streamSeq}:${stream.title}`).sort(),
  }))
  rooms.sort((a, b) => a.roomId.localeCompare(b.roomId))
  const streams = (await list.streams()).map(({ roomId, streamId, streamSeq, title }) => ({ roomId, streamId, streamSeq, title }))
  streams.sort((a, b) => `${a.roomId}/${a.streamId}`.localeCompare(`${b.roomId}/${b.streamId}`))
  return { rooms, streams }
}

/** Every order of `items` (n! of them). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]]
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
}
