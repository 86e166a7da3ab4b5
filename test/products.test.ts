// Every ZEGO product's callbacks, through every adapter: ZEGO's own documentation examples of
// each product (test/fixtures/other-products), re-stamped in the product's own unit and re-signed.
import { readdirSync, readFileSync } from 'node:fs'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import type { CallbackEvent, RejectedEvent, ZegoCallbacksOptions, ZegoProduct } from '../src/index.js'
import { parseLosslessJson } from '../src/json.js'
import { createCallback, signCallback, toJsonBody, withBadSignature, type CallbackPayload } from '../src/testing/index.js'
import { frameworks, type Framework } from './support/frameworks.js'

const secret = 'products-secret-5b7d2468ace01357'
const path = '/zego/callback'
const fixtures = new URL('./fixtures/other-products/', import.meta.url)

/** What the receiver must report for each of ZEGO's examples. */
const expected: Record<string, { product: ZegoProduct; event: string; appId: number; appIdKey: string; unit: 's' | 'ms' }> = {
  'aiagent-agentinstancecreated.json': { product: 'ai_agent', event: 'AgentInstanceCreated', appId: 1234567, appIdKey: 'AppId', unit: 'ms' },
  'cloudplayer-1.json': { product: 'cloud_player', event: 'cloud_player:1', appId: 123456789, appIdKey: 'AppID', unit: 's' },
  'cloudrecording-1.json': { product: 'cloud_recording', event: 'cloud_recording:1', appId: 1234567890, appIdKey: 'app_id', unit: 's' },
  'zim-before-send-msg.json': { product: 'zim', event: 'before_send_msg', appId: 1, appIdKey: 'appid', unit: 's' },
  'zim-room-create.json': { product: 'zim', event: 'room_create', appId: 1, appIdKey: 'appid', unit: 's' },
}

const examples = readdirSync(fixtures)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, payload: JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as CallbackPayload }))

function build(framework: Framework, options: Partial<ZegoCallbacksOptions> = {}) {
  const { server, zego } = framework.build({ secret, ...options })
  const callbacks: Array<CallbackEvent> = []
  const rejected: RejectedEvent[] = []
  zego.on('callback', (event) => {
    callbacks.push(event)
  })
  zego.on('rejected', (event) => {
    rejected.push(event)
  })
  const post = (body: string) => request(server).post(path).type('json').send(body)
  return { post, callbacks, rejected }
}

/** The example re-stamped now (or `offsetSeconds` from now) in its own unit, and re-signed. */
function restamp(payload: CallbackPayload, unit: 's' | 'ms', offsetSeconds = 0): CallbackPayload {
  const ms = Date.now() + offsetSeconds * 1000
  return signCallback(payload, { secret, timestamp: unit === 'ms' ? ms : Math.floor(ms / 1000) })
}

it('has an expectation for every example of another product in the fixtures', () => {
  expect(examples.map((example) => example.name).sort()).toEqual(Object.keys(expected).sort())
})

describe.each(frameworks)('$name', (framework) => {
  describe.each(examples)('ZEGO\'s example $name', ({ name, payload }) => {
    const want = expected[name]!

    it('is answered 2xx and reaches callback once, with its product, event, AppID, timestamp and raw intact', async () => {
      const { post, callbacks } = build(framework)
      const signed = restamp(payload, want.unit)
      const body = toJsonBody(signed)
      const answer = await post(body)
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ ok: true })
      expect(callbacks).toHaveLength(1)
      const [callback] = callbacks
      expect(callback).toMatchObject({ product: want.product, event: want.event, appId: want.appId })
      const stamped = Number(signed['timestamp'] ?? signed['Timestamp'])
      expect(callback?.timestampMs).toBe(want.unit === 'ms' ? stamped : stamped * 1000)
      expect(callback?.raw).toEqual(parseLosslessJson(body))
      // The same request again is a duplicate: answered 200, delivered no more.
      expect((await post(body)).body).toMatchObject({ ok: true, duplicate: true })
      expect(callbacks).toHaveLength(1)
    })

    it('is refused 401 with a wrong signature, or a timestamp an hour old', async () => {
      const { post, callbacks, rejected } = build(framework)
      expect((await post(toJsonBody(withBadSignature(restamp(payload, want.unit))))).status).toBe(401)
      expect((await post(toJsonBody(restamp(payload, want.unit, -3600)))).status).toBe(401)
      expect(rejected.map((r) => r.reason)).toEqual(['bad_signature', 'stale_timestamp'])
      expect(callbacks).toEqual([])
    })

    it(`reads its AppID from ${want.appIdKey}: an allow-list naming another app answers 403, its own 200`, async () => {
      const other = build(framework, { appId: [want.appId + 1] })
      const answer = await other.post(toJsonBody(restamp(payload, want.unit)))
      expect(answer.status).toBe(403)
      expect(answer.body).toMatchObject({ reason: 'forbidden_app' })
      const own = build(framework, { appId: String(want.appId) })
      expect((await own.post(toJsonBody(restamp(payload, want.unit)))).status).toBe(200)
    })
  })

  it('refuses a milliseconds timestamp where the product stamps seconds, and the other way round', async () => {
    const { post, rejected } = build(framework)
    const rtcInMs = createCallback('mix_start', {}, { secret, timestamp: Date.now() })
    const agentInSeconds = createCallback('AgentInstanceCreated', {}, { secret, timestamp: Math.floor(Date.now() / 1000) })
    expect((await post(toJsonBody(rtcInMs))).status).toBe(401)
    // A 10-digit PascalCase callback is not the AI Agent's: it reads as another product, stamped in seconds.
    expect((await post(toJsonBody(agentInSeconds))).status).toBe(200)
    expect(rejected.map((r) => r.message)).toEqual([expect.stringContaining('not a Unix time in seconds (10 digits)')])
  })

  it('turns freshness off with toleranceSeconds: Infinity, for milliseconds too', async () => {
    const { post } = build(framework, { toleranceSeconds: Infinity })
    const old = createCallback('AgentInstanceCreated', {}, { secret, timestamp: 1_000_000_000_000 })
    expect((await post(toJsonBody(old))).status).toBe(200)
  })
})

describe('the test kit builds every product\'s callback', () => {
  it.each([
    ['AgentInstanceCreated', undefined, 'ai_agent', 13],
    ['Exception', 'ai_agent', 'ai_agent', 13],
    ['ASRResult', 'asr', 'asr', 13],
    ['before_send_msg', undefined, 'zim', 10],
    ['room_destroy', 'zim', 'zim', 10],
    ['room_create', 'zim', 'zim', 10],
    ['room_create', undefined, 'rtc', 10],
    ['cloud_recording:1', undefined, 'cloud_recording', 10],
    ['cloud_recording:2', undefined, 'cloud_recording', 10],
    ['cloud_player:1', undefined, 'cloud_player', 10],
    ['digital_human:3', undefined, 'digital_human', 10],
    ['censor_image', 'rtc_moderation', 'rtc_moderation', 10],
    ['transcode_finished', 'rtc_transcoding', 'rtc_transcoding', 10],
  ] as const)('%s (product %s) as %s, stamped with %i digits', async (event, product, want, digits) => {
    const { post, callbacks } = build(frameworks[0]!)
    const payload = createCallback(event, {}, { secret, product })
    expect(String(payload['timestamp'] ?? payload['Timestamp'])).toHaveLength(digits)
    expect((await post(toJsonBody(payload))).status).toBe(200)
    expect(callbacks).toEqual([expect.objectContaining({ product: want, event })])
  })

  it('refuses a product that sends codes without a code in the name', () => {
    expect(() => createCallback('upload_done', {}, { secret, product: 'cloud_recording' })).toThrow(/'cloud_recording:<code>'/)
  })
})
