import type { CallbackEnvelope } from './define.js'
import { defineEvent } from './define.js'
import { id, quantity, text } from './fields.js'

/** A room was created (ZEGO `room_create`): its first user logged in. */
export interface RoomCreatedEvent extends CallbackEnvelope {
  /** The room id. */
  roomId: string
  /** The room's lifetime id, new each time the room is created (ZEGO sends a bare 64-bit number). Exact string. */
  roomSessionId: string
  /** When the room was created, Unix milliseconds. */
  roomCreateTime: number
  /** The user id of the room's creator (`id_name`). */
  idName: string
}

/** The `roomCreated` event: ZEGO's `room_create` callback. */
export const roomCreated = defineEvent<RoomCreatedEvent>()({
  name: 'roomCreated',
  zegoEvent: 'room_create',
  schema: {
    room_id: id(),
    room_session_id: id(),
    room_create_time: quantity(),
    id_name: text(),
  },
  normalize: (p) => ({
    roomId: p.room_id,
    roomSessionId: p.room_session_id,
    roomCreateTime: p.room_create_time,
    idName: p.id_name,
  }),
  identity: (e) => [e.roomSessionId],
})
