export { computeSignature, verifySignature, type SignatureInput } from './signature.js'
export {
  ZegoReceiver,
  type CallbackEvent,
  type CloseOptions,
  type CloseResult,
  type CallbackRequest,
  type CallbackResponse,
  type CallbackResponseBody,
  type DeliveredEventName,
  type DeliveryContext,
  type DeliveryErrorEvent,
  type DuplicateEvent,
  type RejectedEvent,
  type ZegoEventMap,
  type ZegoEventName,
  type ZegoEventSource,
  type ZegoListener,
} from './receiver.js'
export type { AcceptedBody } from './answer.js'
export type { ZegoProduct } from './envelope.js'
export type { FailurePolicy, ZegoCallbacksOptions } from './options.js'
export {
  MemoryDeliveryStore,
  type ClaimRequest,
  type ClaimResult,
  type CompleteRequest,
  type DeliveryStore,
  type MemoryDeliveryStoreOptions,
} from './delivery/store.js'
export { keyValueDeliveryStore, type KeyValueStore } from './delivery/key-value.js'
export {
  BodyUnavailableError,
  DeliveryError,
  ListenerError,
  PayloadError,
  RequestError,
  VerificationError,
  ZegoCallbackError,
  statusByReason,
  type RejectionReason,
} from './errors.js'
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
export {
  logoutReasons,
  roomCloseReasons,
  streamCloseReasons,
  terminalTypes,
  userRoles,
  type LogoutReason,
  type RoomCloseReason,
  type StreamCloseReason,
  type TerminalType,
  type UserRole,
} from './events/codes.js'
export { parseLosslessJson } from './json.js'
export {
  LiveStreamList,
  type ApplyResult,
  type LiveListEventMap,
  type LiveRoom,
  type LiveStreamListOptions,
} from './live-list/live-list.js'
export { MemoryLiveListStore, type MemoryLiveListStoreOptions } from './live-list/memory-store.js'
export type {
  HeldCallback,
  ListCallback,
  LiveListStore,
  LiveStream,
  RoomHeader,
  RoomRead,
  RoomSnapshot,
  RoomUpdate,
  StreamRecord,
} from './live-list/store.js'
export type { ApplyOutcome, LiveListChange, LiveListMode } from './live-list/reduce.js'
