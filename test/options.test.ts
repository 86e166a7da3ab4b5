import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../src/options.js'
import { ZegoReceiver } from '../src/receiver.js'
import { withoutSecretEnv } from './support/env.js'
import { MapKeyValueStore } from './support/kv-store.js'

const ENV = 'ZEGO_CALLBACK_SECRET'
withoutSecretEnv()

describe('resolveOptions: secret', () => {
  it('throws a TypeError naming `secret` and ZEGO_CALLBACK_SECRET when neither is set', () => {
    expect(() => resolveOptions()).toThrow(TypeError)
    expect(() => resolveOptions({})).toThrow(/`secret`/)
    expect(() => resolveOptions({})).toThrow(/ZEGO_CALLBACK_SECRET/)
  })

  it('throws the same TypeError from new ZegoReceiver()', () => {
    expect(() => new ZegoReceiver()).toThrow(TypeError)
    expect(() => new ZegoReceiver({ path: '/x' })).toThrow(/`secret`.*ZEGO_CALLBACK_SECRET/)
  })

  it('uses ZEGO_CALLBACK_SECRET when the option is absent', () => {
    process.env[ENV] = 'from-env'
    expect(resolveOptions().secrets).toEqual(['from-env'])
    expect(resolveOptions({ secret: undefined }).secrets).toEqual(['from-env'])
    expect(() => new ZegoReceiver()).not.toThrow()
  })

  it('prefers the option over the environment', () => {
    process.env[ENV] = 'from-env'
    expect(resolveOptions({ secret: 'given' }).secrets).toEqual(['given'])
  })

  it('treats an empty ZEGO_CALLBACK_SECRET as unset', () => {
    process.env[ENV] = ''
    expect(() => resolveOptions()).toThrow(TypeError)
  })

  it.each([
    ['an empty string', ''],
    ['an empty array', []],
    ['an array containing an empty string', ['good', '']],
  ])('refuses %s with a TypeError naming `secret`', (_, secret) => {
    expect(() => resolveOptions({ secret })).toThrow(TypeError)
    expect(() => resolveOptions({ secret })).toThrow(/`secret`/)
    expect(() => new ZegoReceiver({ secret })).toThrow(TypeError)
  })

  it('refuses an empty string secret even when the environment has one', () => {
    process.env[ENV] = 'from-env'
    expect(() => resolveOptions({ secret: '' })).toThrow(TypeError)
  })

  it('keeps every secret of an array, in order', () => {
    expect(resolveOptions({ secret: ['new', 'old'] }).secrets).toEqual(['new', 'old'])
  })

  it('wraps a single secret in a list', () => {
    expect(resolveOptions({ secret: 's' }).secrets).toEqual(['s'])
  })
})

describe('resolveOptions: defaults and limits', () => {
  it('applies the defaults', () => {
    const resolved = resolveOptions({ secret: 's' })
    expect(resolved.path).toBe('/zego/callback')
    expect(resolved.toleranceSeconds).toBe(300)
    expect(resolved.bodyLimit).toBe(102400)
    expect(resolved.bodyTimeoutMs).toBe(10000)
    expect(resolved.appIds).toBeUndefined()
    expect(resolved.now).toBe(Date.now)
  })

  it('keeps given values', () => {
    const now = (): number => 42
    const resolved = resolveOptions({
      secret: 's',
      path: '/hooks/zego',
      toleranceSeconds: 0,
      bodyLimit: 10,
      bodyTimeoutMs: 500,
      now,
    })
    expect(resolved.path).toBe('/hooks/zego')
    expect(resolved.toleranceSeconds).toBe(0)
    expect(resolved.bodyLimit).toBe(10)
    expect(resolved.bodyTimeoutMs).toBe(500)
    expect(resolved.now).toBe(now)
  })

  it.each(['zego/callback', '', 'http://host/zego'])('refuses path %j without a leading slash', (path) => {
    expect(() => resolveOptions({ secret: 's', path })).toThrow(TypeError)
    expect(() => resolveOptions({ secret: 's', path })).toThrow(/`path`/)
  })

  it.each([-1, Number.NaN, -Infinity])('refuses toleranceSeconds %s', (toleranceSeconds) => {
    expect(() => resolveOptions({ secret: 's', toleranceSeconds })).toThrow(TypeError)
    expect(() => resolveOptions({ secret: 's', toleranceSeconds })).toThrow(/`toleranceSeconds`/)
  })

  it('allows Infinity for toleranceSeconds', () => {
    expect(resolveOptions({ secret: 's', toleranceSeconds: Infinity }).toleranceSeconds).toBe(Infinity)
  })

  it.each([Infinity, -1, Number.NaN])('refuses bodyLimit %s', (bodyLimit) => {
    expect(() => resolveOptions({ secret: 's', bodyLimit })).toThrow(TypeError)
    expect(() => resolveOptions({ secret: 's', bodyLimit })).toThrow(/`bodyLimit`/)
  })

  it.each([Infinity, -1, Number.NaN])('refuses bodyTimeoutMs %s', (bodyTimeoutMs) => {
    expect(() => resolveOptions({ secret: 's', bodyTimeoutMs })).toThrow(/`bodyTimeoutMs`/)
  })

  it('refuses a bad option from new ZegoReceiver() too', () => {
    expect(() => new ZegoReceiver({ secret: 's', bodyLimit: Infinity })).toThrow(TypeError)
    expect(() => new ZegoReceiver({ secret: 's', path: 'nope' })).toThrow(TypeError)
  })
})

describe('resolveOptions: appId', () => {
  const appIds = (appId: number | string | ReadonlyArray<number | string>): string[] => [
    ...(resolveOptions({ secret: 's', appId }).appIds ?? ['<none>']),
  ]

  it('accepts a number', () => {
    expect(appIds(111111)).toEqual(['111111'])
  })

  it('accepts a string', () => {
    expect(appIds('111111')).toEqual(['111111'])
  })

  it('accepts a list of numbers and strings', () => {
    expect(appIds([1, '2', 3])).toEqual(['1', '2', '3'])
  })

  it('normalizes leading zeros', () => {
    expect(appIds('000111111')).toEqual(['111111'])
    expect(appIds(['0001', 1])).toEqual(['1'])
    expect(appIds('000')).toEqual(['0'])
    expect(appIds(0)).toEqual(['0'])
  })

  it.each([['abc'], ['12a'], [''], ['-1'], ['1.5'], [' 1']])('refuses the string %j with a TypeError naming `appId`', (appId) => {
    expect(() => resolveOptions({ secret: 's', appId })).toThrow(TypeError)
    expect(() => resolveOptions({ secret: 's', appId })).toThrow(/`appId`/)
  })

  it.each([[-1], [1.5], [Number.NaN]])('refuses the number %s', (appId) => {
    expect(() => resolveOptions({ secret: 's', appId })).toThrow(/`appId`/)
  })

  it('refuses a list with one bad entry', () => {
    expect(() => resolveOptions({ secret: 's', appId: ['1', 'x'] })).toThrow(/`appId`/)
  })
})

describe('ZegoReceiver.matchesPath', () => {
  it('matches the default path exactly and with a trailing slash', () => {
    const receiver = new ZegoReceiver({ secret: 's' })
    expect(receiver.path).toBe('/zego/callback')
    expect(receiver.matchesPath('/zego/callback')).toBe(true)
    expect(receiver.matchesPath('/zego/callback/')).toBe(true)
  })

  it.each(['/', '/zego', '/zego/', '/zego/callbacks', '/zego/callback/x', '/ZEGO/CALLBACK', 'zego/callback', '/zego/callback//'])(
    'does not match %j',
    (path) => {
      expect(new ZegoReceiver({ secret: 's' }).matchesPath(path)).toBe(false)
    },
  )

  it('matches a configured path', () => {
    const receiver = new ZegoReceiver({ secret: 's', path: '/hooks/zego' })
    expect(receiver.path).toBe('/hooks/zego')
    expect(receiver.matchesPath('/hooks/zego')).toBe(true)
    expect(receiver.matchesPath('/hooks/zego/')).toBe(true)
    expect(receiver.matchesPath('/zego/callback')).toBe(false)
  })
})

// Each refusal is read by someone fixing their configuration: the option, the rule and what was
// given, its type said where it is not a number.
describe('resolveOptions: every refusal, word for word', () => {
  const given = (options: Record<string, unknown>) => () => resolveOptions({ secret: 's', ...options } as never)
  const MAX = 2 ** 31 - 1

  it.each<[string, () => unknown, string]>([
    ['options that are a string', () => resolveOptions('s' as never), 'the options must be an object, got the string "s"'],
    ['options that are null', () => resolveOptions(null as never), 'the options must be an object, got null'],
    ['options that are a number', () => resolveOptions(5 as never), 'the options must be an object, got 5'],
    ['a secret that is a number', given({ secret: 42 }), 'the `secret` option must be a string (your CallbackSecret from the ZEGO console) or an array of them, got 42'],
    ['a secret that is an object', given({ secret: { key: 'k' } }), 'the `secret` option must be a string (your CallbackSecret from the ZEGO console) or an array of them, got an object'],
    ['a secret that is true', given({ secret: true }), 'the `secret` option must be a string (your CallbackSecret from the ZEGO console) or an array of them, got true'],
    ['a secret array holding a number', given({ secret: ['a', 1] }), 'every secret in the `secret` array must be a string, got 1'],
    ['a secret array holding null', given({ secret: ['a', null] }), 'every secret in the `secret` array must be a string, got null'],
    ['a secret array holding an array', given({ secret: [['a']] }), 'every secret in the `secret` array must be a string, got an array'],
    ['a path that is a number', given({ path: 5 }), "the `path` option must be a string starting with '/', got 5"],
    ['a path without a slash', given({ path: 'x' }), `the \`path\` option must be a string starting with '/', got the string "x"`],
    ['toleranceSeconds as a string', given({ toleranceSeconds: '300' }), 'the `toleranceSeconds` option must be a number >= 0 (or Infinity), got the string "300"'],
    ['toleranceSeconds as a bigint', given({ toleranceSeconds: 300n }), 'the `toleranceSeconds` option must be a number >= 0 (or Infinity), got a bigint'],
    ['bodyLimit Infinity', given({ bodyLimit: Infinity }), 'the `bodyLimit` option must be a finite number >= 0, got Infinity'],
    ['bodyLimit as a function', given({ bodyLimit: () => 1 }), 'the `bodyLimit` option must be a finite number >= 0, got a function'],
    ['retentionMs Infinity', given({ retentionMs: Infinity }), 'the `retentionMs` option must be a finite number >= 0, got Infinity'],
    ['retentionMs 0', given({ retentionMs: 0 }), 'the `retentionMs` option must be above 0, got 0'],
    ['lockTtlMs -1', given({ lockTtlMs: -1 }), 'the `lockTtlMs` option must be a finite number >= 0, got -1'],
    ['maxInFlight null', given({ maxInFlight: null }), 'the `maxInFlight` option must be a number >= 0 (or Infinity), got null'],
    ['bodyTimeoutMs past a timer', given({ bodyTimeoutMs: MAX + 1 }), `the \`bodyTimeoutMs\` option must be at most ${MAX} (about 24.8 days), got ${MAX + 1}`],
    ['listenerTimeoutMs past a timer', given({ listenerTimeoutMs: MAX + 1 }), `the \`listenerTimeoutMs\` option must be at most ${MAX} (about 24.8 days) or Infinity, got ${MAX + 1}`],
    ['failurePolicy misspelled', given({ failurePolicy: 'retries' }), `the \`failurePolicy\` option must be 'retry', 'acknowledge' or a function returning a status, got the string "retries"`],
    ['failurePolicy a list', given({ failurePolicy: [] }), `the \`failurePolicy\` option must be 'retry', 'acknowledge' or a function returning a status, got an array`],
    ['failurePolicy a symbol', given({ failurePolicy: Symbol('x') }), `the \`failurePolicy\` option must be 'retry', 'acknowledge' or a function returning a status, got a symbol`],
    ['dedupeKey a string', given({ dedupeKey: 'stream_id' }), 'the `dedupeKey` option must be a function returning a string or undefined'],
    ['appId an object', given({ appId: { id: 1 } }), 'the `appId` option takes AppIDs (digits), got {"id":1}'],
    ['appId a list inside a list', given({ appId: [[12]] }), 'the `appId` option takes AppIDs (digits), got [12]'],
    ['appId true', given({ appId: true }), 'the `appId` option takes AppIDs (digits), got true'],
  ])('%s', (_name, resolve, message) => {
    expect(resolve).toThrow(new TypeError(`zego-callbacks: ${message}`))
  })

  const refusal = 'zego-callbacks: the `store` option must have claim, complete, renew and release methods (see DeliveryStore), or get, setIfAbsent and delete (a 1.0 store)'
  const method = () => true
  const protocol = { claim: method, complete: method, renew: method, release: method }
  const keyValue = { get: method, setIfAbsent: method, delete: method }

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'redis://127.0.0.1'],
    ...Object.keys(protocol).map((name): [string, unknown] => [`a store without ${name}`, { ...protocol, [name]: undefined }]),
    ...Object.keys(keyValue).map((name): [string, unknown] => [`a 1.0 store without ${name}`, { ...keyValue, [name]: 'x' }]),
  ])('refuses %s as a store, naming both shapes', (_name, store) => {
    expect(given({ store })).toThrow(new TypeError(refusal))
  })

  it('takes a store of either shape, and the timers up to their limit', () => {
    expect(resolveOptions({ secret: 's', store: protocol as never }).store).toBe(protocol)
    expect(resolveOptions({ secret: 's', store: keyValue as never }).store).not.toBe(keyValue)
    const resolved = resolveOptions({ secret: 's', bodyTimeoutMs: MAX, listenerTimeoutMs: Infinity })
    expect([resolved.bodyTimeoutMs, resolved.listenerTimeoutMs]).toEqual([MAX, Infinity])
    expect(resolveOptions({ secret: 's', listenerTimeoutMs: MAX }).listenerTimeoutMs).toBe(MAX)
  })

  it('keeps records for the freshness window and 65 s more by default, an hour when freshness is off', () => {
    expect(resolveOptions({ secret: 's' }).retentionMs).toBe(365_000)
    expect(resolveOptions({ secret: 's', toleranceSeconds: 10 }).retentionMs).toBe(75_000)
    expect(resolveOptions({ secret: 's', toleranceSeconds: Infinity }).retentionMs).toBe(3_600_000)
    expect(resolveOptions({ secret: 's', toleranceSeconds: 10, retentionMs: 5 }).retentionMs).toBe(5)
  })

  it('keeps an AppID whose zeros are inside it', () => {
    expect([...resolveOptions({ secret: 's', appId: ['100', 1020, '00100'] }).appIds!]).toEqual(['100', '1020'])
  })
})

describe('resolveOptions: the default store keeps time by the `now` option', () => {
  const claim = { key: 'k', signature: 'sig', digest: 'd', token: 't', retainMs: 10_000, lockMs: 1_000 }
  const complete = { key: 'k', token: 't', outcome: 'delivered', attempts: 1, answer: undefined, retainMs: 10_000 } as const

  it('the memory store: a record expires on the given clock, not the wall clock', async () => {
    let clock = 1_000
    const { store } = resolveOptions({ secret: 's', now: () => clock })
    expect(await store.claim(claim)).toMatchObject({ status: 'claimed' })
    expect(await store.complete(complete)).toBe(true)
    clock += 9_000
    expect(await store.claim({ ...claim, token: 'u' })).toMatchObject({ status: 'delivered' })
    clock += 20_001
    expect(await store.claim({ ...claim, token: 'v' })).toMatchObject({ status: 'claimed', signatureSeen: false })
  })

  it('a 1.0 store: the expiry written in a record is on the given clock', async () => {
    let clock = 1_000
    const now = () => clock
    const kv = new MapKeyValueStore(now)
    const { store } = resolveOptions({ secret: 's', now, store: kv })
    expect(await store.claim(claim)).toMatchObject({ status: 'claimed' })
    expect(await store.complete(complete)).toBe(true)
    // The record's expiry, written in its value, is on the given clock.
    expect(kv.entries.get('zego:state:k')?.value).toBe('done:1:11000')
    clock += 5
    expect(await store.claim({ ...claim, token: 'u' })).toMatchObject({ status: 'delivered' })
  })
})
