import { describe, expectTypeOf, it } from 'vitest'
import { zegoCallbacks, type ZegoExpressMiddleware } from '../adapters/express.js'
import {
  ZegoReceiver,
  type CallbackEvent,
  type MixStartedEvent,
  type RawPayload,
  type RejectedEvent,
  type RejectionReason,
  type StreamCodec,
  type StreamCreatedEvent,
  type ZegoEventMap,
  type ZegoEventName,
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

  it('gives callback listeners the event name and the raw payload', () => {
    receiver.on('callback', (e) => {
      expectTypeOf(e).toEqualTypeOf<CallbackEvent>()
      expectTypeOf(e).toEqualTypeOf<{ event: string; raw: RawPayload }>()
    })
  })

  it('gives rejected listeners a RejectedEvent whose reason is a RejectionReason', () => {
    receiver.on('rejected', (e) => {
      expectTypeOf(e).toEqualTypeOf<RejectedEvent>()
      expectTypeOf(e.reason).toEqualTypeOf<RejectionReason>()
      expectTypeOf(e.status).toEqualTypeOf<number>()
    })
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
    expectTypeOf<'stream_create'>().not.toExtend<ZegoEventName>()
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
    expectTypeOf<ZegoEventName>().toEqualTypeOf<'streamCreated' | 'mixStarted' | 'callback' | 'rejected'>()
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
    zego.on('callback', (e) => {
      expectTypeOf(e).toEqualTypeOf<{ event: string; raw: RawPayload }>()
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
