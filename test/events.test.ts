import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PayloadError } from '../src/errors.js'
import { mixStarted } from '../src/events/mix-started.js'
import { mixStopped } from '../src/events/mix-stopped.js'
import { definitionFor } from '../src/events/registry.js'
import { roomClosed } from '../src/events/room-closed.js'
import { roomCreated } from '../src/events/room-created.js'
import { streamClosed } from '../src/events/stream-closed.js'
import { streamCreated } from '../src/events/stream-created.js'
import { userLoggedIn } from '../src/events/user-logged-in.js'
import { userLoggedOut } from '../src/events/user-logged-out.js'
import { logoutReasons, roomCloseReasons, streamCloseReasons, terminalTypes, userRoles } from '../src/index.js'
import { parseLosslessJson } from '../src/json.js'
import type { RawPayload, RawValue } from '../src/raw.js'

// ZEGO's own documentation examples, shared with the rest of the project.
const fixturesDir = new URL('./fixtures/', import.meta.url)

function fixtureText(name: string): string {
  return readFileSync(new URL(`${name}.json`, fixturesDir), 'utf8')
}

/** A fresh raw payload from a fixture, decoded losslessly (numbers stay exact strings), with changes applied. */
function fixture(name: string, changes: Record<string, RawValue | undefined> = {}): RawPayload {
  const value = parseLosslessJson(fixtureText(name))
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} is not an object`)
  for (const [key, change] of Object.entries(changes)) {
    if (change === undefined) delete value[key]
    else value[key] = change
  }
  return value
}

/** Runs `parse` and returns the PayloadError it throws (failing the test if it throws anything else or nothing). */
function payloadError(parse: () => unknown): PayloadError {
  let caught: unknown
  try {
    parse()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(PayloadError)
  return caught as PayloadError
}

function expectPayloadError(parse: () => unknown, field: string): void {
  const error = payloadError(parse)
  expect(error.code).toBe('invalid_payload')
  expect(error.status).toBe(400)
  expect(error.path).toEqual([field])
  expect(error.message).toContain(field)
}

describe('streamCreated.parse', () => {
  it('normalizes every field of ZEGO\'s stream_create example', () => {
    const raw = fixture('stream_create')
    const event = streamCreated.parse(raw)
    expect(event).toStrictEqual({
      event: 'stream_create',
      appId: 1,
      timestamp: 1687981272,
      nonce: '7254119327986670314',
      signature: 'xxx',
      raw,
      roomId: 'room1',
      roomSessionId: '1234567',
      userId: 'user1',
      userName: 'user1_name',
      channelId: '0xb-0x1',
      streamId: 'stream_id',
      streamSid: 's-115205136669740000000000104',
      title: 'title',
      streamAlias: 'aaa',
      streamAttr: { cid: 0 },
      codec: 'H.264',
      streamSeq: 1,
      createTime: 1687981272,
      createTimeMs: 1687981272742,
      extraInfo: 'extra',
      recreate: false,
      publishId: 'publish',
      publishName: 'publish_name',
      rtmpUrls: ['rtmp://rtmp.wsdemo.zego.im/zegodemo/aaa', 'rtmp://testplay.aliyun.zego.im/livestream/aaa'],
      hlsUrls: [
        'http://hls.wsdemo.zego.im/zegodemo/aaa/playlist.m3u8',
        'http://testplay.aliyun.zego.im/livestream/aaa.m3u8',
      ],
      hdlUrls: ['http://hdl.wsdemo.zego.im/zegodemo/aaa.flv', 'http://testplay.aliyun.zego.im/livestream/aaa.flv'],
      picUrls: ['http://pic.wsdemo.zego.im/zegodemo/aaa.jpg'],
    })
  })

  it('keeps the payload it was given as `raw`, unchanged', () => {
    const raw = fixture('stream_create')
    const before = { ...raw }
    const event = streamCreated.parse(raw)
    expect(event.raw).toBe(raw)
    expect({ ...raw }).toStrictEqual(before)
    expect(raw['stream_seq']).toBe('01')
    expect(raw['stream_attr']).toBe('{"cid":0}')
  })

  it('reads the fixture losslessly: the raw values are the exact strings', () => {
    const raw = fixture('stream_create')
    expect(raw['nonce']).toBe('7254119327986670314')
    expect(raw['appid']).toBe('1')
  })

  it('reads recreate "1" as true', () => {
    expect(streamCreated.parse(fixture('stream_create', { recreate: '1' })).recreate).toBe(true)
  })

  it('reads a missing recreate as false', () => {
    expect(streamCreated.parse(fixture('stream_create', { recreate: undefined })).recreate).toBe(false)
  })

  it('refuses a recreate flag other than "0" / "1"', () => {
    expectPayloadError(() => streamCreated.parse(fixture('stream_create', { recreate: '2' })), 'recreate')
  })

  it.each([
    [1, 'H.264 SVC'],
    [2, 'VP8'],
    [3, 'H.265'],
    [9, undefined],
  ] as const)('maps stream_attr cid %s to codec %s', (cid, codec) => {
    const event = streamCreated.parse(fixture('stream_create', { stream_attr: `{"cid":${cid}}` }))
    expect(event.streamAttr).toStrictEqual({ cid })
    expect(event.codec).toBe(codec)
  })

  it('has no codec when stream_attr has no numeric cid', () => {
    expect(streamCreated.parse(fixture('stream_create', { stream_attr: '{"cid":"0"}' })).codec).toBeUndefined()
    expect(streamCreated.parse(fixture('stream_create', { stream_attr: '{"other":1}' })).codec).toBeUndefined()
  })

  it.each([
    ['empty', ''],
    ['blank', '  '],
    ['absent', undefined],
  ])('reads an %s stream_attr as {} with no codec', (_, value) => {
    const event = streamCreated.parse(fixture('stream_create', { stream_attr: value }))
    expect(event.streamAttr).toStrictEqual({})
    expect(event.codec).toBeUndefined()
  })

  // stream_attr is descriptive: an unusable one gives {} (raw keeps it) instead of refusing the
  // whole stream_create, which ZEGO would retry five times and then lose.
  it.each(['{cid:0}', 'not json', '[0]', 'null', '"text"', '0'])('reads an unusable stream_attr %s as {}', (value) => {
    const event = streamCreated.parse(fixture('stream_create', { stream_attr: value }))
    expect(event.streamAttr).toEqual({})
    expect(event.codec).toBeUndefined()
    expect(event.raw['stream_attr']).toBe(value)
  })

  it('reads a stream_attr sent as a JSON object, its cid as a number', () => {
    const raw = parseLosslessJson(
      JSON.stringify({ ...JSON.parse(readFileSync(new URL('stream_create.json', fixturesDir), 'utf8')), stream_attr: { cid: 2 } }),
    )
    const event = streamCreated.parse(raw as RawPayload)
    expect(event.streamAttr).toEqual({ cid: 2 })
    expect(event.codec).toBe('VP8')
  })

  it('reads stream_seq "01" and "0700" numerically', () => {
    expect(streamCreated.parse(fixture('stream_create', { stream_seq: '0700' })).streamSeq).toBe(700)
    expect(streamCreated.parse(fixture('stream_create')).streamSeq).toBe(1)
  })

  it('accepts the largest safe integer as a quantity', () => {
    const event = streamCreated.parse(fixture('stream_create', { create_time_ms: '9007199254740991' }))
    expect(event.createTimeMs).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('keeps a bare 19-digit room_session_id and nonce exact', () => {
    const raw = parseLosslessJson(
      fixtureText('stream_create')
        .replace('"room_session_id": "1234567"', '"room_session_id": 7254119327986670314')
        .replace('"nonce": "7254119327986670314"', '"nonce": 7257784982359218206'),
    ) as RawPayload
    expect(raw['room_session_id']).toBe('7254119327986670314')
    const event = streamCreated.parse(raw)
    expect(event.roomSessionId).toBe('7254119327986670314')
    expect(event.nonce).toBe('7257784982359218206')
  })

  it('reads bare JSON numbers for appid, timestamp and quantities', () => {
    const raw = parseLosslessJson(
      fixtureText('stream_create')
        .replace('"appid": "1"', '"appid": 1')
        .replace('"timestamp": "1687981272"', '"timestamp": 1687981272')
        .replace('"stream_seq": "01"', '"stream_seq": 7'),
    ) as RawPayload
    const event = streamCreated.parse(raw)
    expect(event.appId).toBe(1)
    expect(event.timestamp).toBe(1687981272)
    expect(event.streamSeq).toBe(7)
  })

  it.each(['stream_id', 'room_id', 'user_id', 'stream_sid', 'room_session_id'])('refuses a missing %s', (field) => {
    expectPayloadError(() => streamCreated.parse(fixture('stream_create', { [field]: undefined })), field)
  })

  it('refuses an empty stream_id', () => {
    expectPayloadError(() => streamCreated.parse(fixture('stream_create', { stream_id: '' })), 'stream_id')
  })

  it('names stream_id in the message of a missing stream_id', () => {
    const error = payloadError(() => streamCreated.parse(fixture('stream_create', { stream_id: undefined })))
    expect(error.message).toMatch(/stream_id/)
    expect(error.name).toBe('PayloadError')
  })

  const badQuantities = ['1.5', '', 'abc', '-1', '12345678901234567', ' 1', '1e3', '0x10'] as const

  describe.each(['stream_seq', 'create_time_ms', 'create_time'])('quantity %s', (field) => {
    it.each(badQuantities)('refuses %j with a PayloadError naming the field', (value) => {
      expectPayloadError(() => streamCreated.parse(fixture('stream_create', { [field]: value })), field)
    })

    it.each(['9007199254740992', '9999999999999999'])('refuses %s, beyond Number.MAX_SAFE_INTEGER', (value) => {
      expectPayloadError(() => streamCreated.parse(fixture('stream_create', { [field]: value })), field)
    })

    it('refuses a bare 17-digit JSON number', () => {
      const raw = parseLosslessJson(
        fixtureText('stream_create').replace(new RegExp(`"${field}": "\\d+"`), `"${field}": 12345678901234567`),
      ) as RawPayload
      expect(raw[field]).toBe('12345678901234567')
      expectPayloadError(() => streamCreated.parse(raw), field)
    })

    it('refuses a missing value', () => {
      expectPayloadError(() => streamCreated.parse(fixture('stream_create', { [field]: undefined })), field)
    })
  })

  it.each(['1.5', '', 'abc', '-1'])('refuses appid %j with a PayloadError naming appid', (value) => {
    expectPayloadError(() => streamCreated.parse(fixture('stream_create', { appid: value })), 'appid')
  })

  it('refuses a missing nonce', () => {
    expectPayloadError(() => streamCreated.parse(fixture('stream_create', { nonce: undefined })), 'nonce')
  })

  it('accepts unknown extra fields and keeps them in raw', () => {
    const raw = fixture('stream_create', { new_field: 'value', nested: ['a'] })
    const event = streamCreated.parse(raw)
    expect(event.raw['new_field']).toBe('value')
    expect(event.raw['nested']).toEqual(['a'])
    expect(event).not.toHaveProperty('new_field')
    expect(event).not.toHaveProperty('newField')
  })

  it('reads absent optional text fields as empty strings', () => {
    const absent = ['user_name', 'channel_id', 'title', 'stream_alias', 'extra_info', 'publish_id', 'publish_name']
    const event = streamCreated.parse(fixture('stream_create', Object.fromEntries(absent.map((key) => [key, undefined]))))
    expect(event.userName).toBe('')
    expect(event.channelId).toBe('')
    expect(event.title).toBe('')
    expect(event.streamAlias).toBe('')
    expect(event.extraInfo).toBe('')
    expect(event.publishId).toBe('')
    expect(event.publishName).toBe('')
  })

  it('reads absent URL lists as []', () => {
    const event = streamCreated.parse(
      fixture('stream_create', { rtmp_url: undefined, hls_url: undefined, hdl_url: undefined, pic_url: undefined }),
    )
    expect(event.rtmpUrls).toStrictEqual([])
    expect(event.hlsUrls).toStrictEqual([])
    expect(event.hdlUrls).toStrictEqual([])
    expect(event.picUrls).toStrictEqual([])
  })

  it('reads a single-string URL (a form body with one value) as a one-element array', () => {
    const event = streamCreated.parse(
      fixture('stream_create', { rtmp_url: 'rtmp://a/b', pic_url: 'http://pic/a.jpg?x=%2F' }),
    )
    expect(event.rtmpUrls).toStrictEqual(['rtmp://a/b'])
    expect(event.picUrls).toStrictEqual(['http://pic/a.jpg?x=%2F'])
  })

  it('refuses a URL list holding something other than strings', () => {
    // A URL list is validated as one superstruct node (per-element nodes cost ~6x), so the path
    // names the field and the message names the item.
    const error = payloadError(() => streamCreated.parse(fixture('stream_create', { hls_url: ['a', ['b']] })))
    expect(error.path).toEqual(['hls_url'])
    expect(error.message).toContain('hls_url')
    expect(error.message).toContain('item 1 is "[\\"b\\"]"')
  })
})

describe('mixStarted.parse', () => {
  it('normalizes every field of ZEGO\'s mix_start example, merging the stray single URLs', () => {
    const raw = fixture('mix_start')
    const event = mixStarted.parse(raw)
    expect(event).toStrictEqual({
      event: 'mix_start',
      appId: 111111,
      timestamp: 1689834748,
      nonce: '7257784982359218206',
      signature: 'aa2f0a33831a35b65f64fdc0520b1758e491eb48',
      raw,
      seq: 123,
      taskId: '111111:1111',
      channelId: '2222',
      publishId: 'abc',
      mixUrl: 'rtmp://rtmp.wsdemo.zego.im/zegodemo/aaa',
      mixStreamAlias: 'aaa',
      streamAlias: 'aaa',
      rtmpUrls: ['rtmp://rtmp.wsdemo.zego.im/zegodemo/aaa', 'rtmp://testplay.aliyun.zego.im/livestream/aaa'],
      hlsUrls: [
        'http://hls.wsdemo.zego.im/zegodemo/aaa/playlist.m3u8',
        'http://testplay.aliyun.zego.im/livestream/aaa.m3u8',
      ],
      hdlUrls: ['http://hdl.wsdemo.zego.im/zegodemo/aaa.flv', 'http://testplay.aliyun.zego.im/livestream/aaa.flv'],
    })
    expect(event.raw).toBe(raw)
    expect(raw['seq']).toBe('123')
  })

  it('appends a stray single URL that is not in the array', () => {
    const event = mixStarted.parse(fixture('mix_start', { rtmp_url: 'rtmp://other/mix' }))
    expect(event.rtmpUrls).toStrictEqual([
      'rtmp://rtmp.wsdemo.zego.im/zegodemo/aaa',
      'rtmp://testplay.aliyun.zego.im/livestream/aaa',
      'rtmp://other/mix',
    ])
  })

  it('uses the stray single URL alone when the array is absent, and [] when both are', () => {
    const event = mixStarted.parse(
      fixture('mix_start', { rtmp_urls: undefined, hls_urls: undefined, hls_url: undefined, hdl_urls: undefined, hdl_url: undefined }),
    )
    expect(event.rtmpUrls).toStrictEqual(['rtmp://rtmp.wsdemo.zego.im/zegodemo/aaa'])
    expect(event.hlsUrls).toStrictEqual([])
    expect(event.hdlUrls).toStrictEqual([])
  })

  it('reads a single-string rtmp_urls (a form body with one value) as a one-element array', () => {
    const event = mixStarted.parse(fixture('mix_start', { rtmp_urls: 'rtmp://one/mix', rtmp_url: undefined }))
    expect(event.rtmpUrls).toStrictEqual(['rtmp://one/mix'])
  })

  it('refuses a missing task_id', () => {
    expectPayloadError(() => mixStarted.parse(fixture('mix_start', { task_id: undefined })), 'task_id')
  })

  it('refuses an empty task_id', () => {
    expectPayloadError(() => mixStarted.parse(fixture('mix_start', { task_id: '' })), 'task_id')
  })

  it.each(['1.5', '', 'abc', '-1', '12345678901234567', '9007199254740992'])('refuses seq %j with a PayloadError naming seq', (value) => {
    expectPayloadError(() => mixStarted.parse(fixture('mix_start', { seq: value })), 'seq')
  })

  it('reads seq with leading zeros numerically', () => {
    expect(mixStarted.parse(fixture('mix_start', { seq: '0042' })).seq).toBe(42)
  })

  it('keeps a bare 19-digit nonce exact', () => {
    const raw = parseLosslessJson(
      fixtureText('mix_start').replace('"nonce": "7257784982359218206"', '"nonce": 7257784982359218206'),
    ) as RawPayload
    expect(mixStarted.parse(raw).nonce).toBe('7257784982359218206')
  })

  it('reads absent optional text fields as empty strings', () => {
    const event = mixStarted.parse(
      fixture('mix_start', {
        channel_id: undefined,
        publish_id: undefined,
        mix_url: undefined,
        mix_stream_alias: undefined,
        stream_alias: undefined,
      }),
    )
    expect(event.channelId).toBe('')
    expect(event.publishId).toBe('')
    expect(event.mixUrl).toBe('')
    expect(event.mixStreamAlias).toBe('')
    expect(event.streamAlias).toBe('')
  })

  it('accepts unknown extra fields and keeps them in raw', () => {
    const event = mixStarted.parse(fixture('mix_start', { extra_new: '1' }))
    expect(event.raw['extra_new']).toBe('1')
    expect(event).not.toHaveProperty('extra_new')
  })
})

describe('streamClosed.parse', () => {
  it('normalizes every field of ZEGO\'s stream_close example', () => {
    const raw = fixture('stream_close')
    const event = streamClosed.parse(raw)
    expect(event).toStrictEqual({
      event: 'stream_close',
      appId: 1,
      timestamp: 1666786067,
      nonce: '7266888922840654370',
      signature: 'xxx',
      raw,
      roomId: 'room1',
      roomSessionId: '123456789',
      userId: 'user1',
      userName: 'user1_name',
      channelId: '0xb-0x1',
      closeReason: 'normal',
      closeReasonCode: 0,
      streamAlias: 'aaa',
      streamId: 'stream_id',
      streamSid: 's-115205136669740000000000104',
      streamSeq: 700,
      thirdDefineData: '{"u":"S1lxOUxMN2tRZ3lIY0JMSUs3VlMxZz09"}',
      createTimeMs: 1666786067353,
      destroyTimeMs: 1666986067248,
    })
    expect(event.raw).toBe(raw)
    expect(raw['type']).toBe('0')
    expect(raw['destroy_timemillis']).toBe('1666986067248')
  })

  it.each([
    [0, 'normal'],
    [1, 'heartbeat_timeout'],
    [2, 'relogin'],
    [3, 'kicked_by_api'],
    [4, 'tcp_disconnected'],
    [5, 'room_cleared'],
    [100, 'deleted_by_api'],
    [6, 'undocumented'],
    [99, 'undocumented'],
  ] as const)('reads type %s as closeReason %j, keeping the code', (code, name) => {
    const event = streamClosed.parse(fixture('stream_close', { type: String(code) }))
    expect(event.closeReason).toBe(name)
    expect(event.closeReasonCode).toBe(code)
  })

  it('reads stream_seq with leading zeros numerically', () => {
    expect(streamClosed.parse(fixture('stream_close', { stream_seq: '0700' })).streamSeq).toBe(700)
  })

  it('keeps a bare 19-digit room_session_id exact', () => {
    const raw = parseLosslessJson(
      fixtureText('stream_close').replace('"room_session_id": "123456789"', '"room_session_id": 6085791336856668982'),
    ) as RawPayload
    expect(streamClosed.parse(raw).roomSessionId).toBe('6085791336856668982')
  })

  it('reads absent optional text fields as empty strings', () => {
    const event = streamClosed.parse(
      fixture('stream_close', {
        user_name: undefined,
        channel_id: undefined,
        stream_alias: undefined,
        third_define_data: undefined,
      }),
    )
    expect(event.userName).toBe('')
    expect(event.channelId).toBe('')
    expect(event.streamAlias).toBe('')
    expect(event.thirdDefineData).toBe('')
  })
})

describe('mixStopped.parse', () => {
  it('normalizes every field of ZEGO\'s mix_stop example', () => {
    const raw = fixture('mix_stop')
    const event = mixStopped.parse(raw)
    expect(event).toStrictEqual({
      event: 'mix_stop',
      appId: 111111,
      timestamp: 1689835223,
      nonce: '7257787020413449571',
      signature: 'fadc2c4abb5714c30a711b3ad6f7783e37531263',
      raw,
      seq: 1234,
      taskId: '111111:1111',
      channelId: '2222',
      publishId: 'abc',
      mixUrl: 'rtmp://rtmp.wsdemo.zego.im/zegodemo/aaa',
      mixStreamAlias: 'aaa',
    })
    expect(event.raw).toBe(raw)
    expect(raw['seq']).toBe('1234')
  })

  it('reads absent optional text fields as empty strings', () => {
    const event = mixStopped.parse(
      fixture('mix_stop', { channel_id: undefined, publish_id: undefined, mix_url: undefined, mix_stream_alias: undefined }),
    )
    expect(event.channelId).toBe('')
    expect(event.publishId).toBe('')
    expect(event.mixUrl).toBe('')
    expect(event.mixStreamAlias).toBe('')
  })
})

describe('roomCreated.parse', () => {
  it('normalizes every field of ZEGO\'s room_create example, its bare 18-digit room_session_id exact', () => {
    const raw = fixture('room_create')
    expect(raw['room_session_id']).toBe('858012925204410400')
    const event = roomCreated.parse(raw)
    expect(event).toStrictEqual({
      event: 'room_create',
      appId: 1,
      timestamp: 1499676978,
      nonce: '350176',
      signature: 'signature',
      raw,
      roomId: 'rid_1242649',
      roomSessionId: '858012925204410400',
      roomCreateTime: 1499676978027,
      idName: 'id123',
    })
    expect(event.raw).toBe(raw)
  })

  it('keeps a bare 19-digit room_session_id exact', () => {
    const raw = parseLosslessJson(
      fixtureText('room_create').replace('"room_session_id":858012925204410400', '"room_session_id":6085791336856668982'),
    ) as RawPayload
    expect(roomCreated.parse(raw).roomSessionId).toBe('6085791336856668982')
  })

  it('reads an absent id_name as an empty string', () => {
    expect(roomCreated.parse(fixture('room_create', { id_name: undefined })).idName).toBe('')
  })
})

describe('roomClosed.parse', () => {
  it('normalizes every field of ZEGO\'s room_close example, its bare 18-digit room_session_id exact', () => {
    const raw = fixture('room_close')
    expect(raw['room_session_id']).toBe('858012925204410400')
    expect(raw['close_reason']).toBe('1')
    const event = roomClosed.parse(raw)
    expect(event).toStrictEqual({
      event: 'room_close',
      appId: 1,
      timestamp: 1499676989,
      nonce: '350176',
      signature: 'signature',
      raw,
      roomId: 'rid_1242649',
      roomSessionId: '858012925204410400',
      closeReason: 'last_user_heartbeat_timeout',
      closeReasonCode: 1,
      roomCloseTime: 1499676989909,
    })
    expect(event.raw).toBe(raw)
  })

  it.each([
    [0, 'normal'],
    [1, 'last_user_heartbeat_timeout'],
    [2, 'last_user_offline'],
    [3, 'last_user_kicked'],
    [4, 'undocumented'],
  ] as const)('reads close_reason %s as closeReason %j, keeping the code', (code, name) => {
    const event = roomClosed.parse(fixture('room_close', { close_reason: String(code) }))
    expect(event.closeReason).toBe(name)
    expect(event.closeReasonCode).toBe(code)
  })

})

describe('userLoggedIn.parse', () => {
  it('normalizes every field of ZEGO\'s room_login example, room_seq as roomSessionId', () => {
    const raw = fixture('room_login')
    const event = userLoggedIn.parse(raw)
    expect(event).toStrictEqual({
      event: 'room_login',
      appId: 1,
      timestamp: 1499676978,
      nonce: '350176',
      signature: 'signature',
      raw,
      roomId: 'rid_1242649',
      roomName: 'room#123',
      roomSessionId: '6085791336856668982',
      userAccount: '888120154',
      userNickname: '888120154',
      sessionId: '792148503087288320',
      loginTime: 1499676978027,
      userRole: 'audience',
      userRoleCode: 2,
      authLevel: 4,
      relogin: false,
      userUpdateSeq: 1,
      callbackData: 'user login',
      terminalType: undefined,
      terminalTypeCode: undefined,
    })
    expect(event.raw).toBe(raw)
    expect(raw).not.toHaveProperty('term_type')
  })

  it('reads relogin "1" as true', () => {
    expect(userLoggedIn.parse(fixture('room_login', { relogin: '1' })).relogin).toBe(true)
  })

  it('refuses a relogin flag other than "0" / "1"', () => {
    expectPayloadError(() => userLoggedIn.parse(fixture('room_login', { relogin: 'yes' })), 'relogin')
  })

  it('reads an absent auth_level as undefined', () => {
    expect(userLoggedIn.parse(fixture('room_login', { auth_level: undefined })).authLevel).toBeUndefined()
  })

  it.each([
    [1, 'host'],
    [2, 'audience'],
    [4, 'admin'],
    [3, 'undocumented'],
  ] as const)('reads user_role %s as userRole %j, keeping the code', (code, name) => {
    const event = userLoggedIn.parse(fixture('room_login', { user_role: String(code) }))
    expect(event.userRole).toBe(name)
    expect(event.userRoleCode).toBe(code)
  })

  it.each([
    [0, 'none'],
    [1, 'pc'],
    [2, 'ios'],
    [3, 'android'],
    [4, 'mac'],
    [5, 'linux'],
    [6, 'web'],
    [7, 'mini_program'],
    [32, 'unknown'],
    [8, 'undocumented'],
  ] as const)('reads term_type %s as terminalType %j, keeping the code', (code, name) => {
    const event = userLoggedIn.parse(fixture('room_login', { term_type: String(code) }))
    expect(event.terminalType).toBe(name)
    expect(event.terminalTypeCode).toBe(code)
  })

})

describe('userLoggedOut.parse', () => {
  it('normalizes every field of ZEGO\'s room_logout example, room_seq as roomSessionId', () => {
    const raw = fixture('room_logout')
    const event = userLoggedOut.parse(raw)
    expect(event).toStrictEqual({
      event: 'room_logout',
      appId: 1,
      timestamp: 1499676978,
      nonce: '350176',
      signature: 'signature',
      raw,
      roomId: 'rid_1242649',
      roomSessionId: '6085791336856668982',
      userAccount: '888120154',
      userNickname: '888120154',
      sessionId: '792462300429684736',
      loginTime: 1663740623660,
      logoutTime: 1663740627986,
      logoutReason: 'normal',
      logoutReasonCode: 0,
      userRole: 'host',
      userRoleCode: 1,
      userUpdateSeq: 13,
    })
    expect(event.raw).toBe(raw)
  })

  it.each([
    [0, 'normal'],
    [1, 'heartbeat_timeout'],
    [2, 'disconnected'],
    [3, 'relogin_or_kicked'],
    [4, 'token_expired'],
    [5, 'undocumented'],
  ] as const)('reads reason %s as logoutReason %j, keeping the code', (code, name) => {
    const event = userLoggedOut.parse(fixture('room_logout', { reason: String(code) }))
    expect(event.logoutReason).toBe(name)
    expect(event.logoutReasonCode).toBe(code)
  })

  it.each([
    [1, 'host'],
    [2, 'audience'],
    [4, 'admin'],
    [3, 'undocumented'],
  ] as const)('reads user_role %s as userRole %j, keeping the code', (code, name) => {
    const event = userLoggedOut.parse(fixture('room_logout', { user_role: String(code) }))
    expect(event.userRole).toBe(name)
    expect(event.userRoleCode).toBe(code)
  })

})

// Validation of the catalogue events in one table: every required field refused when missing,
// every quantity refused unless a safe non-negative integer, identifiers refused when empty.
const badQuantities = ['abc', '1.5', '-1', '', '9007199254740992']
const validations = [
  {
    definition: streamClosed,
    example: 'stream_close',
    identifiers: ['stream_id', 'room_id', 'room_session_id', 'user_id', 'stream_sid'],
    quantities: ['type', 'destroy_timemillis', 'stream_seq', 'create_time_ms'],
    optionalQuantities: [],
  },
  { definition: mixStopped, example: 'mix_stop', identifiers: ['task_id'], quantities: ['seq'], optionalQuantities: [] },
  {
    definition: roomCreated,
    example: 'room_create',
    identifiers: ['room_id', 'room_session_id'],
    quantities: ['room_create_time'],
    optionalQuantities: [],
  },
  {
    definition: roomClosed,
    example: 'room_close',
    identifiers: ['room_id', 'room_session_id'],
    quantities: ['close_reason', 'room_close_time'],
    optionalQuantities: [],
  },
  {
    definition: userLoggedIn,
    example: 'room_login',
    identifiers: ['room_seq', 'session_id', 'user_account', 'room_id'],
    quantities: ['user_role', 'login_time', 'user_update_seq'],
    optionalQuantities: ['auth_level', 'term_type'],
  },
  {
    definition: userLoggedOut,
    example: 'room_logout',
    identifiers: ['room_seq', 'session_id', 'user_account', 'room_id'],
    quantities: ['logout_time', 'reason', 'user_role', 'login_time', 'user_update_seq'],
    optionalQuantities: [],
  },
] as const

describe.each(validations)('$definition.name validation', ({ definition, example, identifiers, quantities, optionalQuantities }) => {
  const parse = (changes: Record<string, string | undefined>) => () => definition.parse(fixture(example, changes))

  it.each([...identifiers, ...quantities])('refuses a missing %s', (field) => {
    expectPayloadError(parse({ [field]: undefined }), field)
  })

  it.each(identifiers)('refuses an empty %s', (field) => {
    expectPayloadError(parse({ [field]: '' }), field)
  })

  it.each([...quantities, ...optionalQuantities].flatMap((field) => badQuantities.map((value) => [field, value])))(
    'refuses %s %j with a PayloadError naming the field',
    (field, value) => {
      expectPayloadError(parse({ [field]: value }), field)
    },
  )
})

describe('code tables', () => {
  it('list exactly the codes ZEGO documents', () => {
    expect(streamCloseReasons).toStrictEqual({
      0: 'normal',
      1: 'heartbeat_timeout',
      2: 'relogin',
      3: 'kicked_by_api',
      4: 'tcp_disconnected',
      5: 'room_cleared',
      100: 'deleted_by_api',
    })
    expect(roomCloseReasons).toStrictEqual({
      0: 'normal',
      1: 'last_user_heartbeat_timeout',
      2: 'last_user_offline',
      3: 'last_user_kicked',
    })
    expect(logoutReasons).toStrictEqual({
      0: 'normal',
      1: 'heartbeat_timeout',
      2: 'disconnected',
      3: 'relogin_or_kicked',
      4: 'token_expired',
    })
    expect(userRoles).toStrictEqual({ 1: 'host', 2: 'audience', 4: 'admin' })
    expect(terminalTypes).toStrictEqual({
      0: 'none',
      1: 'pc',
      2: 'ios',
      3: 'android',
      4: 'mac',
      5: 'linux',
      6: 'web',
      7: 'mini_program',
      32: 'unknown',
    })
  })
})

describe('definitionFor', () => {
  it.each([
    ['stream_create', streamCreated, 'streamCreated'],
    ['stream_close', streamClosed, 'streamClosed'],
    ['mix_start', mixStarted, 'mixStarted'],
    ['mix_stop', mixStopped, 'mixStopped'],
    ['room_create', roomCreated, 'roomCreated'],
    ['room_close', roomClosed, 'roomClosed'],
    ['room_login', userLoggedIn, 'userLoggedIn'],
    ['room_logout', userLoggedOut, 'userLoggedOut'],
  ] as const)('finds the definition for RTC %s', (zegoEvent, definition, name) => {
    expect(definitionFor('rtc', zegoEvent)).toBe(definition)
    expect(definitionFor('rtc', zegoEvent)?.name).toBe(name)
    expect(definitionFor('rtc', zegoEvent)?.zegoEvent).toBe(zegoEvent)
    // Another product's callback of the same name is not RTC's.
    expect(definitionFor('zim', zegoEvent)).toBeUndefined()
  })

  it('finds ZIM before_send_msg, and only for ZIM', () => {
    expect(definitionFor('zim', 'before_send_msg')?.name).toBe('zimBeforeSendMessage')
    expect(definitionFor('rtc', 'before_send_msg')).toBeUndefined()
  })

  it.each(['room_user_update', 'unknown_event', '', 'streamCreated', 'userLoggedIn', 'Stream_Close', 'toString', '__proto__'])(
    'returns undefined for %j',
    (name) => {
      expect(definitionFor('rtc', name)).toBeUndefined()
    },
  )
})
