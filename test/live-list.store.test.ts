import { describe } from 'vitest'
import { MemoryLiveListStore } from '../src/index.js'
import { liveListStoreContract } from './support/live-store.js'

describe('MemoryLiveListStore', () => {
  liveListStoreContract((now) => ({ store: new MemoryLiveListStore({ now }) }))
})
