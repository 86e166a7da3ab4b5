// A live list of ZEGO streams kept in SQLite, served as JSON and as a page that updates live.
// Run: ZEGO_CALLBACK_SECRET=... PORT=3000 LIVE_LIST_MODE=rooms npx tsx examples/live-list/server.ts
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import express, { type Response } from 'express'
import { LiveStreamList, type LiveListMode, type ZegoCallbacksOptions } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/express'
import { SqliteLiveListStore } from './sqlite-store.js'

const page = readFileSync(new URL('./page.html', import.meta.url), 'utf8')

export interface LiveListAppOptions extends ZegoCallbacksOptions {
  /** The SQLite file; ':memory:' for a throwaway database. */
  database: string
  /** 'rooms' if the ZEGO project sends room callbacks too, 'streams' if only stream callbacks. */
  mode?: LiveListMode
}

export function createLiveListApp({ database, mode = 'streams', ...zegoOptions }: LiveListAppOptions) {
  const store = new SqliteLiveListStore(database)
  const list = new LiveStreamList({ mode, store, roomTtlMs: 6 * 60 * 60 * 1000 })
  const zego = zegoCallbacks(zegoOptions)
  list.attach(zego)

  // Server-sent events: every change of the list goes to every open page.
  const clients = new Set<Response>()
  for (const type of ['roomOpened', 'roomClosed', 'streamLive', 'streamUpdated', 'streamEnded'] as const) {
    list.on(type, (change) => {
      for (const client of clients) client.write(`event: change\ndata: ${JSON.stringify(change)}\n\n`)
    })
  }

  const app = express()
  app.use(zego) // POST /zego/callback
  app.get('/api/rooms', async (_req, res) => {
    res.json({ mode: list.mode, rooms: await list.rooms() })
  })
  app.get('/api/streams', async (_req, res) => {
    res.json(await list.streams())
  })
  app.get('/events', (req, res) => {
    res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' })
    res.flushHeaders()
    res.write(': connected\n\n')
    clients.add(res)
    req.on('close', () => clients.delete(res))
  })
  app.get('/', (_req, res) => {
    res.type('html').send(page)
  })

  // The list sweeps every minute by itself: expired held callbacks go, and rooms silent for
  // roomTtlMs are closed (a lost close: ZEGO cannot repair loss from callbacks alone).
  const close = () => {
    list.stop()
    for (const client of clients) client.end()
    store.close()
  }
  return { app, list, close }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env['PORT'] ?? 3000)
  const mode = process.env['LIVE_LIST_MODE'] === 'rooms' ? 'rooms' : 'streams'
  const { app } = createLiveListApp({ database: process.env['LIVE_LIST_DB'] ?? 'live-list.db', mode })
  const server = app.listen(port, '127.0.0.1', () => {
    const { port: bound } = server.address() as { port: number }
    console.log(`live list (${mode} mode) on http://127.0.0.1:${bound}/`)
  })
}
