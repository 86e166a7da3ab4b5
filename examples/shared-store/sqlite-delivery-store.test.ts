import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { createCallback, signCallback } from 'zego-callbacks/testing'
import { describeDeliveryStore } from '../../test/support/delivery-store-contract.js'
import { createInstance } from './server.js'
import { SqliteDeliveryStore } from './sqlite-delivery-store.js'

const secret = 'shared-store-secret'
const dirs: string[] = []
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const dbFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'zego-store-'))
  dirs.push(dir)
  return join(dir, 'delivery.db')
}
const instance = (path: string) => {
  const created = createInstance(path, { secret })
  cleanups.push(() => created.store.close())
  return created
}

// The protocol every DeliveryStore keeps, on two connections to one file (as two processes have).
describeDeliveryStore('SqliteDeliveryStore', () => {
  let now = 1_000
  const path = dbFile()
  const first = new SqliteDeliveryStore(path, { now: () => now })
  const second = new SqliteDeliveryStore(path, { now: () => now })
  let turn = 0
  const either = <K extends 'claim' | 'complete' | 'renew' | 'release'>(method: K) =>
    ((...args: never[]) => ((turn++ % 2 === 0 ? first : second)[method] as (...a: never[]) => unknown)(...args)) as SqliteDeliveryStore[K]
  return {
    store: { claim: either('claim'), complete: either('complete'), renew: either('renew'), release: either('release') },
    advance: async (ms) => void (now += ms),
    close: () => {
      first.close()
      second.close()
    },
  }
})

describe('SqliteDeliveryStore', () => {
  it('lets two instances on one file deliver a callback once, even when both get it at once', async () => {
    const path = dbFile()
    const a = instance(path)
    const b = instance(path)
    const payloads = Array.from({ length: 10 }, (_, i) => createCallback('mix_start', { seq: String(i) }, { secret }))
    const answers = await Promise.all(
      payloads.flatMap((payload) => [
        request(a.app).post('/zego/callback').send(payload),
        request(b.app).post('/zego/callback').send(signCallback({ ...payload }, { secret })),
      ]),
    )
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200))
    expect(answers.filter((answer) => answer.body.duplicate === true)).toHaveLength(10)
    const keys = [...a.delivered, ...b.delivered]
    expect(keys).toHaveLength(10)
    expect(new Set(keys).size).toBe(10)
  })

  it('remembers what was delivered across a restart', async () => {
    const path = dbFile()
    const first = instance(path)
    const payload = createCallback('stream_create', {}, { secret })
    await request(first.app).post('/zego/callback').send(payload).expect(200)
    first.store.close()
    cleanups.splice(0)
    const restarted = instance(path)
    const retry = await request(restarted.app).post('/zego/callback').send(signCallback({ ...payload }, { secret }))
    expect(retry.body).toEqual({ ok: true, duplicate: true })
    expect(restarted.delivered).toEqual([])
  })

  it('deduplicates between two real processes sharing the file', async () => {
    const path = dbFile()
    const local = instance(path)
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/shared-store/server.ts'], {
      env: { ...process.env, ZEGO_CALLBACK_SECRET: secret, DB_PATH: path, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    cleanups.push(() => child.kill())
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /listening on (\d+)/.exec(chunk.toString())
        if (match) resolve(Number(match[1]))
      })
      child.once('exit', (code) => reject(new Error(`the instance exited with ${code}`)))
    })
    const remote = `http://127.0.0.1:${port}`
    const payloads = Array.from({ length: 20 }, (_, i) => createCallback('room_login', { session_id: `${9000 + i}` }, { secret }))
    const answers = await Promise.all(
      payloads.flatMap((payload) => [
        request(local.app).post('/zego/callback').send(payload),
        request(remote).post('/zego/callback').send(signCallback({ ...payload }, { secret })),
      ]),
    )
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200))
    const remoteKeys = (await request(remote).get('/delivered')).body as string[]
    const keys = [...local.delivered, ...remoteKeys]
    expect(keys).toHaveLength(20)
    expect(new Set(keys).size).toBe(20)
  })
})
