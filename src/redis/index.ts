// zego-callbacks/redis: the delivery store and the live list store on a Redis shared by every
// instance. Nothing here imports a Redis client: the stores take the one the app has connected.
export { RedisDeliveryStore } from './delivery-store.js'
export { RedisLiveListStore, type RedisLiveListStoreOptions } from './live-list-store.js'
export type { RedisScriptClient, RedisStoreOptions, ScriptArguments } from './client.js'
