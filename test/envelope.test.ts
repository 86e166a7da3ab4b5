import { describe, expect, it } from 'vitest'
import { readEnvelope } from '../src/envelope.js'
import { ZegoReceiver, type CallbackEvent, type RejectedEvent } from '../src/index.js'
import type { RawPayload } from '../src/raw.js'
import { createCallback, toJsonBody, type CallbackPayload } from '../src/testing/index.js'

const signed = { timestamp: '1700000000', nonce: '1', signature: 'x' }
const pascal = { Timestamp: '1700000000', Nonce: '1', Signature: 'x' }

describe('readEnvelope', () => {
  it.each<[string, RawPayload, { product: string; event: string | undefined; unit: 's' | 'ms'; appId?: string }]>([
    ['RTC stream_create', { event: 'stream_create', appid: '7', ...signed }, { product: 'rtc', event: 'stream_create', unit: 's', appId: '7' }],
    ['RTC room_create', { event: 'room_create', room_session_id: '1', ...signed }, { product: 'rtc', event: 'room_create', unit: 's' }],
    ['an unknown snake_case event', { event: 'record_done', ...signed }, { product: 'rtc', event: 'record_done', unit: 's' }],
    ['ZIM room_create', { event: 'room_create', operator_account: 'a', appid: '1', ...signed }, { product: 'zim', event: 'room_create', unit: 's', appId: '1' }],
    ['ZIM room_destroy', { event: 'room_destroy', ...signed }, { product: 'zim', event: 'room_destroy', unit: 's' }],
    ['ZIM send_msg', { event: 'send_msg', ...signed }, { product: 'zim', event: 'send_msg', unit: 's' }],
    ['ZIM before_send_msg', { event: 'before_send_msg', ...signed }, { product: 'zim', event: 'before_send_msg', unit: 's' }],
    ['ZIM group_create', { event: 'group_create', ...signed }, { product: 'zim', event: 'group_create', unit: 's' }],
    ['ZIM call_create', { event: 'call_create', ...signed }, { product: 'zim', event: 'call_create', unit: 's' }],
    [
      'AI Agent',
      { Event: 'Exception', AppId: '9', AgentInstanceId: '1', ...pascal, Timestamp: '1700000000000' },
      { product: 'ai_agent', event: 'Exception', unit: 'ms', appId: '9' },
    ],
    ['real-time ASR', { Event: 'ASRResult', AppId: '9', ...pascal, Timestamp: '1700000000000' }, { product: 'asr', event: 'ASRResult', unit: 'ms' }],
    ['moderation', { Event: 'censor_audio', AppId: '3', ...pascal }, { product: 'rtc_moderation', event: 'censor_audio', unit: 's', appId: '3' }],
    ['transcoding', { Event: 'transcode_done', Appid: '4', ...pascal }, { product: 'rtc_transcoding', event: 'transcode_done', unit: 's', appId: '4' }],
    ['another PascalCase product', { Event: 'Something', AppId: '5', ...pascal }, { product: 'other', event: 'Something', unit: 's', appId: '5' }],
    ['Cloud Recording', { event_type: '2', app_id: '6', ...signed }, { product: 'cloud_recording', event: 'cloud_recording:2', unit: 's', appId: '6' }],
    ['Cloud Player', { EventType: '05', AppID: '8', ...pascal }, { product: 'cloud_player', event: 'cloud_player:5', unit: 's', appId: '8' }],
    ['Digital Human', { EventType: '3', AppId: '8', ...pascal }, { product: 'digital_human', event: 'digital_human:3', unit: 's', appId: '8' }],
    ['a PascalCase code without an AppID key', { EventType: '3', ...pascal }, { product: 'other', event: 'other:3', unit: 's' }],
    ['a callback with no name at all', { ...signed }, { product: 'other', event: undefined, unit: 's' }],
    ['an event_type that is not a code', { event_type: 'x', ...signed }, { product: 'cloud_recording', event: undefined, unit: 's' }],
    ['an empty event', { event: '', ...signed }, { product: 'rtc', event: undefined, unit: 's' }],
    ['an event sent twice (a form array)', { event: ['stream_create', 'stream_create'], ...signed }, { product: 'rtc', event: undefined, unit: 's' }],
    ['a room_create with operator_account and room_seq', { event: 'room_create', operator_account: 'a', room_seq: '1', ...signed }, { product: 'rtc', event: 'room_create', unit: 's' }],
    ['an empty Event', { Event: '', ...pascal }, { product: 'other', event: undefined, unit: 's' }],
    ['an empty Event, milliseconds', { Event: '', ...pascal, Timestamp: '1700000000000' }, { product: 'asr', event: undefined, unit: 'ms' }],
    ['a Timestamp sent 13 times', { Event: 'ASRResult', ...pascal, Timestamp: Array<string>(13).fill('1') }, { product: 'other', event: 'ASRResult', unit: 's' }],
    ['an event_type sent twice', { event_type: ['2', '2'], ...signed }, { product: 'cloud_recording', event: undefined, unit: 's' }],
    ['an event_type[] of one item', { event_type: ['2'], ...signed }, { product: 'cloud_recording', event: undefined, unit: 's' }],
    ['an event_type with a letter before', { event_type: 'x2', ...signed }, { product: 'cloud_recording', event: undefined, unit: 's' }],
    ['an event_type with a letter after', { event_type: '2x', ...signed }, { product: 'cloud_recording', event: undefined, unit: 's' }],
    ['an event_type of 10 digits', { event_type: '1234567890', ...signed }, { product: 'cloud_recording', event: undefined, unit: 's' }],
    ['an event_type of 9 digits', { event_type: '123456789', ...signed }, { product: 'cloud_recording', event: 'cloud_recording:123456789', unit: 's' }],
  ])('reads %s', (_name, raw, want) => {
    const envelope = readEnvelope(raw)
    expect(envelope).toMatchObject({ product: want.product, event: want.event, unit: want.unit })
    if (want.appId !== undefined) expect(envelope.appId).toBe(want.appId)
  })

  it('reads the signed fields in either key case, and never from the prototype', () => {
    expect(readEnvelope({ Event: 'E', ...pascal })).toMatchObject({ timestamp: '1700000000', nonce: '1', signature: 'x' })
    const inherited = Object.create({ timestamp: '1', nonce: '2', signature: '3', event: 'stream_create' }) as RawPayload
    expect(readEnvelope(inherited)).toMatchObject({ timestamp: undefined, nonce: undefined, signature: undefined, event: undefined })
  })
})

describe('callbacks of another product that share an RTC event name', () => {
  const secret = 'shared-names-secret'
  const setup = () => {
    const receiver = new ZegoReceiver({ secret })
    const seen = { callbacks: [] as CallbackEvent[], rooms: 0, rejected: [] as RejectedEvent[] }
    receiver.on('callback', (event) => {
      seen.callbacks.push(event)
    })
    receiver.on('roomCreated', () => {
      seen.rooms++
    })
    receiver.on('rejected', (event) => {
      seen.rejected.push(event)
    })
    const post = (payload: CallbackPayload) => receiver.receive({ method: 'POST', contentType: 'application/json', body: toJsonBody(payload) })
    return { post, seen }
  }

  it('delivers ZIM\'s room_create to callback only, answered 200', async () => {
    const { post, seen } = setup()
    expect((await post(createCallback('room_create', {}, { secret, product: 'zim' }))).status).toBe(200)
    expect(seen.callbacks).toEqual([expect.objectContaining({ product: 'zim', event: 'room_create' })])
    expect(seen.rooms).toBe(0)
  })

  it('still refuses a genuine RTC room_create that fails validation with its precise 400', async () => {
    const { post, seen } = setup()
    const answer = await post(createCallback('room_create', { room_session_id: undefined }, { secret }))
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ reason: 'invalid_payload', message: expect.stringContaining('room_session_id') })
    expect(seen.callbacks).toEqual([])
  })

  it('keeps an RTC room_create RTC\'s even when it also carries operator_account', async () => {
    const { post, seen } = setup()
    expect((await post(createCallback('room_create', { operator_account: 'x' }, { secret }))).status).toBe(200)
    expect(seen.rooms).toBe(1)
    expect(seen.callbacks[0]?.product).toBe('rtc')
  })
})
