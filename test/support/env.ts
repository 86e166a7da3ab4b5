import { afterEach, beforeEach, vi } from 'vitest'

/** Runs each test of the calling file without ZEGO_CALLBACK_SECRET, restoring it afterwards. */
export function withoutSecretEnv(): void {
  beforeEach(() => {
    vi.stubEnv('ZEGO_CALLBACK_SECRET', undefined)
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })
}
