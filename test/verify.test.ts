import { describe, expect, it } from 'vitest'
import { VerificationError } from '../src/errors.js'
import type { RawPayload } from '../src/raw.js'
import { computeSignature } from '../src/signature.js'
import { verifyCallback, type VerifySettings } from '../src/verify.js'

const secret = 'verify-secret'
const NOW = 1_700_000_000_000
const SECONDS = String(NOW / 1000)

const settings = (overrides: Partial<VerifySettings> = {}): VerifySettings => ({
  secrets: [secret],
  toleranceSeconds: 300,
  appIds: undefined,
  now: () => NOW,
  ...overrides,
})

/** An RTC callback signed with `secret`, its fields overriding the defaults. */
function signed(fields: RawPayload = {}, timestamp = SECONDS, nonce = '7254119327986670314'): RawPayload {
  return { event: 'stream_create', appid: '1', ...fields, timestamp, nonce, signature: computeSignature(secret, timestamp, nonce) }
}

/** An AI Agent callback (milliseconds, PascalCase keys) signed with `secret`. */
function agent(timestamp: string): RawPayload {
  const nonce = '42'
  return { Event: 'AgentInstanceCreated', AppId: '9', AgentInstanceId: 'a', Timestamp: timestamp, Nonce: nonce, Signature: computeSignature(secret, timestamp, nonce) }
}

function refusal(raw: RawPayload, options: Partial<VerifySettings> = {}): VerificationError {
  try {
    verifyCallback(raw, settings(options))
  } catch (error) {
    expect(error).toBeInstanceOf(VerificationError)
    return error as VerificationError
  }
  throw new Error('expected verifyCallback to refuse')
}

describe('verifyCallback: the signed fields', () => {
  it('returns the callback with its envelope read, its timestamp in milliseconds and its signature as the id', () => {
    const raw = signed({ appid: '3' })
    const upper = { ...raw, signature: String(raw['signature']).toUpperCase() }
    expect(verifyCallback(upper, settings())).toStrictEqual({
      raw: upper,
      product: 'rtc',
      event: 'stream_create',
      appId: 3,
      timestamp: SECONDS,
      nonce: '7254119327986670314',
      signature: String(raw['signature']).toUpperCase(),
      timestampMs: NOW,
      signatureId: raw['signature'],
    })
  })

  it.each([
    [['timestamp'], 'the callback has no timestamp'],
    [['nonce'], 'the callback has no nonce'],
    [['signature'], 'the callback has no signature'],
    [['timestamp', 'signature'], 'the callback has no timestamp, signature'],
    [['timestamp', 'nonce', 'signature'], 'the callback has no timestamp, nonce, signature'],
  ])('refuses a callback without %j as missing_signature (401), naming what is missing', (missing, message) => {
    const raw = signed()
    for (const name of missing) delete raw[name]
    expect(refusal(raw)).toMatchObject({ code: 'missing_signature', status: 401, message })
  })

  it.each(['timestamp', 'nonce', 'signature'])('refuses a %s sent twice (a form array) as bad_signature', (name) => {
    const raw = signed()
    raw[name] = [raw[name] as string, raw[name] as string]
    expect(refusal(raw)).toMatchObject({
      code: 'bad_signature',
      status: 401,
      message: 'timestamp, nonce and signature must each be a single value',
    })
  })

  it('refuses as bad_signature a signature whose digits are the control characters | 0x20 folds onto them', () => {
    const raw = signed()
    const folded = String(raw['signature']).replace(/\d/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0x20))
    expect(refusal({ ...raw, signature: folded })).toMatchObject({ code: 'bad_signature', status: 401 })
  })

  it('refuses a signature made with another secret as bad_signature', () => {
    expect(refusal(signed(), { secrets: ['another'] })).toMatchObject({
      code: 'bad_signature',
      message: 'the signature does not match the timestamp and nonce',
    })
  })
})

describe('verifyCallback: the timestamp', () => {
  it.each([
    ['9 digits', '170000000'],
    ['11 digits', '17000000000'],
    ['a leading zero', '0170000000'],
    ['a sign', '+1700000000'],
    ['a space before', ' 1700000000'],
    ['a letter after', '1700000000x'],
    ['a letter inside', '17000x0000'],
    ['milliseconds', String(NOW)],
  ])('refuses a seconds timestamp with %s, however old it may be, as stale_timestamp', (_label, timestamp) => {
    expect(refusal(signed({}, timestamp), { toleranceSeconds: Infinity })).toMatchObject({
      code: 'stale_timestamp',
      status: 401,
      message: `timestamp ${JSON.stringify(timestamp)} is not a Unix time in seconds (10 digits)`,
    })
  })

  it.each([
    ['a leading zero', '0170000000000'],
    ['a space before', ' 170000000000'],
    ['a letter after', '170000000000x'],
    ['a point', '17000000000.0'],
  ])('refuses a milliseconds timestamp with %s as stale_timestamp', (_label, timestamp) => {
    // 13 characters: still the AI Agent's, so read in milliseconds.
    expect(refusal(agent(timestamp), { toleranceSeconds: Infinity })).toMatchObject({
      code: 'stale_timestamp',
      message: `timestamp ${JSON.stringify(timestamp)} is not a Unix time in milliseconds (13 digits)`,
    })
  })

  it('reads a milliseconds timestamp as milliseconds', () => {
    expect(verifyCallback(agent(String(NOW - 1234)), settings())).toMatchObject({ product: 'ai_agent', timestampMs: NOW - 1234 })
  })

  it('accepts a timestamp exactly at the tolerance, either way, and refuses one a second past it', () => {
    for (const offset of [-300, 300]) expect(verifyCallback(signed({}, String(NOW / 1000 + offset)), settings()).timestampMs).toBe(NOW + offset * 1000)
    expect(verifyCallback(agent(String(NOW + 300_000)), settings()).timestampMs).toBe(NOW + 300_000)
    expect(refusal(signed({}, String(NOW / 1000 - 301)))).toMatchObject({
      code: 'stale_timestamp',
      message: `timestamp ${NOW / 1000 - 301} is 301 s away from now, beyond the 300 s tolerance`,
    })
    expect(refusal(signed({}, String(NOW / 1000 + 301)))).toMatchObject({
      code: 'stale_timestamp',
      message: `timestamp ${NOW / 1000 + 301} is 301 s away from now, beyond the 300 s tolerance`,
    })
    expect(refusal(agent(String(NOW + 300_001)))).toMatchObject({ code: 'stale_timestamp' })
  })

  it('rounds the skew it reports to the second', () => {
    expect(refusal(signed(), { toleranceSeconds: 10, now: () => NOW + 20_600 }).message).toBe(
      `timestamp ${SECONDS} is 21 s away from now, beyond the 10 s tolerance`,
    )
  })

  it('checks the signature before the timestamp: a forged stale callback is bad_signature', () => {
    const raw = { ...signed({}, '1'), signature: 'f'.repeat(40) }
    expect(refusal(raw).code).toBe('bad_signature')
  })
})

describe('verifyCallback: the AppID', () => {
  const appIds = (...ids: string[]) => ({ appIds: new Set(ids) })

  it('reads the AppID as a number, leading zeros and all', () => {
    for (const [appid, appId] of [['100', 100], ['00123', 123], ['0', 0], ['000', 0], ['7', 7]] as const) {
      expect(verifyCallback(signed({ appid }), settings()).appId).toBe(appId)
    }
  })

  it('accepts an AppID the allow-list names, however many zeros it is sent with', () => {
    expect(verifyCallback(signed({ appid: '100' }), settings(appIds('100'))).appId).toBe(100)
    expect(verifyCallback(signed({ appid: '00123' }), settings(appIds('123'))).appId).toBe(123)
    expect(verifyCallback(signed({ appid: '0' }), settings(appIds('0'))).appId).toBe(0)
    expect(verifyCallback(signed({ appid: '00' }), settings(appIds('0'))).appId).toBe(0)
  })

  it.each([
    ['a space before', ' 123'],
    ['a space after', '123 '],
    ['hex', '0x1A'],
    ['a sign', '+123'],
    ['a fraction', '12.0'],
    ['an exponent', '1e3'],
    ['more digits than a safe integer holds', '99999999999999999999'],
    ['nothing', ''],
  ])('gives no AppID for an appid with %s', (_label, appid) => {
    expect(verifyCallback(signed({ appid }), settings()).appId).toBeUndefined()
  })

  it('gives no AppID for an appid sent twice, as a list of one, or absent', () => {
    expect(verifyCallback(signed({ appid: ['1', '1'] }), settings()).appId).toBeUndefined()
    expect(verifyCallback(signed({ appid: ['7'] }), settings()).appId).toBeUndefined()
    const raw = signed()
    delete raw['appid']
    expect(verifyCallback(raw, settings()).appId).toBeUndefined()
  })

  it('refuses an AppID the allow-list does not name as forbidden_app (403), quoting it', () => {
    expect(refusal(signed({ appid: '2' }), appIds('1', '3'))).toMatchObject({ code: 'forbidden_app', status: 403, message: 'AppID "2" is not allowed' })
    expect(refusal(signed({ appid: '1230' }), appIds('123'))).toMatchObject({ code: 'forbidden_app' })
    expect(refusal(signed({ appid: ' 123' }), appIds('123'))).toMatchObject({ message: 'AppID " 123" is not allowed' })
    expect(refusal(signed({ appid: ['1', '1'] }), appIds('1'))).toMatchObject({ message: 'AppID "1,1" is not allowed' })
  })

  it('refuses a callback without an AppID when an allow-list is set, saying so', () => {
    const raw = signed()
    delete raw['appid']
    expect(refusal(raw, appIds('1'))).toMatchObject({
      code: 'forbidden_app',
      message: 'the callback has no AppID and an AppID allow-list is set',
    })
  })
})
