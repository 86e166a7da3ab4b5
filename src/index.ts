export type * from './types.js'
export { computeSignature, verifySignature, type SignatureInput } from './signature.js'
export {
  ZegoReceiver,
  type CloseOptions,
  type CloseResult,
  type CallbackRequest,
  type CallbackResponse,
  type CallbackResponseBody,
  type ZegoEventSource,
} from './receiver.js'
export type { AcceptedBody } from './answer.js'
export type { FailurePolicy, ZegoCallbacksOptions } from './options.js'
export { CALLBACK_TRACING_CHANNEL } from './tracing.js'
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
} from './errors.js'
export { logoutReasons, roomCloseReasons, streamCloseReasons, terminalTypes, userRoles } from './events/codes.js'
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
