// Requests per second of an Express app with the middleware against the same app answering 200
// after only express.json(), and against a hand-rolled check, interleaved in one run.
// Run: npm run bench [-- --seconds 5 --rounds 3 --connections 32]
import { fork } from 'node:child_process'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createCallback } from 'zego-callbacks/testing'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
  },
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const connections = Number(values.connections)
const secret = 'bench-secret-0123456789abcdef'

const child = fork('bench/apps.ts', [], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, ZEGO_CALLBACK_SECRET: secret },
})
const ask = <T>(message?: string): Promise<T> =>
  new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T))
    if (message !== undefined) child.send(message)
  })
const { ports } = await ask<{ ports: Record<string, number> }>()

// One signed ZEGO example, posted as is by every connection (fresh for 300 s).
const body = JSON.stringify(createCallback('stream_create', {}, { secret }))
const results: Record<string, number[]> = Object.fromEntries(Object.keys(ports).map((name) => [name, []]))
const latencies: Record<string, number[]> = Object.fromEntries(Object.keys(ports).map((name) => [name, []]))

console.log(`node ${process.version}, ${connections} connections, ${rounds} rounds x ${seconds} s per app, interleaved\n`)
for (let round = 1; round <= rounds; round++) {
  for (const [name, port] of Object.entries(ports)) {
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/zego/callback`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections,
      duration: seconds,
    })
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
const { delivered } = await ask<{ delivered: number }>('count')
console.log(`\nrequests delivered to a listener or handler: ${delivered}`)
child.kill()
