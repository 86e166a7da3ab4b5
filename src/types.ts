// The types of every event and what listeners get, re-exported by the root entry and by every
// subpath (`zego-callbacks/express`, `/koa`, `/testing`...), so an app imports them from the one it uses.
export type {
  CallbackEvent,
  DeliveredEvent,
  DeliveredEventName,
  DeliveryContext,
  DeliveryErrorEvent,
  DuplicateEvent,
  RejectedEvent,
  ZegoEventMap,
  ZegoEventName,
  ZegoListener,
} from './receiver.js'
export type { ZegoProduct } from './envelope.js'
export type { RejectionReason } from './errors.js'
export type { RawPayload, RawValue } from './raw.js'
export type { AnswerFields, CallbackEnvelope } from './events/define.js'
export type { ModeledAnswerMap, ModeledEventMap, ModeledEventName } from './events/registry.js'
export type { StreamCodec, StreamCreatedEvent } from './events/stream-created.js'
export type { MixStartedEvent } from './events/mix-started.js'
export type { StreamClosedEvent } from './events/stream-closed.js'
export type { MixStoppedEvent } from './events/mix-stopped.js'
export type { RoomCreatedEvent } from './events/room-created.js'
export type { RoomClosedEvent } from './events/room-closed.js'
export type { UserLoggedInEvent } from './events/user-logged-in.js'
export type { UserLoggedOutEvent } from './events/user-logged-out.js'
export type { ZimBeforeSendMessageEvent, ZimSendDecision } from './events/zim-before-send-message.js'
export type { LogoutReason, RoomCloseReason, StreamCloseReason, TerminalType, UserRole } from './events/codes.js'
export type { LogFields, ZegoLogger } from './logger.js'
export type { CallbackTrace } from './tracing.js'
