// The apps the benchmark compares, each on its own port, in one process (started by bench/express.ts).
import { createHash } from 'node:crypto'
import express from 'express'
import { zegoCallbacks } from 'zego-callbacks/express'

const secret = process.env['ZEGO_CALLBACK_SECRET'] ?? ''
let delivered = 0

/** The package: verified, validated, typed, listeners awaited. */
const withMiddleware = express()
withMiddleware.use(
  zegoCallbacks({ secret }).on('streamCreated', async (event) => {
    delivered += event.streamSeq > 0 ? 1 : 0
  }),
)

/** The floor: the same route answering 200 after only express.json(), no checks at all. */
const jsonOnly = express()
jsonOnly.post('/zego/callback', express.json(), (_req, res) => {
  delivered++
  res.json({ ok: true })
})

/** What teams hand-roll today: express.json() plus a sha1 check (lossy on 19-digit numbers, not constant time). */
const handRolled = express()
handRolled.post('/zego/callback', express.json(), (req, res) => {
  const { timestamp, nonce, signature } = req.body as Record<string, string>
  const expected = createHash('sha1').update([secret, String(timestamp), String(nonce)].sort().join('')).digest('hex')
  if (expected !== signature) {
    res.status(401).json({ ok: false })
    return
  }
  delivered++
  res.json({ ok: true })
})

const apps = { 'zego-callbacks': withMiddleware, 'express.json() only': jsonOnly, 'hand-rolled sha1 check': handRolled }
const ports: Record<string, number> = {}
await Promise.all(
  Object.entries(apps).map(
    ([name, app]) =>
      new Promise<void>((resolve) => {
        const server = app.listen(0, '127.0.0.1', () => {
          ports[name] = (server.address() as { port: number }).port
          resolve()
        })
      }),
  ),
)
process.send?.({ ports })
process.on('message', () => process.send?.({ delivered }))
