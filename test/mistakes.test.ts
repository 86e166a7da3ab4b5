import { describe, expect, it } from 'vitest'
import { zegoCallbacks as zegoExpress } from '../adapters/express.js'
import { zegoCallbacks as zegoKoa } from '../adapters/koa.js'
import { ZegoReceiver, type ZegoEventName } from '../src/index.js'
import { createCallback, toJsonBody, type CallbackValue } from '../src/testing/index.js'

const secret = 'mistakes-secret'

// What a plain JavaScript app can get wrong without a type checker to stop it.
describe('an event name that would never fire is refused by name', () => {
  const sources = [
    ['ZegoReceiver', () => new ZegoReceiver({ secret })],
    ['the Express middleware', () => zegoExpress({ secret })],
    ['the Koa middleware', () => zegoKoa({ secret })],
  ] as const

  it.each(sources)("%s: ZEGO's own name names ours", (_name, create) => {
    const source = create()
    for (const method of ['on', 'once', 'off'] as const) {
      expect(() => source[method]('stream_create' as ZegoEventName, () => {})).toThrow(
        /^zego-callbacks: there is no 'stream_create' event, so a listener of it would never run\. ZEGO's 'stream_create' arrives as 'streamCreated'\./,
      )
    }
    expect(() => source.on('before_send_msg' as ZegoEventName, () => {})).toThrow(/arrives as 'zimBeforeSendMessage'/)
  })

  it.each([
    ['streamCreate', 'streamCreated'],
    ['streamcreated', 'streamCreated'],
    ['mixStoped', 'mixStopped'],
    ['rejcted', 'rejected'],
    ['duplicates', 'duplicate'],
    ['callbacks', 'callback'],
  ])("'%s' suggests '%s'", (wrong, meant) => {
    expect(() => new ZegoReceiver({ secret }).on(wrong as ZegoEventName, () => {})).toThrow(
      new RegExp(`^zego-callbacks: there is no '${wrong}' event, so a listener of it would never run\\. Did you mean '${meant}'\\? Events: streamCreated, `),
    )
  })

  it('lists the events when nothing is close, and takes every real one', () => {
    const receiver = new ZegoReceiver({ secret })
    expect(() => receiver.on('payment' as ZegoEventName, () => {})).toThrow(/would never run\. Events: streamCreated, .*'callback' gets every callback/)
    for (const event of ['streamCreated', 'zimBeforeSendMessage', 'callback', 'rejected', 'duplicate', 'delivered', 'error'] as const) {
      expect(() => receiver.on(event, () => {}).off(event)).not.toThrow()
    }
  })
})

describe('options', () => {
  it.each([
    ['pathh', 'path'],
    ['secrets', 'secret'],
    ['tolerance', 'toleranceSeconds'],
    ['listenerTimeout', 'listenerTimeoutMs'],
    ['maxinflight', 'maxInFlight'],
    ['loger', 'logger'],
  ])("an unknown `%s` is a TypeError naming `%s`", (wrong, meant) => {
    expect(() => new ZegoReceiver({ secret, [wrong]: 1 } as never)).toThrow(
      new TypeError(
        `zego-callbacks: there is no \`${wrong}\` option. Did you mean '${meant}'? Options: secret, path, toleranceSeconds, bodyLimit, bodyTimeoutMs, appId, now, store, dedupeKey, retentionMs, lockTtlMs, failurePolicy, listenerTimeoutMs, maxInFlight, logger.`,
      ),
    )
  })

  it.each([
    [123, '123'],
    [{ value: 's' }, 'an object'],
    [true, 'true'],
  ])('`secret: %j` says what was given', (value, given) => {
    expect(() => new ZegoReceiver({ secret: value as never })).toThrow(
      new TypeError(`zego-callbacks: the \`secret\` option must be a string (your CallbackSecret from the ZEGO console) or an array of them, got ${given}`),
    )
  })

  it('a secret array holding a number is refused by name', () => {
    expect(() => new ZegoReceiver({ secret: ['s', 42] as never })).toThrow('every secret in the `secret` array must be a string, got 42')
  })

  it.each([
    ['toleranceSeconds', '300', 'a number >= 0 (or Infinity), got the string "300"'],
    ['bodyLimit', '5', 'a finite number >= 0, got the string "5"'],
    ['listenerTimeoutMs', null, 'a number >= 0 (or Infinity), got null'],
    ['maxInFlight', [1], 'a number >= 0 (or Infinity), got an array'],
  ])('`%s: %j` says it was not a number', (name, value, message) => {
    expect(() => new ZegoReceiver({ secret, [name]: value } as never)).toThrow(`the \`${name}\` option must be ${message}`)
  })

  it('options that are not an object are refused', () => {
    expect(() => new ZegoReceiver('secret' as never)).toThrow('zego-callbacks: the options must be an object, got the string "secret"')
  })

  it('a logger without warn and error is refused; false and pino-shaped ones are taken', () => {
    expect(() => new ZegoReceiver({ secret, logger: { info() {} } as never })).toThrow(
      'the `logger` option must have info, warn and error methods (pino, console) or be false to log nothing',
    )
    expect(() => new ZegoReceiver({ secret, logger: false })).not.toThrow()
    expect(() => new ZegoReceiver({ secret, logger: console })).not.toThrow()
  })
})

describe('a refused value is quoted as it was sent', () => {
  const receiver = new ZegoReceiver({ secret, logger: false })
  const refusal = async (value: CallbackValue) => {
    const payload = createCallback('stream_create', { create_time_ms: value }, { secret })
    const answer = await receiver.receive({ method: 'POST', contentType: 'application/json', body: toJsonBody(payload) })
    expect(answer.status).toBe(400)
    return (answer.body as { message: string }).message.replace(/^.* but received: /, '')
  }

  it.each([
    // Was: 16 digits past 2^53 were rounded first, and the rounded number quoted.
    ['9007199254740993', '"9007199254740993"'],
    ['9999999999999999', '"9999999999999999"'],
    ['1.5', '"1.5"'],
    // Was: a list, an object or a boolean was quoted as a string of its JSON.
    [['1', '2'], '["1","2"]'],
    [true, 'true'],
    [null, 'null'],
  ] as Array<[CallbackValue, string]>)('%j is quoted as %s', async (value, quoted) => {
    expect(await refusal(value)).toBe(quoted)
  })
})
