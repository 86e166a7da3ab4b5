import type { CallbackEnvelope } from './define.js'
import { defineEvent } from './define.js'
import { id, quantity, text } from './fields.js'

/** A stream mix ended (ZEGO `mix_stop`); not sent when a stop request fails or a mix ends abnormally. */
export interface MixStoppedEvent extends CallbackEnvelope {
  /** The mix request sequence number. */
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
}

/** The `mixStopped` event: ZEGO's `mix_stop` callback. */
export const mixStopped = defineEvent<MixStoppedEvent>()({
  name: 'mixStopped',
  zegoEvent: 'mix_stop',
  schema: {
    seq: quantity(),
    task_id: id(),
    channel_id: text(),
    publish_id: text(),
    mix_url: text(),
    mix_stream_alias: text(),
  },
  normalize: (p) => ({
    seq: p.seq,
    taskId: p.task_id,
    channelId: p.channel_id,
    publishId: p.publish_id,
    mixUrl: p.mix_url,
    mixStreamAlias: p.mix_stream_alias,
  }),
  identity: (e) => [e.taskId, e.seq],
})
