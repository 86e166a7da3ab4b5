import { describe, expect, it } from 'vitest'
import { eventDefinitions } from '../src/events/registry.js'
import { ZegoReceiver } from '../src/index.js'
import { computeSignature, verifySignature } from '../src/signature.js'
import {
  createCallback,
  identityFields,
  signCallback,
  toFormBody,
  toJsonBody,
  withBadSignature,
  zegoExamples,
  type CallbackPayload,
  type ExampleEvent,
} from '../src/testing/index.js'
import { withoutSecretEnv } from './support/env.js'

const SECRET = '1f3a9c0e5b7d2468ace0135798642bdf'
const ENV = 'ZEGO_CALLBACK_SECRET'
withoutSecretEnv()

const exampleEvents = Object.keys(zegoExamples) as ExampleEvent[]

/** Whether the payload's own timestamp, nonce and signature verify with `secret`. */
function verifies(payload: CallbackPayload, secret = SECRET, keys = ['timestamp', 'nonce', 'signature'] as const): boolean {
  const [timestamp, nonce, signature] = keys.map((key) => payload[key])
  return verifySignature([secret], String(timestamp), String(nonce), String(signature))
}

describe('createCallback', () => {
  it('has a template for each of the 8 ZEGO example events', () => {
    expect(exampleEvents.sort()).toEqual(
      ['mix_start', 'mix_stop', 'room_close', 'room_create', 'room_login', 'room_logout', 'stream_close', 'stream_create'],
    )
  })

  it.each(exampleEvents)('signs %s so that verifySignature accepts it with the secret used', (event) => {
    const payload = createCallback(event, {}, { secret: SECRET })
    expect(payload['event']).toBe(event)
    expect(payload['signature']).toMatch(/^[0-9a-f]{40}$/)
    expect(verifies(payload)).toBe(true)
    expect(verifies(payload, 'another secret')).toBe(false)
  })

  it.each(exampleEvents)('keeps every field of the %s template besides timestamp, nonce, signature and the fresh identity', (event) => {
    const payload = createCallback(event, {}, { secret: SECRET })
    const field = identityFields[event]
    const { timestamp: _t, nonce: _n, signature: _s, [field]: example, ...rest } = zegoExamples[event] as CallbackPayload
    const { timestamp: _pt, nonce: _pn, signature: _ps, [field]: fresh, ...payloadRest } = payload
    expect(payloadRest).toStrictEqual(rest)
    // Shaped like ZEGO's (its prefix kept: `s-`, `111111:`), 19 fresh digits after it.
    const prefix = /^(.*[-:])?\d+$/.exec(String(example))?.[1] ?? ''
    expect(fresh).toMatch(new RegExp(`^${prefix}[1-9]\\d{18}$`))
  })

  it('signs with ZEGO_CALLBACK_SECRET when no secret is given', () => {
    process.env[ENV] = 'env secret'
    const payload = createCallback('stream_create')
    expect(verifies(payload, 'env secret')).toBe(true)
  })

  it('uses a fresh timestamp, within a few seconds of now', () => {
    const before = Math.floor(Date.now() / 1000)
    const payload = createCallback('stream_create', {}, { secret: SECRET })
    const after = Math.floor(Date.now() / 1000)
    expect(typeof payload['timestamp']).toBe('string')
    const timestamp = Number(payload['timestamp'])
    expect(timestamp).toBeGreaterThanOrEqual(before - 2)
    expect(timestamp).toBeLessThanOrEqual(after + 2)
  })

  it('uses a fresh 19-digit nonce that differs between two calls', () => {
    const first = createCallback('stream_create', {}, { secret: SECRET })
    const second = createCallback('stream_create', {}, { secret: SECRET })
    expect(first['nonce']).toMatch(/^[1-9]\d{18}$/)
    expect(second['nonce']).toMatch(/^[1-9]\d{18}$/)
    expect(first['nonce']).not.toBe(second['nonce'])
    expect(first['nonce']).not.toBe(zegoExamples.stream_create.nonce)
  })

  it('uses the given timestamp and nonce options exactly', () => {
    const payload = createCallback('stream_create', {}, { secret: SECRET, timestamp: 1687981272, nonce: '7254119327986670314' })
    expect(payload['timestamp']).toBe('1687981272')
    expect(payload['nonce']).toBe('7254119327986670314')
    // ZEGO's own vector from REFERENCE.md.
    expect(payload['signature']).toBe('c8c59ec7226db3c9f3b545015a6d55be4e68a136')
  })

  it('keeps a bigint nonce option a bigint, signed with every digit', () => {
    const payload = createCallback('mix_start', {}, { secret: SECRET, timestamp: '1689834748', nonce: 7257784982359218206n })
    expect(payload['nonce']).toBe(7257784982359218206n)
    expect(payload['signature']).toBe('5c6512d40b6619a096e946f36d95fd594568d368')
    expect(toJsonBody(payload)).toContain('"nonce":7257784982359218206,')
  })

  it('uses timestamp and nonce given as fields', () => {
    const payload = createCallback('stream_create', { timestamp: '1687981272', nonce: '7254119327986670314' }, { secret: SECRET })
    expect(payload['timestamp']).toBe('1687981272')
    expect(payload['nonce']).toBe('7254119327986670314')
    expect(payload['signature']).toBe('c8c59ec7226db3c9f3b545015a6d55be4e68a136')
  })

  it('keeps a bigint nonce field a bigint, so toJsonBody sends it as a bare number', () => {
    const payload = createCallback('stream_create', { nonce: 7254119327986670314n }, { secret: SECRET, timestamp: 1687981272 })
    expect(payload['nonce']).toBe(7254119327986670314n)
    expect(payload['signature']).toBe('c8c59ec7226db3c9f3b545015a6d55be4e68a136')
    expect(toJsonBody(payload)).toContain('"nonce":7254119327986670314,')
  })

  it('overrides template values with fields and adds new ones', () => {
    const payload = createCallback('stream_create', { stream_id: 's-42', stream_seq: '7', extra_new: 'x' }, { secret: SECRET })
    expect(payload['stream_id']).toBe('s-42')
    expect(payload['stream_seq']).toBe('7')
    expect(payload['extra_new']).toBe('x')
    expect(payload['room_id']).toBe('room1')
    expect(verifies(payload)).toBe(true)
  })

  it('removes a field set to undefined', () => {
    const payload = createCallback('stream_create', { stream_id: undefined }, { secret: SECRET })
    expect(payload).not.toHaveProperty('stream_id')
    expect(payload['room_id']).toBe('room1')
    expect(verifies(payload)).toBe(true)
  })

  it.each(['signature', 'nonce', 'timestamp'])('removes the common field %s when set to undefined', (field) => {
    const payload = createCallback('stream_create', { [field]: undefined }, { secret: SECRET })
    expect(payload).not.toHaveProperty(field)
  })

  it('keeps a signature field as given', () => {
    const payload = createCallback('stream_create', { signature: 'not-a-signature' }, { secret: SECRET })
    expect(payload['signature']).toBe('not-a-signature')
    expect(payload['nonce']).toMatch(/^\d{19}$/)
  })

  it('keeps a numeric timestamp for room_create', () => {
    const payload = createCallback('room_create', {}, { secret: SECRET })
    expect(typeof payload['timestamp']).toBe('number')
    expect(payload['appid']).toBe(1)
    expect(Math.abs((payload['timestamp'] as number) - Date.now() / 1000)).toBeLessThan(5)
    expect(verifies(payload)).toBe(true)
    expect(toJsonBody(payload)).toMatch(/"timestamp":\d{10},/)
  })

  it('keeps a numeric timestamp for room_create with a given timestamp option', () => {
    const payload = createCallback('room_create', {}, { secret: SECRET, timestamp: '1499676978' })
    expect(payload['timestamp']).toBe(1499676978)
  })

  it('gives an unknown event only the common fields', () => {
    const payload = createCallback('some_new_event', {}, { secret: SECRET })
    expect(Object.keys(payload).sort()).toEqual(['appid', 'event', 'nonce', 'signature', 'timestamp'])
    expect(payload['event']).toBe('some_new_event')
    expect(payload['appid']).toBe('1')
    expect(verifies(payload)).toBe(true)
  })

  it('does not take templates from the prototype chain', () => {
    const payload = createCallback('toString', {}, { secret: SECRET })
    expect(Object.keys(payload).sort()).toEqual(['appid', 'event', 'nonce', 'signature', 'timestamp'])
    expect(payload['event']).toBe('toString')
  })

  it('throws a TypeError when no secret is given and ZEGO_CALLBACK_SECRET is unset', () => {
    expect(() => createCallback('stream_create')).toThrow(TypeError)
    expect(() => createCallback('stream_create')).toThrow(/ZEGO_CALLBACK_SECRET/)
    process.env[ENV] = ''
    expect(() => createCallback('stream_create', {}, { secret: '' })).toThrow(TypeError)
  })

  it('does not change the shared template', () => {
    const before = JSON.stringify(zegoExamples)
    createCallback('stream_create', { stream_id: 'changed', room_id: undefined }, { secret: SECRET })
    expect(JSON.stringify(zegoExamples)).toBe(before)
  })
})

describe('withBadSignature', () => {
  it.each(exampleEvents)('gives %s a 40-hex signature that fails verification', (event) => {
    const good = createCallback(event, {}, { secret: SECRET })
    const bad = withBadSignature(good)
    expect(bad['signature']).toMatch(/^[0-9a-f]{40}$/)
    expect(bad['signature']).not.toBe(good['signature'])
    expect(verifies(bad)).toBe(false)
    expect({ ...bad, signature: good['signature'] }).toStrictEqual(good)
  })

  it('changes a signature ending in 0 too', () => {
    const payload = { timestamp: '1', nonce: '2', signature: `${'a'.repeat(39)}0` }
    expect(withBadSignature(payload)['signature']).toBe(`${'a'.repeat(39)}1`)
  })

  it('gives a payload without a signature a 40-hex one', () => {
    expect(withBadSignature({ event: 'x' })['signature']).toMatch(/^[0-9a-f]{40}$/)
  })

  it('changes Signature in a PascalCase payload', () => {
    const good = signCallback({ Event: 'e', AppId: 1, Timestamp: '0', Nonce: '0', Signature: '' }, { secret: SECRET })
    const bad = withBadSignature(good)
    expect(bad).not.toHaveProperty('signature')
    expect(bad['Signature']).toMatch(/^[0-9a-f]{40}$/)
    expect(verifySignature([SECRET], String(bad['Timestamp']), String(bad['Nonce']), String(bad['Signature']))).toBe(false)
  })
})

describe('toJsonBody', () => {
  it('writes a bigint as a bare number with every digit', () => {
    const text = toJsonBody({ event: 'room_create', room_session_id: 858012925204410431n, nonce: 7254119327986670314n })
    expect(text).toContain('"room_session_id":858012925204410431')
    expect(text).toContain('"nonce":7254119327986670314')
    expect(text).not.toContain('"858012925204410431"')
    expect(JSON.parse(text)).toHaveProperty('event', 'room_create')
  })

  it('writes everything else as valid JSON, in order', () => {
    const payload: CallbackPayload = {
      event: 'stream_create',
      appid: 1,
      quote: 'a "quoted" \\ value\n%2F',
      flag: true,
      none: null,
      urls: ['rtmp://a', 'rtmp://b'],
      empty: [],
    }
    const text = toJsonBody(payload)
    expect(JSON.parse(text)).toStrictEqual(payload)
    expect(text).toBe(JSON.stringify(payload))
  })

  it('writes an empty payload as {}', () => {
    expect(toJsonBody({})).toBe('{}')
  })
})

describe('toFormBody', () => {
  it('writes arrays as repeated keys', () => {
    const params = new URLSearchParams(
      toFormBody({ event: 'stream_create', rtmp_url: ['rtmp://a/x?y=1&z=2', 'rtmp://b'], stream_seq: '01' }),
    )
    expect(params.getAll('rtmp_url')).toEqual(['rtmp://a/x?y=1&z=2', 'rtmp://b'])
    expect(params.get('event')).toBe('stream_create')
    expect(params.get('stream_seq')).toBe('01')
    expect(params.has('rtmp_url[]')).toBe(false)
  })

  it('writes arrays as key[] with { brackets: true }', () => {
    const text = toFormBody({ event: 'mix_start', hls_urls: ['h1', 'h2'], seq: '1' }, { brackets: true })
    const params = new URLSearchParams(text)
    expect(params.getAll('hls_urls[]')).toEqual(['h1', 'h2'])
    expect(params.has('hls_urls')).toBe(false)
    expect(params.get('seq')).toBe('1')
    expect(params.has('seq[]')).toBe(false)
  })

  it('writes numbers, bigints, booleans and null as text', () => {
    const params = new URLSearchParams(toFormBody({ appid: 1, nonce: 7254119327986670314n, flag: false, none: null }))
    expect(params.get('appid')).toBe('1')
    expect(params.get('nonce')).toBe('7254119327986670314')
    expect(params.get('flag')).toBe('false')
    expect(params.get('none')).toBe('')
  })

  it('keeps a signed payload verifiable after a round trip', () => {
    const payload = createCallback('stream_create', {}, { secret: SECRET })
    const params = new URLSearchParams(toFormBody(payload))
    expect(verifySignature([SECRET], params.get('timestamp') ?? '', params.get('nonce') ?? '', params.get('signature') ?? '')).toBe(true)
    expect(params.getAll('pic_url')).toEqual(['http://pic.wsdemo.zego.im/zegodemo/aaa.jpg'])
  })
})

describe('signCallback', () => {
  it('sets Timestamp, Nonce and Signature on a PascalCase payload', () => {
    const payload = { Event: 'ai_agent_event', AppId: 1, Timestamp: '0', Nonce: '0', Signature: '' }
    const signed = signCallback(payload, { secret: SECRET, timestamp: '1687981272', nonce: '7254119327986670314' })
    expect(signed).toStrictEqual({
      Event: 'ai_agent_event',
      AppId: 1,
      Timestamp: '1687981272',
      Nonce: '7254119327986670314',
      Signature: 'c8c59ec7226db3c9f3b545015a6d55be4e68a136',
    })
    expect(payload.Signature).toBe('')
  })

  it('keeps a numeric PascalCase Timestamp a number and signs fresh values', () => {
    const signed = signCallback({ Event: 'e', AppId: 1, Timestamp: 0, Nonce: '0', Signature: '' }, { secret: SECRET })
    expect(typeof signed['Timestamp']).toBe('number')
    expect(Math.abs((signed['Timestamp'] as number) - Date.now() / 1000)).toBeLessThan(5)
    expect(signed['Nonce']).toMatch(/^\d{19}$/)
    expect(signed).not.toHaveProperty('timestamp')
    expect(
      verifySignature([SECRET], String(signed['Timestamp']), String(signed['Nonce']), String(signed['Signature'])),
    ).toBe(true)
  })

  it('matches ZEGO\'s own example signature', () => {
    const signed = signCallback({ event: 'x' }, { secret: 'secret', timestamp: 1470820198, nonce: '123412' })
    expect(signed['signature']).toBe('5bd59fd62953a8059fb7eaba95720f66d19e4517')
    expect(signed['signature']).toBe(computeSignature('secret', '1470820198', '123412'))
  })

  it('throws a TypeError when no secret is given and ZEGO_CALLBACK_SECRET is unset', () => {
    expect(() => signCallback({ event: 'x' })).toThrow(TypeError)
  })
})

describe('createCallback: each call a new callback, unless its identity is pinned', () => {
  const post = (receiver: ZegoReceiver, payload: CallbackPayload) =>
    receiver.receive({ method: 'POST', contentType: 'application/json', body: toJsonBody(payload) })

  it.each(eventDefinitions.map((definition) => [definition.zegoEvent, definition.product] as const))(
    '%s (%s): two calls are delivered twice; the same identity again is a duplicate',
    async (event, product) => {
      const receiver = new ZegoReceiver({ secret: SECRET, logger: false })
      const keys: string[] = []
      receiver.on('callback', (_callback, delivery) => {
        keys.push(delivery.key)
      })
      const first = createCallback(event, {}, { secret: SECRET, product })
      const second = createCallback(event, {}, { secret: SECRET, product })
      expect((await post(receiver, first)).body).toEqual({ ok: true })
      expect((await post(receiver, second)).body).toEqual({ ok: true })
      expect(new Set(keys).size).toBe(2)
      // Pinning the identity builds the same callback again, signed anew: ZEGO's retry.
      const field = (identityFields as Record<string, string>)[event] as string
      const again = createCallback(event, { [field]: first[field] }, { secret: SECRET, product })
      expect(again['nonce']).not.toBe(first['nonce'])
      expect((await post(receiver, again)).body).toEqual({ ok: true, duplicate: true })
      expect((await post(receiver, signCallback({ ...second }, { secret: SECRET }))).body).toEqual({ ok: true, duplicate: true })
      expect(keys).toHaveLength(2)
    },
  )

  it('knows the identity of every modeled event', () => {
    expect(Object.keys(identityFields).sort()).toEqual(eventDefinitions.map((definition) => definition.zegoEvent).sort())
  })

  it("delivers the README's two streams, { stream_id: 'a' } and { stream_id: 'b' }, to the listener", async () => {
    const receiver = new ZegoReceiver({ secret: SECRET, logger: false })
    const streams: string[] = []
    receiver.on('streamCreated', (event) => {
      streams.push(event.streamId)
    })
    await post(receiver, createCallback('stream_create', { stream_id: 'a' }, { secret: SECRET }))
    await post(receiver, createCallback('stream_create', { stream_id: 'b' }, { secret: SECRET }))
    expect(streams).toEqual(['a', 'b'])
  })

  it.each(eventDefinitions.map((definition) => [definition.name, definition.zegoEvent]))(
    "refuses this package's name '%s' and names ZEGO's '%s'",
    (name, zegoName) => {
      expect(() => createCallback(name as 'x', {}, { secret: SECRET })).toThrow(
        new TypeError(`zego-callbacks/testing: '${name}' is this package's name for ZEGO's '${zegoName}' callback: call createCallback('${zegoName}')`),
      )
    },
  )
})
