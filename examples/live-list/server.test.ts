import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { get, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import request from 'supertest'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { createCallback } from 'zego-callbacks/testing'
import { createLiveListApp } from './server.js'

const secret = 'live-list-example-secret'
const room = 'studio-7'
const session = '6085791336856668982'
const t0 = Date.now()
let dir: string
let closers: Array<() => void>

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'live-list-'))
  closers = []
})
afterEach(() => {
  for (const close of closers) close()
  rmSync(dir, { recursive: true, force: true })
})

function start() {
  const created = createLiveListApp({ secret, database: join(dir, 'live.db'), mode: 'rooms' })
  closers.push(created.close)
  return created
}

// What ZEGO sends for one room session: the room opens, cam-a goes live and stops, cam-b goes live.
const callbacks = {
  roomCreate: createCallback('room_create', { room_id: room, room_session_id: session, room_create_time: String(t0) }, { secret }),
  camACreate: createCallback('stream_create', { room_id: room, room_session_id: session, stream_id: 'cam-a', stream_seq: '1', create_time_ms: String(t0 + 1000) }, { secret }),
  camBCreate: createCallback('stream_create', { room_id: room, room_session_id: session, stream_id: 'cam-b', stream_seq: '2', create_time_ms: String(t0 + 2000) }, { secret }),
  camAClose: createCallback('stream_close', { room_id: room, room_session_id: session, stream_id: 'cam-a', stream_seq: '3', destroy_timemillis: String(t0 + 3000) }, { secret }),
}

it('keeps the right list in SQLite when callbacks arrive out of order and twice', async () => {
  const { app } = start()
  const { roomCreate, camACreate, camBCreate, camAClose } = callbacks
  for (const payload of [camAClose, camBCreate, camACreate, roomCreate, camACreate, camBCreate]) {
    expect((await request(app).post('/zego/callback').send(payload)).status).toBe(200)
  }
  const rooms = await request(app).get('/api/rooms')
  expect(rooms.body.mode).toBe('rooms')
  expect(rooms.body.rooms).toEqual([
    { roomId: room, roomSessionId: session, streams: [expect.objectContaining({ streamId: 'cam-b', streamSeq: 2 })] },
  ])
  expect((await request(app).get('/api/streams')).body.map((stream: { streamId: string }) => stream.streamId)).toEqual(['cam-b'])
})

it('survives a restart: the list is read back from the database', async () => {
  const first = start()
  for (const payload of [callbacks.roomCreate, callbacks.camBCreate]) {
    await request(first.app).post('/zego/callback').send(payload)
  }
  first.close()
  closers.pop()
  const second = start()
  expect((await request(second.app).get('/api/streams')).body).toEqual([expect.objectContaining({ streamId: 'cam-b' })])
})

it('two processes on one database file keep one list of a room both change at once', async () => {
  const database = join(dir, 'live.db')
  const local = createLiveListApp({ secret, database, mode: 'rooms' })
  closers.push(local.close)
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/live-list/server.ts'], {
    env: { ...process.env, ZEGO_CALLBACK_SECRET: secret, LIVE_LIST_DB: database, LIVE_LIST_MODE: 'rooms', PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  closers.push(() => child.kill())
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /127\.0\.0\.1:(\d+)\//.exec(chunk.toString())
      if (match) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)))
  })
  const remote = `http://127.0.0.1:${port}`
  expect((await request(remote).post('/zego/callback').send(callbacks.roomCreate)).status).toBe(200)
  const creates = Array.from({ length: 30 }, (_, i) =>
    createCallback('stream_create', { room_id: room, room_session_id: session, stream_id: `cam-${i}`, stream_sid: `sid-${i}`, stream_seq: '1', create_time_ms: String(t0 + 10 + i) }, { secret }),
  )
  const answers = await Promise.all(creates.map((payload, i) => request(i % 2 === 0 ? local.app : remote).post('/zego/callback').send(payload)))
  expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200))
  for (const server of [local.app, remote]) expect((await request(server).get('/api/streams')).body).toHaveLength(30)
})

it('pushes every change to the page over server-sent events', async () => {
  const { app } = start()
  const server: Server = app.listen(0, '127.0.0.1')
  closers.push(() => server.close())
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as { port: number }
  const received: string[] = []
  const twoChanges = new Promise<void>((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/events' }, (res) => {
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/)
      res.on('data', (chunk: Buffer) => {
        for (const match of chunk.toString().matchAll(/^data: (.*)$/gm)) received.push(JSON.parse(match[1] ?? '').type)
        if (received.length >= 2) {
          req.destroy()
          resolve()
        }
      })
    })
    req.on('error', reject)
    // Post once the stream is open.
    req.on('response', () => {
      void (async () => {
        await request(server).post('/zego/callback').send(callbacks.roomCreate)
        await request(server).post('/zego/callback').send(callbacks.camACreate)
      })()
    })
  })
  await twoChanges
  expect(received).toEqual(['roomOpened', 'streamLive'])
})

it('serves the live page', async () => {
  const { app } = start()
  const page = await request(app).get('/')
  expect(page.status).toBe(200)
  expect(page.text).toContain("new EventSource('/events')")
})
