// Requests per second of an Express app with the middleware against the same app answering 200
// after only express.json(), and against a hand-rolled check, interleaved in one run.
// Run: npm run bench [-- --seconds 5 --rounds 3 --connections 32] (it builds first; the servers run
// the built package under plain node, as users run it)
import { fork } from 'node:child_process'
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createCallback } from 'zego-callbacks/testing'
import { redisBench } from './redis.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '2' },
    // The Redis store and a hand-rolled SET NX PX receiver too, on a redis-server of their own.
    redis: { type: 'boolean', default: false },
  },
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const connections = Number(values.connections)
const warmup = Number(values.warmup)
const secret = 'bench-secret-0123456789abcdef'

const redis = values.redis ? await redisBench() : undefined
const appNames = ['zego-callbacks', 'express.json() only', 'hand-rolled sha1 check', ...(redis?.appNames ?? [])]
const children = appNames.map((name) =>
  fork(redis?.appNames.includes(name) ? redis.file : 'bench/apps.mjs', [name], {
    execArgv: [],
    env: { ...process.env, ZEGO_CALLBACK_SECRET: secret, ...redis?.env },
  }),
)
const ask = <T>(child: (typeof children)[number], message?: string): Promise<T> =>
  new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T))
    if (message !== undefined) child.send(message)
  })
const ports: Record<string, number> = {}
for (const [i, child] of children.entries()) ports[appNames[i] as string] = (await ask<{ port: number }>(child)).port

// ZEGO's stream_create example, a distinct stream (stream_sid) and nonce per request, so that the
// middleware delivers every one instead of answering duplicates (the timestamp stays fresh for 300 s).
const template = createCallback('stream_create', {}, { secret })
const timestamp = String(template['timestamp'])
let sent = 0
const nextBody = (): string => {
  sent++
  const nonce = String(7_000_000_000_000_000_000n + BigInt(sent))
  const signature = createHash('sha1').update([secret, timestamp, nonce].sort().join('')).digest('hex')
  return JSON.stringify({ ...template, stream_sid: `bench-${sent}`, nonce, signature })
}
const results: Record<string, number[]> = Object.fromEntries(Object.keys(ports).map((name) => [name, []]))
const latencies: Record<string, number[]> = Object.fromEntries(Object.keys(ports).map((name) => [name, []]))

const run = (port: number, duration: number) =>
  autocannon({
    url: `http://127.0.0.1:${port}/zego/callback`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: nextBody() }) }],
    connections,
    duration,
  })

console.log(`node ${process.version}, ${connections} connections, ${rounds} rounds x ${seconds} s per app, interleaved`)
console.log(`(each app is first warmed up for ${warmup} s; the order rotates every round)\n`)
for (const port of Object.values(ports)) await run(port, warmup)
const names = Object.keys(ports)
for (let round = 1; round <= rounds; round++) {
  const order = names.map((_, i) => names[(i + round - 1) % names.length] as string)
  for (const name of order) {
    const result = await run(ports[name] as number, seconds)
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
    results[name]?.push(result.requests.average)
    latencies[name]?.push(result.latency.p99)
    console.log(`round ${round}  ${name.padEnd(24)} ${result.requests.average.toFixed(0).padStart(7)} req/s  p99 ${result.latency.p99} ms`)
  }
}

const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0
const floor = median(results['express.json() only'] ?? [])
console.log('\nmedian of rounds                  req/s   p99 ms   vs express.json() only')
for (const name of Object.keys(ports)) {
  const rps = median(results[name] ?? [])
  console.log(
    `${name.padEnd(30)} ${rps.toFixed(0).padStart(8)} ${String(median(latencies[name] ?? [])).padStart(8)}   ${(rps / floor).toFixed(2)}x`,
  )
}
let delivered = 0
for (const child of children) delivered += (await ask<{ delivered: number }>(child, 'count')).delivered
console.log(`\nrequests delivered to a listener or handler: ${delivered}`)
if (redis !== undefined) {
  console.log('\nRedis commands per callback (MONITOR, 200 each)   new   repeated')
  for (const name of redis.appNames) {
    const { fresh, repeated } = await redis.commandsPerCallback(ports[name] as number, nextBody)
    console.log(`${name.padEnd(46)} ${fresh.toFixed(2).padStart(5)} ${repeated.toFixed(2).padStart(9)}`)
  }
}
for (const child of children) child.kill()
await redis?.stop()
