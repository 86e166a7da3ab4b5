import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../src/options.js'
import { ZegoReceiver } from '../src/receiver.js'
import { withoutSecretEnv } from './support/env.js'

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
