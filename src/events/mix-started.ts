import type { CallbackEnvelope } from './define.js'
import { defineEvent } from './define.js'
import { id, quantity, text, urlList } from './fields.js'

/** A stream mix started (ZEGO `mix_start`). */
export interface MixStartedEvent extends CallbackEnvelope {
  /** The mix request sequence number; increases with each request. */
  seq: number
  /** The mix task id, prefixed with the AppID (`'111111:1111'`). Exact string. */
  taskId: string
  /** The channel id. */
  channelId: string
  /** The publisher id. */
  publishId: string
  /** The RTMP output URL of the mix. */
  mixUrl: string
  /** The stream alias of the mixed output. */
  mixStreamAlias: string
  /** The stream alias. */
  streamAlias: string
  /** RTMP play URLs of the mix (`rtmp_urls`, plus a stray single `rtmp_url` if it differs). */
  rtmpUrls: string[]
  /** HLS play URLs of the mix. */
  hlsUrls: string[]
  /** HTTP-FLV play URLs of the mix. */
  hdlUrls: string[]
}

/** The `mixStarted` event: ZEGO's `mix_start` callback. */
export const mixStarted = defineEvent<MixStartedEvent>()({
  name: 'mixStarted',
  zegoEvent: 'mix_start',
  schema: {
    seq: quantity(),
    task_id: id(),
    channel_id: text(),
    publish_id: text(),
    mix_url: text(),
    mix_stream_alias: text(),
    stream_alias: text(),
    rtmp_urls: urlList(),
    hls_urls: urlList(),
    hdl_urls: urlList(),
    rtmp_url: urlList(),
    hls_url: urlList(),
    hdl_url: urlList(),
  },
  normalize: (p) => ({
    seq: p.seq,
    taskId: p.task_id,
    channelId: p.channel_id,
    publishId: p.publish_id,
    mixUrl: p.mix_url,
    mixStreamAlias: p.mix_stream_alias,
    streamAlias: p.stream_alias,
    rtmpUrls: union(p.rtmp_urls, p.rtmp_url),
    hlsUrls: union(p.hls_urls, p.hls_url),
    hdlUrls: union(p.hdl_urls, p.hdl_url),
  }),
  identity: (e) => [e.taskId, e.seq],
})

// ZEGO's own example sends each list both as an array and as a stray single string.
function union(list: string[], stray: string[]): string[] {
  return [...new Set([...list, ...stray])]
}
