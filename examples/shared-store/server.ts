// One instance of a service receiving ZEGO callbacks, deduplicating through a SQLite file that
// every instance on the host shares. Run two of them on one DB_PATH and post to either.
// Run (after npm ci --prefix examples): ZEGO_CALLBACK_SECRET=... DB_PATH=./delivery.db PORT=3000 HOST=127.0.0.1 npx tsx examples/shared-store/server.ts
import { pathToFileURL } from 'node:url'
import express from 'express'
import type { ZegoCallbacksOptions } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/express'
import { SqliteDeliveryStore } from './sqlite-delivery-store.js'

/** Builds one instance on the shared database file; `delivered` lists the keys its listeners ran for. */
export function createInstance(dbPath: string, options: ZegoCallbacksOptions = {}) {
  const store = new SqliteDeliveryStore(dbPath)
  const delivered: string[] = []
  const zego = zegoCallbacks({ ...options, store }).on('callback', async (_event, delivery) => {
    await new Promise((resolve) => setTimeout(resolve, 20)) // some work, so deliveries overlap
    delivered.push(delivery.key)
  })
  const app = express()
  app.use(zego)
  app.get('/delivered', (_req, res) => {
    res.json(delivered)
  })
  return { app, zego, store, delivered }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { app, zego, store } = createInstance(process.env['DB_PATH'] ?? './delivery.db')
  const server = app.listen(Number(process.env['PORT'] ?? 3000), process.env['HOST'] ?? '127.0.0.1', () => {
    const { port } = server.address() as { port: number }
    console.log(`listening on ${port}`)
  })
  process.once('SIGTERM', async () => {
    await zego.close()
    server.close(() => store.close())
  })
}
