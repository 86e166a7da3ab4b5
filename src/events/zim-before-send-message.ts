import type { AnswerFields, CallbackEnvelope } from './define.js'
import { defineEvent } from './define.js'
import { id, optionalQuantity, quantity, text } from './fields.js'

/** A user is about to send a chat message (ZIM `before_send_msg`); your answer decides whether it is sent. */
export interface ZimBeforeSendMessageEvent extends CallbackEnvelope {
  /** ZIM's request id. */
  requestId: string
  /** The sender's user id. */
  fromUserId: string
  /** The target conversation id. */
  convId: string
  /** The target conversation type, ZIM's code. */
  convType: number
  /** The message id: unique per message. */
  msgId: string
  /** The message type, ZIM's code. */
  msgType: number
  /** The custom message's sub-type (0 to 200), for custom messages. */
  subMsgType: number | undefined
  /** The message body. */
  msgBody: string
  /** The message's extra field. */
  payload: string
}

/**
 * What a `zimBeforeSendMessage` listener may return: ZIM's decision, `result` in ZEGO's words
 * (0 `'neutral'`, 1 `'send'`, 2 `'silently_send'`: sent, but recipients do not receive it,
 * 3 `'do_not_send'`), with an optional reason and a replacement payload or body.
 */
export interface ZimSendDecision {
  result: 'neutral' | 'send' | 'silently_send' | 'do_not_send'
  /** Why, for ZIM's logs. */
  reason?: string | undefined
  /** Replaces the message's `payload`. */
  newPayload?: string | undefined
  /** Replaces the message's body. */
  newMsgBody?: string | undefined
}

/** ZIM's result codes, ordered from least to most restrictive. */
const results = { neutral: 0, send: 1, silently_send: 2, do_not_send: 3 } as const

/** The `zimBeforeSendMessage` event: ZIM's `before_send_msg` callback, answered with the listeners' decision. */
export const zimBeforeSendMessage = defineEvent<ZimBeforeSendMessageEvent, ZimSendDecision>()({
  name: 'zimBeforeSendMessage',
  product: 'zim',
  zegoEvent: 'before_send_msg',
  schema: {
    request_id: text(),
    from_user_id: id(),
    conv_id: id(),
    conv_type: quantity(),
    msg_id: id(),
    msg_type: quantity(),
    sub_msg_type: optionalQuantity(),
    msg_body: text(),
    payload: text(),
  },
  normalize: (p) => ({
    requestId: p.request_id,
    fromUserId: p.from_user_id,
    convId: p.conv_id,
    convType: p.conv_type,
    msgId: p.msg_id,
    msgType: p.msg_type,
    subMsgType: p.sub_msg_type,
    msgBody: p.msg_body,
    payload: p.payload,
  }),
  identity: (e) => [e.msgId],
  answer: decide,
})

// The most restrictive decision wins; between equal results, the listener registered first.
function decide(returned: readonly unknown[]): AnswerFields | undefined {
  let chosen: ZimSendDecision | undefined
  for (const value of returned) {
    if (value === undefined) continue
    const decision = checkDecision(value)
    if (chosen === undefined || results[decision.result] > results[chosen.result]) chosen = decision
  }
  if (chosen === undefined) return undefined
  const fields: AnswerFields = { result: results[chosen.result] }
  if (chosen.reason !== undefined) fields['reason'] = chosen.reason
  if (chosen.newPayload !== undefined) fields['new_payload'] = chosen.newPayload
  if (chosen.newMsgBody !== undefined) fields['new_msg_body'] = chosen.newMsgBody
  return fields
}

function checkDecision(value: unknown): ZimSendDecision {
  const decision = value as Partial<Record<keyof ZimSendDecision, unknown>> | null
  const result = typeof decision === 'object' && decision !== null ? decision.result : undefined
  if (typeof result !== 'string' || !Object.hasOwn(results, result)) {
    throw new TypeError(
      `a zimBeforeSendMessage listener returned ${describe(value)}: return { result: 'neutral' | 'send' | 'silently_send' | 'do_not_send', reason?, newPayload?, newMsgBody? } or nothing`,
    )
  }
  for (const key of ['reason', 'newPayload', 'newMsgBody'] as const) {
    const field = decision?.[key]
    if (field !== undefined && typeof field !== 'string') {
      throw new TypeError(`a zimBeforeSendMessage listener returned a ${key} that is a ${typeof field}, not a string`)
    }
  }
  return decision as ZimSendDecision
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 80) ?? String(value)
  } catch {
    return String(value)
  }
}
