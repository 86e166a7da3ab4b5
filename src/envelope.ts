import { getOwn, type RawPayload, type RawValue } from './raw.js'

/**
 * The ZEGO product a callback comes from, as its envelope tells (REFERENCE section 6); `'other'`
 * when the envelope does not say.
 */
export type ZegoProduct =
  | 'rtc'
  | 'zim'
  | 'ai_agent'
  | 'asr'
  | 'cloud_recording'
  | 'cloud_player'
  | 'digital_human'
  | 'rtc_moderation'
  | 'rtc_transcoding'
  | 'other'

/** What a callback's envelope says, read the same way for every product, before anything is trusted. */
export interface Envelope {
  /** The product that sent it. */
  product: ZegoProduct
  /** The event name: `event` / `Event` as sent, or `'<product>:<code>'` from `event_type` / `EventType`; undefined when there is none. */
  event: string | undefined
  /** The AppID as sent, from whichever of the products' AppID keys is present. */
  appId: RawValue | undefined
  /** The signed fields as sent (`timestamp`, `nonce`, `signature`, or their PascalCase twins). */
  timestamp: RawValue | undefined
  nonce: RawValue | undefined
  signature: RawValue | undefined
  /** The unit this product stamps `timestamp` in: AI Agent and real-time ASR use milliseconds. */
  unit: 's' | 'ms'
}

// Every AppID key the products use: RTC and ZIM `appid`, PascalCase products `AppId`, Cloud Player
// `AppID`, transcoding `Appid`, Cloud Recording `app_id`.
const APP_ID_KEYS = ['appid', 'AppId', 'AppID', 'Appid', 'app_id'] as const

// RTC's own names among ZEGO's room callbacks; ZIM sends other `room_*` callbacks, and a
// `room_create` of its own.
const RTC_ROOM_EVENTS: ReadonlySet<string> = new Set(['room_create', 'room_close', 'room_login', 'room_logout'])

/** Reads the envelope of a raw payload: product, event name, AppID and the signed fields. */
export function readEnvelope(raw: RawPayload): Envelope {
  const timestamp = getOwn(raw, 'timestamp') ?? getOwn(raw, 'Timestamp')
  const nonce = getOwn(raw, 'nonce') ?? getOwn(raw, 'Nonce')
  const signature = getOwn(raw, 'signature') ?? getOwn(raw, 'Signature')
  const appId = firstOf(raw, APP_ID_KEYS)
  const snake = getOwn(raw, 'event')
  if (snake !== undefined) {
    const event = nameOf(snake)
    return { product: snakeProduct(event, raw), event, appId, timestamp, nonce, signature, unit: 's' }
  }
  const pascal = getOwn(raw, 'Event')
  if (pascal !== undefined) {
    const event = nameOf(pascal)
    const product = pascalProduct(event, raw, timestamp)
    const unit = product === 'ai_agent' || product === 'asr' ? 'ms' : 's'
    return { product, event, appId, timestamp, nonce, signature, unit }
  }
  const recording = getOwn(raw, 'event_type')
  if (recording !== undefined) {
    return { product: 'cloud_recording', event: coded('cloud_recording', recording), appId, timestamp, nonce, signature, unit: 's' }
  }
  const type = getOwn(raw, 'EventType')
  const product = Object.hasOwn(raw, 'AppID') ? 'cloud_player' : Object.hasOwn(raw, 'AppId') ? 'digital_human' : 'other'
  return { product, event: coded(product, type), appId, timestamp, nonce, signature, unit: 's' }
}

function firstOf(raw: RawPayload, keys: readonly string[]): RawValue | undefined {
  for (const key of keys) {
    const value = getOwn(raw, key)
    if (value !== undefined) return value
  }
  return undefined
}

function nameOf(value: RawValue): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

// `event_type` / `EventType` is an integer code; the name says which product it belongs to.
function coded(product: ZegoProduct, value: RawValue | undefined): string | undefined {
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? `${product}:${Number(value)}` : undefined
}

// snake_case `event`: RTC or ZIM. ZIM's own names are its messages, calls, groups and the room
// callbacks RTC does not send; a `room_create` is ZIM's when it carries ZIM's `operator_account`
// and not RTC's room session id (ZEGO documents those fields for the two).
function snakeProduct(event: string | undefined, raw: RawPayload): ZegoProduct {
  if (event === undefined) return 'rtc'
  if (event === 'send_msg' || event === 'before_send_msg' || event.startsWith('call_') || event.startsWith('group_')) {
    return 'zim'
  }
  if (!event.startsWith('room_')) return 'rtc'
  if (!RTC_ROOM_EVENTS.has(event)) return 'zim'
  const zimShaped =
    Object.hasOwn(raw, 'operator_account') && !Object.hasOwn(raw, 'room_session_id') && !Object.hasOwn(raw, 'room_seq')
  return zimShaped ? 'zim' : 'rtc'
}

// PascalCase `Event`: RTC moderation (`censor_*`) and transcoding (`transcode_*`) stamp seconds;
// AI Agent and real-time ASR stamp milliseconds (13 digits), AI Agent's callbacks name their
// agent instance.
function pascalProduct(event: string | undefined, raw: RawPayload, timestamp: RawValue | undefined): ZegoProduct {
  if (event?.startsWith('censor_')) return 'rtc_moderation'
  if (event?.startsWith('transcode_')) return 'rtc_transcoding'
  if (typeof timestamp === 'string' && timestamp.length === 13) {
    return Object.hasOwn(raw, 'AgentInstanceId') ? 'ai_agent' : 'asr'
  }
  return 'other'
}
