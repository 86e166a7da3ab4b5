import { nameOf, roomCloseReasons, type RoomCloseReason } from './codes.js'
import type { CallbackEnvelope } from './define.js'
import { defineEvent } from './define.js'
import { id, quantity } from './fields.js'

/** A room was closed (ZEGO `room_close`): its last user left. */
export interface RoomClosedEvent extends CallbackEnvelope {
  /** The room id. */
  roomId: string
  /** The room's lifetime id. Exact string. */
  roomSessionId: string
  /** Why the room closed, by name. */
  closeReason: RoomCloseReason
  /** Why the room closed, ZEGO's code: 0 normal, 1 last user's heartbeat timed out, 2 last user went offline, 3 last user kicked out. */
  closeReasonCode: number
  /** When the room was closed, Unix milliseconds. */
  roomCloseTime: number
}

/** The `roomClosed` event: ZEGO's `room_close` callback. */
export const roomClosed = defineEvent<RoomClosedEvent>()({
  name: 'roomClosed',
  zegoEvent: 'room_close',
  schema: {
    room_id: id(),
    room_session_id: id(),
    close_reason: quantity(),
    room_close_time: quantity(),
  },
  normalize: (p) => ({
    roomId: p.room_id,
    roomSessionId: p.room_session_id,
    closeReason: nameOf(roomCloseReasons, p.close_reason),
    closeReasonCode: p.close_reason,
    roomCloseTime: p.room_close_time,
  }),
  identity: (e) => [e.roomSessionId],
})
