// The apps the benchmark compares; bench/express.ts starts each in a process of its own.
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
// One app per process (named by argv), so no app shares JIT feedback with another.
const name = process.argv[2] as keyof typeof apps
const server = apps[name].listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as { port: number }).port })
})
process.on('message', () => process.send?.({ delivered }))
