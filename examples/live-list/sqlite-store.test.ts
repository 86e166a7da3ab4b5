import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe } from 'vitest'
import { liveListStoreContract } from '../../test/support/live-store.js'
import { SqliteLiveListStore } from './sqlite-store.js'

const dir = mkdtempSync(join(tmpdir(), 'live-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

describe('SqliteLiveListStore', () => {
  // Two connections to one file, as two processes would have.
  liveListStoreContract((now) => {
    const path = join(dir, `live-${files++}.db`)
    const store = new SqliteLiveListStore(path, { now })
    const other = new SqliteLiveListStore(path, { now })
    return {
      store,
      other,
      close: () => {
        store.close()
        other.close()
      },
    }
  })
})
