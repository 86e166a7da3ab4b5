import type { CallbackEnvelope } from './define.js'
import { defineEvent } from './define.js'
import { flag, id, jsonObject, quantity, text, urlList } from './fields.js'

/** The video codec named by `stream_attr.cid`. */
export type StreamCodec = 'H.264' | 'H.264 SVC' | 'VP8' | 'H.265'

const codecs: Readonly<Record<number, StreamCodec>> = { 0: 'H.264', 1: 'H.264 SVC', 2: 'VP8', 3: 'H.265' }

/** A stream started publishing (ZEGO `stream_create`); mixing does not send it. */
export interface StreamCreatedEvent extends CallbackEnvelope {
  /** The room the stream is published in (same as `channelId`). */
  roomId: string
  /** The room's lifetime id: a new one each time the room is created. Exact string. */
  roomSessionId: string
  /** The publishing user (same as `publishId`). */
  userId: string
  /** The publishing user's name. */
  userName: string
  /** Same as `roomId`. */
  channelId: string
  /** The stream id (same as `streamAlias`). */
  streamId: string
  /** ZEGO's server-side unique stream id. */
  streamSid: string
  /** The stream title. */
  title: string
  /** Same as `streamId`. */
  streamAlias: string
  /** `stream_attr` parsed from its JSON string, such as `{ cid: 0 }`; `{}` when absent. */
  streamAttr: Record<string, unknown>
  /** The codec named by `streamAttr.cid`; undefined when absent or unknown. */
  codec: StreamCodec | undefined
  /** The stream-list change counter (`"01"` is 1): compare numerically to order a stream's callbacks. */
  streamSeq: number
  /** Creation time, Unix seconds. */
  createTime: number
  /** Creation time, Unix milliseconds. */
  createTimeMs: number
  /** Extra information the publisher attached. */
  extraInfo: string
  /** True when the SDK re-published within 90 s and ZEGO kept the old stream; false for a new stream. */
  recreate: boolean
  /** Same as `userId`. */
  publishId: string
  /** Same as `userName`. */
  publishName: string
  /** RTMP play URLs. */
  rtmpUrls: string[]
  /** HLS play URLs. */
  hlsUrls: string[]
  /** HTTP-FLV play URLs. */
  hdlUrls: string[]
  /** Snapshot URLs. */
  picUrls: string[]
}

/** The `streamCreated` event: ZEGO's `stream_create` callback. */
export const streamCreated = defineEvent<StreamCreatedEvent>()({
  name: 'streamCreated',
  zegoEvent: 'stream_create',
  schema: {
    room_id: id(),
    room_session_id: id(),
    user_id: id(),
    user_name: text(),
    channel_id: text(),
    stream_id: id(),
    stream_sid: id(),
    title: text(),
    stream_alias: text(),
    stream_attr: jsonObject(),
    stream_seq: quantity(),
    create_time: quantity(),
    create_time_ms: quantity(),
    extra_info: text(),
    recreate: flag(),
    publish_id: text(),
    publish_name: text(),
    rtmp_url: urlList(),
    hls_url: urlList(),
    hdl_url: urlList(),
    pic_url: urlList(),
  },
  normalize: (p) => ({
    roomId: p.room_id,
    roomSessionId: p.room_session_id,
    userId: p.user_id,
    userName: p.user_name,
    channelId: p.channel_id,
    streamId: p.stream_id,
    streamSid: p.stream_sid,
    title: p.title,
    streamAlias: p.stream_alias,
    streamAttr: p.stream_attr,
    codec: typeof p.stream_attr['cid'] === 'number' ? codecs[p.stream_attr['cid']] : undefined,
    streamSeq: p.stream_seq,
    createTime: p.create_time,
    createTimeMs: p.create_time_ms,
    extraInfo: p.extra_info,
    recreate: p.recreate,
    publishId: p.publish_id,
    publishName: p.publish_name,
    rtmpUrls: p.rtmp_url,
    hlsUrls: p.hls_url,
    hdlUrls: p.hdl_url,
    picUrls: p.pic_url,
  }),
  identity: (e) => [e.streamSid, e.streamSeq],
})
