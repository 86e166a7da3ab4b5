import { describe, expectTypeOf, it } from 'vitest'
import { zegoCallbacks, type ZegoExpressMiddleware } from '../adapters/express.js'
import {
  ZegoReceiver,
  type CallbackEvent,
  type DeliveryContext,
  type DeliveryErrorEvent,
  type DuplicateEvent,
  type LogoutReason,
  type MixStartedEvent,
  type MixStoppedEvent,
  type ModeledEventName,
  type RawPayload,
  type RejectedEvent,
  type RejectionReason,
  type RoomCloseReason,
  type RoomClosedEvent,
  type RoomCreatedEvent,
  type StreamCloseReason,
  type StreamClosedEvent,
  type StreamCodec,
  type StreamCreatedEvent,
  type TerminalType,
  type UserLoggedInEvent,
  type UserLoggedOutEvent,
  type UserRole,
  type ZegoEventMap,
  type ZegoEventName,
  type ZegoProduct,
  type ZimBeforeSendMessageEvent,
  type ZimSendDecision,
} from '../src/index.js'

describe('ZegoReceiver.on', () => {
  const receiver = new ZegoReceiver({ secret: 's' })

  it('narrows streamCreated to StreamCreatedEvent', () => {
    receiver.on('streamCreated', (e) => {
      expectTypeOf(e).toEqualTypeOf<StreamCreatedEvent>()
      expectTypeOf(e.streamSeq).toEqualTypeOf<number>()
      expectTypeOf(e.roomSessionId).toEqualTypeOf<string>()
      expectTypeOf(e.codec).toEqualTypeOf<StreamCodec | undefined>()
      expectTypeOf(e.recreate).toEqualTypeOf<boolean>()
      expectTypeOf(e.rtmpUrls).toEqualTypeOf<string[]>()
      expectTypeOf(e.streamAttr).toEqualTypeOf<Record<string, unknown>>()
      expectTypeOf(e.appId).toEqualTypeOf<number>()
      expectTypeOf(e.nonce).toEqualTypeOf<string>()
      expectTypeOf(e.raw).toEqualTypeOf<RawPayload>()
    })
  })

  it('narrows mixStarted to MixStartedEvent', () => {
    receiver.on('mixStarted', (e) => {
      expectTypeOf(e).toEqualTypeOf<MixStartedEvent>()
      expectTypeOf(e.seq).toEqualTypeOf<number>()
      expectTypeOf(e.taskId).toEqualTypeOf<string>()
      expectTypeOf(e.hlsUrls).toEqualTypeOf<string[]>()
      // A stream-only field is not there.
      expectTypeOf(e).not.toHaveProperty('streamSeq')
    })
  })

  it('narrows streamClosed to StreamClosedEvent', () => {
    receiver.on('streamClosed', (e) => {
      expectTypeOf(e).toEqualTypeOf<StreamClosedEvent>()
      expectTypeOf(e.closeReason).toEqualTypeOf<StreamCloseReason>()
      expectTypeOf(e.closeReasonCode).toEqualTypeOf<number>()
      expectTypeOf(e.roomSessionId).toEqualTypeOf<string>()
      expectTypeOf(e.streamSeq).toEqualTypeOf<number>()
      expectTypeOf(e.destroyTimeMs).toEqualTypeOf<number>()
      expectTypeOf(e.raw).toEqualTypeOf<RawPayload>()
      expectTypeOf(e).not.toHaveProperty('type')
    })
  })

  it('narrows mixStopped to MixStoppedEvent', () => {
    receiver.on('mixStopped', (e) => {
      expectTypeOf(e).toEqualTypeOf<MixStoppedEvent>()
      expectTypeOf(e.seq).toEqualTypeOf<number>()
      expectTypeOf(e.taskId).toEqualTypeOf<string>()
      expectTypeOf(e).not.toHaveProperty('rtmpUrls')
    })
  })

  it('narrows roomCreated to RoomCreatedEvent', () => {
    receiver.on('roomCreated', (e) => {
      expectTypeOf(e).toEqualTypeOf<RoomCreatedEvent>()
      expectTypeOf(e.roomSessionId).toEqualTypeOf<string>()
      expectTypeOf(e.roomCreateTime).toEqualTypeOf<number>()
      expectTypeOf(e.idName).toEqualTypeOf<string>()
    })
  })

  it('narrows roomClosed to RoomClosedEvent', () => {
    receiver.on('roomClosed', (e) => {
      expectTypeOf(e).toEqualTypeOf<RoomClosedEvent>()
      expectTypeOf(e.roomSessionId).toEqualTypeOf<string>()
      expectTypeOf(e.closeReason).toEqualTypeOf<RoomCloseReason>()
      expectTypeOf(e.closeReasonCode).toEqualTypeOf<number>()
      expectTypeOf(e.roomCloseTime).toEqualTypeOf<number>()
    })
  })

  it('narrows userLoggedIn to UserLoggedInEvent', () => {
    receiver.on('userLoggedIn', (e) => {
      expectTypeOf(e).toEqualTypeOf<UserLoggedInEvent>()
      expectTypeOf(e.roomSessionId).toEqualTypeOf<string>()
      expectTypeOf(e.sessionId).toEqualTypeOf<string>()
      expectTypeOf(e.userRole).toEqualTypeOf<UserRole>()
      expectTypeOf(e.userRoleCode).toEqualTypeOf<number>()
      expectTypeOf(e.relogin).toEqualTypeOf<boolean>()
      expectTypeOf(e.authLevel).toEqualTypeOf<number | undefined>()
      expectTypeOf(e.terminalType).toEqualTypeOf<TerminalType | undefined>()
      expectTypeOf(e.terminalTypeCode).toEqualTypeOf<number | undefined>()
      // room_seq is exposed only as roomSessionId.
      expectTypeOf(e).not.toHaveProperty('roomSeq')
    })
  })

  it('narrows userLoggedOut to UserLoggedOutEvent', () => {
    receiver.on('userLoggedOut', (e) => {
      expectTypeOf(e).toEqualTypeOf<UserLoggedOutEvent>()
      expectTypeOf(e.roomSessionId).toEqualTypeOf<string>()
      expectTypeOf(e.logoutReason).toEqualTypeOf<LogoutReason>()
      expectTypeOf(e.logoutReasonCode).toEqualTypeOf<number>()
      expectTypeOf(e.userRole).toEqualTypeOf<UserRole>()
      expectTypeOf(e.logoutTime).toEqualTypeOf<number>()
      expectTypeOf(e).not.toHaveProperty('roomSeq')
    })
  })

  // 'undocumented' names a code ZEGO's documentation does not list; terminal type 32 is ZEGO's own 'unknown'.
  it('names every code readably, with undocumented for a code the documentation does not list', () => {
    expectTypeOf<StreamCloseReason>().toEqualTypeOf<
      'normal' | 'heartbeat_timeout' | 'relogin' | 'kicked_by_api' | 'tcp_disconnected' | 'room_cleared' | 'deleted_by_api' | 'undocumented'
    >()
    expectTypeOf<RoomCloseReason>().toEqualTypeOf<
      'normal' | 'last_user_heartbeat_timeout' | 'last_user_offline' | 'last_user_kicked' | 'undocumented'
    >()
    expectTypeOf<LogoutReason>().toEqualTypeOf<
      'normal' | 'heartbeat_timeout' | 'disconnected' | 'relogin_or_kicked' | 'token_expired' | 'undocumented'
    >()
    expectTypeOf<UserRole>().toEqualTypeOf<'host' | 'audience' | 'admin' | 'undocumented'>()
    expectTypeOf<TerminalType>().toEqualTypeOf<
      'none' | 'pc' | 'ios' | 'android' | 'mac' | 'linux' | 'web' | 'mini_program' | 'unknown' | 'undocumented'
    >()
  })

  it('gives callback listeners the product, event name, AppID, timestamp and the raw payload', () => {
    receiver.on('callback', (e) => {
      expectTypeOf(e).toEqualTypeOf<CallbackEvent>()
      expectTypeOf(e).toEqualTypeOf<{ product: ZegoProduct; event: string; appId: number | undefined; timestampMs: number; raw: RawPayload }>()
      expectTypeOf(e.product).toEqualTypeOf<
        'rtc' | 'zim' | 'ai_agent' | 'asr' | 'cloud_recording' | 'cloud_player' | 'digital_human' | 'rtc_moderation' | 'rtc_transcoding' | 'other'
      >()
    })
  })

  it('types what a zimBeforeSendMessage listener may return, and nothing else', () => {
    receiver.on('zimBeforeSendMessage', (e) => {
      expectTypeOf(e).toEqualTypeOf<ZimBeforeSendMessageEvent>()
      return { result: 'do_not_send', reason: 'spam' }
    })
    receiver.on('zimBeforeSendMessage', async () => undefined)
    receiver.on('zimBeforeSendMessage', () => {})
    // @ts-expect-error ZIM's results are named: 'neutral' | 'send' | 'silently_send' | 'do_not_send'
    receiver.on('zimBeforeSendMessage', () => ({ result: 3 }))
    // @ts-expect-error a decision needs its result
    receiver.on('zimBeforeSendMessage', () => ({ reason: 'why' }))
    expectTypeOf<ZimSendDecision['result']>().toEqualTypeOf<'neutral' | 'send' | 'silently_send' | 'do_not_send'>()
  })

  it('gives rejected listeners a RejectedEvent whose reason is a RejectionReason', () => {
    receiver.on('rejected', (e) => {
      expectTypeOf(e).toEqualTypeOf<RejectedEvent>()
      expectTypeOf(e.reason).toEqualTypeOf<RejectionReason>()
      expectTypeOf(e.status).toEqualTypeOf<number>()
    })
  })

  it('gives delivered events a DeliveryContext second argument, and meta events none', () => {
    receiver.on('streamCreated', (e, delivery) => {
      expectTypeOf(e).toEqualTypeOf<StreamCreatedEvent>()
      expectTypeOf(delivery).toEqualTypeOf<DeliveryContext>()
      expectTypeOf(delivery.attempt).toEqualTypeOf<number>()
      expectTypeOf(delivery.key).toEqualTypeOf<string>()
      expectTypeOf(delivery.receivedAt).toEqualTypeOf<Date>()
    })
    receiver.on('callback', (_e, delivery) => {
      expectTypeOf(delivery).toEqualTypeOf<DeliveryContext>()
    })
    receiver.on('duplicate', (e) => {
      expectTypeOf(e).toEqualTypeOf<DuplicateEvent>()
      expectTypeOf(e.matchedBy).toEqualTypeOf<'signature' | 'key'>()
    })
    receiver.on('error', (e) => {
      expectTypeOf(e).toEqualTypeOf<DeliveryErrorEvent>()
      expectTypeOf(e.delivery).toEqualTypeOf<DeliveryContext | undefined>()
    })
    // @ts-expect-error rejected listeners get no delivery context
    receiver.on('rejected', (_e, _delivery: DeliveryContext) => {})
  })

  it('narrows once and off the same way', () => {
    receiver.once('streamCreated', (e) => {
      expectTypeOf(e).toEqualTypeOf<StreamCreatedEvent>()
    })
    const listener = (e: MixStartedEvent): void => {
      expectTypeOf(e.seq).toEqualTypeOf<number>()
    }
    receiver.off('mixStarted', listener)
    // @ts-expect-error a mixStarted listener does not fit streamCreated
    receiver.on('streamCreated', listener)
  })

  it('refuses an unknown event name', () => {
    // @ts-expect-error 'streamCreate' is not an event name
    receiver.on('streamCreate', () => {})
    // @ts-expect-error ZEGO's own snake_case name is not a listener name
    receiver.on('stream_create', () => {})
    // @ts-expect-error nor is a new event's
    receiver.on('room_login', () => {})
    expectTypeOf<'stream_create'>().not.toExtend<ZegoEventName>()
    expectTypeOf<'room_close'>().not.toExtend<ZegoEventName>()
  })

  it('returns the receiver for chaining', () => {
    expectTypeOf(receiver.on('callback', () => {})).toEqualTypeOf<ZegoReceiver>()
    expectTypeOf(receiver.on('streamCreated', () => {}).on('mixStarted', () => {})).toEqualTypeOf<ZegoReceiver>()
  })

  it('has real payload types, never never or any', () => {
    expectTypeOf<ZegoEventMap['streamCreated']>().not.toBeNever()
    expectTypeOf<ZegoEventMap['streamCreated']>().not.toBeAny()
    expectTypeOf<ZegoEventMap['streamCreated']>().not.toBeUnknown()
    expectTypeOf<ZegoEventMap['streamCreated']>().toEqualTypeOf<StreamCreatedEvent>()
    expectTypeOf<ZegoEventMap['mixStarted']>().not.toBeNever()
    expectTypeOf<ZegoEventMap['mixStarted']>().not.toBeAny()
    expectTypeOf<ZegoEventMap['mixStarted']>().toEqualTypeOf<MixStartedEvent>()
    expectTypeOf<ZegoEventMap['streamClosed']>().toEqualTypeOf<StreamClosedEvent>()
    expectTypeOf<ZegoEventMap['mixStopped']>().toEqualTypeOf<MixStoppedEvent>()
    expectTypeOf<ZegoEventMap['roomCreated']>().toEqualTypeOf<RoomCreatedEvent>()
    expectTypeOf<ZegoEventMap['roomClosed']>().toEqualTypeOf<RoomClosedEvent>()
    expectTypeOf<ZegoEventMap['userLoggedIn']>().toEqualTypeOf<UserLoggedInEvent>()
    expectTypeOf<ZegoEventMap['userLoggedOut']>().toEqualTypeOf<UserLoggedOutEvent>()
    expectTypeOf<ModeledEventName>().toEqualTypeOf<
      | 'streamCreated'
      | 'streamClosed'
      | 'mixStarted'
      | 'mixStopped'
      | 'roomCreated'
      | 'roomClosed'
      | 'userLoggedIn'
      | 'userLoggedOut'
      | 'zimBeforeSendMessage'
    >()
    expectTypeOf<ZegoEventName>().toEqualTypeOf<
      | 'streamCreated'
      | 'streamClosed'
      | 'mixStarted'
      | 'mixStopped'
      | 'roomCreated'
      | 'roomClosed'
      | 'userLoggedIn'
      | 'userLoggedOut'
      | 'zimBeforeSendMessage'
      | 'callback'
      | 'rejected'
      | 'duplicate'
      | 'error'
    >()
  })
})

describe('Express middleware on', () => {
  const zego = zegoCallbacks({ secret: 's' })

  it('narrows the payloads like the receiver', () => {
    zego.on('streamCreated', (e) => {
      expectTypeOf(e).toEqualTypeOf<StreamCreatedEvent>()
      expectTypeOf(e.streamSeq).toEqualTypeOf<number>()
      expectTypeOf(e.roomSessionId).toEqualTypeOf<string>()
      expectTypeOf(e.codec).toEqualTypeOf<StreamCodec | undefined>()
    })
    zego.on('mixStarted', (e) => {
      expectTypeOf(e).toEqualTypeOf<MixStartedEvent>()
    })
    zego.on('streamClosed', (e) => {
      expectTypeOf(e.closeReason).toEqualTypeOf<StreamCloseReason>()
    })
    zego.on('mixStopped', (e) => {
      expectTypeOf(e).toEqualTypeOf<MixStoppedEvent>()
    })
    zego.on('roomCreated', (e) => {
      expectTypeOf(e).toEqualTypeOf<RoomCreatedEvent>()
    })
    zego.on('roomClosed', (e) => {
      expectTypeOf(e.closeReason).toEqualTypeOf<RoomCloseReason>()
    })
    zego.on('userLoggedIn', (e) => {
      expectTypeOf(e.terminalType).toEqualTypeOf<TerminalType | undefined>()
    })
    zego.on('userLoggedOut', (e) => {
      expectTypeOf(e.logoutReason).toEqualTypeOf<LogoutReason>()
    })
    zego.on('callback', (e) => {
      expectTypeOf(e).toEqualTypeOf<{ product: ZegoProduct; event: string; appId: number | undefined; timestampMs: number; raw: RawPayload }>()
    })
    zego.on('rejected', (e) => {
      expectTypeOf(e.reason).toEqualTypeOf<RejectionReason>()
    })
  })

  it('refuses an unknown event name', () => {
    // @ts-expect-error 'nope' is not an event name
    zego.on('nope', () => {})
  })

  it('returns the middleware for chaining', () => {
    expectTypeOf(zego).toEqualTypeOf<ZegoExpressMiddleware>()
    expectTypeOf(zego.on('streamCreated', () => {})).toEqualTypeOf<ZegoExpressMiddleware>()
    expectTypeOf(zego.on('streamCreated', () => {}).once('mixStarted', () => {}).off('callback')).toEqualTypeOf<
      ZegoExpressMiddleware
    >()
    expectTypeOf(zego.receiver).toEqualTypeOf<ZegoReceiver>()
  })
})
