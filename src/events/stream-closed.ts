import { nameOf, streamCloseReasons, type StreamCloseReason } from './codes.js'
import type { CallbackEnvelope } from './define.js'
import { defineEvent } from './define.js'
import { id, quantity, text } from './fields.js'

/** A stream stopped (ZEGO `stream_close`); stopping a mix does not send it. */
export interface StreamClosedEvent extends CallbackEnvelope {
  /** The room the stream was published in (same as `channelId`). */
  roomId: string
  /** The room's lifetime id. Exact string. */
  roomSessionId: string
  /** The publishing user. */
  userId: string
  /** The publishing user's name. */
  userName: string
  /** Same as `roomId`. */
  channelId: string
  /** Why the stream closed, by name (`type`). */
  closeReason: StreamCloseReason
  /** Why the stream closed, ZEGO's code: 0 normal, 1 heartbeat timeout, 2 relogin, 3 kicked by API, 4 TCP disconnect, 5 room cleared, 100 deleted by API. */
  closeReasonCode: number
  /** Same as `streamId`. */
  streamAlias: string
  /** The stream id. */
  streamId: string
  /** ZEGO's server-side unique stream id. */
  streamSid: string
  /** The stream-list change counter: a close applies only over a smaller one. */
  streamSeq: number
  /** The stream's extra information at close (`third_define_data`), as sent. */
  thirdDefineData: string
  /** When the stream was created, Unix milliseconds. */
  createTimeMs: number
  /** When the stream was destroyed, Unix milliseconds (`destroy_timemillis`). */
  destroyTimeMs: number
}

/** The `streamClosed` event: ZEGO's `stream_close` callback. */
export const streamClosed = defineEvent<StreamClosedEvent>()({
  name: 'streamClosed',
  zegoEvent: 'stream_close',
  schema: {
    room_id: id(),
    room_session_id: id(),
    user_id: id(),
    user_name: text(),
    channel_id: text(),
    type: quantity(),
    stream_alias: text(),
    stream_id: id(),
    stream_sid: id(),
    stream_seq: quantity(),
    third_define_data: text(),
    create_time_ms: quantity(),
    destroy_timemillis: quantity(),
  },
  normalize: (p) => ({
    roomId: p.room_id,
    roomSessionId: p.room_session_id,
    userId: p.user_id,
    userName: p.user_name,
    channelId: p.channel_id,
    closeReason: nameOf(streamCloseReasons, p.type),
    closeReasonCode: p.type,
    streamAlias: p.stream_alias,
    streamId: p.stream_id,
    streamSid: p.stream_sid,
    streamSeq: p.stream_seq,
    thirdDefineData: p.third_define_data,
    createTimeMs: p.create_time_ms,
    destroyTimeMs: p.destroy_timemillis,
  }),
  identity: (e) => [e.streamSid, e.streamSeq],
})
