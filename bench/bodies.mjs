// The load both HTTP benchmarks send: ZEGO's stream_create example, stamped now, with a distinct
// stream (stream_sid) and nonce per request, so the middleware delivers every one instead of
// answering duplicates, however long the run (callgrind runs outlast the 300 s tolerance).
import { createHash, createHmac } from 'node:crypto'
import { createCallback } from 'zego-callbacks/testing'

/** A generator of distinct signed callbacks for `secret`, and the same bodies signed as GitHub would for @octokit/webhooks. */
export function signedBodies(secret) {
  const template = createCallback('stream_create', {}, { secret })
  let sent = 0
  const nextBody = () => {
    sent++
    const timestamp = String(Math.floor(Date.now() / 1000))
    const nonce = String(7_000_000_000_000_000_000n + BigInt(sent))
    const signature = createHash('sha1').update([secret, timestamp, nonce].sort().join('')).digest('hex')
    return JSON.stringify({ ...template, timestamp: Number(timestamp), stream_sid: `bench-${sent}`, nonce, signature })
  }
  const octokitRequest = (req) => {
    const body = nextBody()
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
    const headers = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `d-${sent}`, 'x-hub-signature-256': signature }
    return { ...req, headers, body }
  }
  return { nextBody, octokitRequest }
}
