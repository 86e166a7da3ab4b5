// ZIM's before_send_msg reads the answer: the listeners' decision is sent as the JSON body.
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import type { ZimSendDecision } from '../src/index.js'
import { createCallback, toJsonBody, withBadSignature } from '../src/testing/index.js'
import { deferred, deliveryHarness } from './support/delivery.js'
import { frameworks } from './support/frameworks.js'

const secret = 'zim-secret-0b1c2d3e'
const harness = deliveryHarness(secret)
const { setup, sign, resign } = harness

afterEach(() => {
  harness.reset()
})

const message = (fields: Record<string, string> = {}) => sign('before_send_msg', fields)

describe('zimBeforeSendMessage', () => {
  it('delivers a typed event and answers with the listener\'s decision in ZEGO\'s words', async () => {
    const { receiver, post } = setup()
    const seen: unknown[] = []
    receiver.on('zimBeforeSendMessage', (event) => {
      seen.push(event)
      return { result: 'do_not_send', reason: 'blocked word', newMsgBody: '***' }
    })
    const answer = await post(message())
    expect(answer).toEqual({ status: 200, headers: {}, body: { ok: true, result: 3, reason: 'blocked word', new_msg_body: '***' } })
    expect(seen).toEqual([
      expect.objectContaining({
        event: 'before_send_msg',
        appId: 1,
        fromUserId: 'sender',
        convId: 'receiver',
        convType: 0,
        msgId: '1234232421343',
        msgType: 1,
        subMsgType: 0,
        msgBody: 'msg_body',
        payload: 'payload',
        requestId: '3501907290370176',
      }),
    ])
  })

  it.each<[string, ZimSendDecision['result'], number]>([
    ['neutral', 'neutral', 0],
    ['send', 'send', 1],
    ['silently_send', 'silently_send', 2],
    ['do_not_send', 'do_not_send', 3],
  ])('sends %s as result %i', async (_name, result, code) => {
    const { receiver, post } = setup()
    receiver.on('zimBeforeSendMessage', () => ({ result, newPayload: 'p' }))
    expect((await post(message())).body).toEqual({ ok: true, result: code, new_payload: 'p' })
  })

  it('answers as usual when no listener gives a decision', async () => {
    const { receiver, post } = setup()
    receiver.on('zimBeforeSendMessage', () => undefined)
    receiver.on('callback', () => ({ result: 'do_not_send' }))
    expect((await post(message())).body).toEqual({ ok: true })
  })

  it('takes the most restrictive decision when listeners disagree; between equals, the first registered', async () => {
    const { receiver, post } = setup()
    const slow = deferred()
    receiver.on('zimBeforeSendMessage', () => ({ result: 'send', reason: 'allowed' }))
    receiver.on('zimBeforeSendMessage', async () => {
      await slow.promise
      return { result: 'silently_send', reason: 'first silent' }
    })
    receiver.on('zimBeforeSendMessage', () => undefined)
    receiver.on('zimBeforeSendMessage', () => ({ result: 'silently_send', reason: 'second silent' }))
    const answer = post(message())
    slow.resolve()
    expect((await answer).body).toEqual({ ok: true, result: 2, reason: 'first silent' })
  })

  it('answers 500 when a listener returns something that is not a decision, so ZIM retries', async () => {
    const { receiver, post, seen } = setup()
    receiver.on('zimBeforeSendMessage', () => ({ result: 'block' }) as never)
    const answer = await post(message())
    expect(answer).toMatchObject({ status: 500, body: { reason: 'listener_failed' } })
    const cause = (seen.rejected[0]?.error.cause as AggregateError).errors[0] as Error
    expect(cause).toBeInstanceOf(TypeError)
    expect(cause.message).toMatch(/'neutral' \| 'send' \| 'silently_send' \| 'do_not_send'/)
  })

  it('answers 500 when a listener fails, and runs the listeners again on ZIM\'s retry', async () => {
    const { receiver, post } = setup()
    let calls = 0
    receiver.on('zimBeforeSendMessage', () => {
      calls++
      if (calls === 1) throw new Error('moderation service down')
      return { result: 'send' }
    })
    const first = message()
    expect((await post(first)).status).toBe(500)
    expect((await post(resign(first, 3))).body).toEqual({ ok: true, result: 1 })
    expect(calls).toBe(2)
  })

  it('repeats the decision to a duplicate, whether the same request or re-signed, without running listeners', async () => {
    const { receiver, post } = setup()
    let calls = 0
    receiver.on('zimBeforeSendMessage', () => {
      calls++
      return { result: 'do_not_send', reason: 'spam' }
    })
    const first = message()
    expect((await post(first)).body).toEqual({ ok: true, result: 3, reason: 'spam' })
    expect((await post(first)).body).toEqual({ ok: true, duplicate: true, result: 3, reason: 'spam' })
    expect((await post(resign(first, 3))).body).toEqual({ ok: true, duplicate: true, result: 3, reason: 'spam' })
    expect(calls).toBe(1)
  })

  it('gives the decision to a retry that joined the running delivery too', async () => {
    const { receiver, post } = setup()
    const gate = deferred()
    receiver.on('zimBeforeSendMessage', async () => {
      await gate.promise
      return { result: 'silently_send' }
    })
    const first = message()
    const answers = [post(first), post(resign(first, 1))]
    gate.resolve()
    expect((await Promise.all(answers)).map((a) => a.body)).toEqual([
      { ok: true, result: 2 },
      { ok: true, duplicate: true, result: 2 },
    ])
  })
})

describe.each(frameworks)('zimBeforeSendMessage through $name', (framework) => {
  it('answers ZIM with the decision as JSON, and 401 without listeners running for a forgery', async () => {
    const { server, zego } = framework.build({ secret })
    let calls = 0
    zego.on('zimBeforeSendMessage', () => {
      calls++
      return { result: 'do_not_send', reason: 'spam' }
    })
    const payload = createCallback('before_send_msg', { msg_id: 'm-1' }, { secret })
    const answer = await request(server).post('/zego/callback').type('json').send(toJsonBody(payload))
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toMatch(/^application\/json/)
    expect(answer.body).toEqual({ ok: true, result: 3, reason: 'spam' })
    const forged = await request(server).post('/zego/callback').type('json').send(toJsonBody(withBadSignature(payload)))
    expect(forged.status).toBe(401)
    expect(calls).toBe(1)
  })
})
