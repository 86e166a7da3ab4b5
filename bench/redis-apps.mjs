// The Redis apps `npm run bench -- --redis` compares (one per process, named by argv), on the
// redis-server bench/redis.ts starts (REDIS_URL). Plain JavaScript on the built package.
import { createHash } from 'node:crypto'
import express from 'express'
import { createClient } from 'redis'
import { zegoCallbacks } from 'zego-callbacks/express'
import { RedisDeliveryStore } from 'zego-callbacks/redis'

const secret = process.env.ZEGO_CALLBACK_SECRET ?? ''
const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true })
client.on('error', (error) => console.error(`redis: ${error.message}`))
await client.connect()
let delivered = 0

const apps = {
  // The package on a RedisDeliveryStore: a claim and a completion, one script each.
  'zego-callbacks + Redis': () =>
    express().use(
      zegoCallbacks({ secret, store: new RedisDeliveryStore({ client, prefix: 'bench:' }) }).on('streamCreated', async (event) => {
        delivered += event.streamSeq > 0 ? 1 : 0
      }),
    ),
  // What teams hand-roll: express.json(), a sha1 check and one SET NX PX on the stream's identity
  // (no lock held while the handler runs, nothing recorded if it fails: a retry is then a duplicate).
  'hand-rolled SET NX PX': () =>
    express().post('/zego/callback', express.json(), async (req, res) => {
      const { timestamp, nonce, signature, event, stream_sid: sid, stream_seq: seq } = req.body
      const expected = createHash('sha1').update([secret, String(timestamp), String(nonce)].sort().join('')).digest('hex')
      if (expected !== signature) return res.status(401).json({ ok: false })
      const fresh = await client.set(`bench-hand:${event}:${sid}:${Number(seq)}`, '1', { condition: 'NX', expiration: { type: 'PX', value: 365_000 } })
      if (fresh === null) return res.json({ ok: true, duplicate: true })
      delivered++
      res.json({ ok: true })
    }),
}

const server = apps[process.argv[2]]().listen(0, '127.0.0.1', () => {
  process.send?.({ port: server.address().port })
})
// Asked, it says how many requests reached a listener and how much CPU the process has used.
process.on('message', () => process.send?.({ delivered, cpu: process.cpuUsage() }))
