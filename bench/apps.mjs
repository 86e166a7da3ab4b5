// The apps bench/express.ts compares, one per process (named by argv). Plain JavaScript on the
// built package (run `npm run build` first), as users run it: no TypeScript loader in the way.
import { createHash } from 'node:crypto'
import { createNodeMiddleware, Webhooks } from '@octokit/webhooks'
import express from 'express'
import { MemoryDeliveryStore } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/express'

const secret = process.env.ZEGO_CALLBACK_SECRET ?? ''
let delivered = 0

const apps = {
  // The package: verified, validated, typed, deduplicated, the listener awaited.
  'zego-callbacks': () =>
    express().use(
      // A store sized for the whole run: a benchmark sends more distinct callbacks in a minute than
      // the default 200000 records hold (beyond it new callbacks get 503 until records expire).
      zegoCallbacks({ secret, store: new MemoryDeliveryStore({ maxEntries: 10_000_000 }) }).on('streamCreated', async (event) => {
        delivered += event.streamSeq > 0 ? 1 : 0
      }),
    ),
  // The peer: GitHub's webhook receiver, @octokit/webhooks' Node middleware in Express, the same
  // body signed with its HMAC-SHA256 header (it verifies the signature and emits, no validation).
  '@octokit/webhooks': () => {
    const webhooks = new Webhooks({ secret })
    webhooks.on('push', async () => {
      delivered++
    })
    return express().use(createNodeMiddleware(webhooks, { path: '/zego/callback' }))
  },
  // The floor: the same route answering 200 after only express.json(), no checks at all.
  'express.json() only': () =>
    express().post('/zego/callback', express.json(), (_req, res) => {
      delivered++
      res.json({ ok: true })
    }),
  // What teams hand-roll today: express.json() plus a sha1 check (lossy on 19-digit numbers, not constant time).
  'hand-rolled sha1 check': () =>
    express().post('/zego/callback', express.json(), (req, res) => {
      const { timestamp, nonce, signature } = req.body
      const expected = createHash('sha1').update([secret, String(timestamp), String(nonce)].sort().join('')).digest('hex')
      if (expected !== signature) return res.status(401).json({ ok: false })
      delivered++
      res.json({ ok: true })
    }),
}

const server = apps[process.argv[2]]().listen(0, '127.0.0.1', () => {
  process.send?.({ port: server.address().port })
})
// Asked, it says how many requests reached a listener and how much CPU the process has used.
process.on('message', () => process.send?.({ delivered, cpu: process.cpuUsage() }))
