// Every DeliveryStore in this package runs the contract (test/support/delivery-store-contract.ts).
import { keyValueDeliveryStore, MemoryDeliveryStore } from '../src/index.js'
import { describeDeliveryStore } from './support/delivery-store-contract.js'
import { MapKeyValueStore } from './support/kv-store.js'

describeDeliveryStore('MemoryDeliveryStore', () => {
  let now = 1_000
  return { store: new MemoryDeliveryStore({ now: () => now }), advance: async (ms) => void (now += ms) }
})

describeDeliveryStore('a 1.0 key-value store behind keyValueDeliveryStore', () => {
  let now = 1_000
  return { store: keyValueDeliveryStore(new MapKeyValueStore(() => now), { now: () => now }), advance: async (ms) => void (now += ms) }
})
