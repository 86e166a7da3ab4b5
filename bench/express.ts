// Requests per second and CPU per request of an Express app with the middleware, against the same
// app answering 200 after only express.json() (the floor), @octokit/webhooks' middleware (the
// peer), and a hand-rolled check, interleaved in one run, each in a process of its own.
// Run: npm run bench [-- --seconds 5 --rounds 3 --connections 32] (it builds first; the servers run
// the built package under plain node, as users run it)
import { fork } from 'node:child_process'
import { parseArgs } from 'node:util'
import autocannon, { type Request as CannonRequest } from 'autocannon'
import { signedBodies } from './bodies.mjs'
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
const appNames = ['zego-callbacks', 'express.json() only', '@octokit/webhooks', 'hand-rolled sha1 check', ...(redis?.appNames ?? [])]
const children = appNames.map((name) =>
  fork(redis?.appNames.includes(name) ? redis.file : 'bench/apps.mjs', [name], {
    execArgv: [],
    env: { ...process.env, ZEGO_CALLBACK_SECRET: secret, ...redis?.env },
  }),
)
type Report = { delivered: number; cpu: NodeJS.CpuUsage }
const ask = <T>(child: (typeof children)[number], message?: string): Promise<T> =>
  new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T))
    if (message !== undefined) child.send(message)
  })
const ports: Record<string, number> = {}
for (const [i, child] of children.entries()) ports[appNames[i] as string] = (await ask<{ port: number }>(child)).port

const { nextBody, octokitRequest } = signedBodies(secret)

const run = (name: string, duration: number) =>
  autocannon({
    url: `http://127.0.0.1:${ports[name]}/zego/callback`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: name === '@octokit/webhooks' ? octokitRequest : (req: CannonRequest): CannonRequest => ({ ...req, body: nextBody() }) }],
    connections,
    duration,
  })

const child = (name: string) => children[appNames.indexOf(name)] as (typeof children)[number]
const results: Record<string, number[]> = Object.fromEntries(appNames.map((name) => [name, []]))
const cpuPerRequest: Record<string, number[]> = Object.fromEntries(appNames.map((name) => [name, []]))
const latencies: Record<string, number[]> = Object.fromEntries(appNames.map((name) => [name, []]))
const answered: Record<string, number> = Object.fromEntries(appNames.map((name) => [name, 0]))

console.log(`node ${process.version}, ${connections} connections, ${rounds} rounds x ${seconds} s per app, interleaved`)
console.log(`(each app is first warmed up for ${warmup} s; the order rotates every round)\n`)
for (const name of appNames) answered[name] = (await run(name, warmup))['2xx']
for (let round = 1; round <= rounds; round++) {
  const order = appNames.map((_, i) => appNames[(i + round - 1) % appNames.length] as string)
  for (const name of order) {
    const before = await ask<Report>(child(name), 'report')
    const result = await run(name, seconds)
    const after = await ask<Report>(child(name), 'report')
    if (result.non2xx > 0 || result.errors > 0) {
      for (const each of children) each.kill()
      throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
    }
    const cpuUs = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system
    answered[name] = (answered[name] ?? 0) + result['2xx']
    results[name]?.push(result.requests.average)
    cpuPerRequest[name]?.push(cpuUs / result['2xx'])
    latencies[name]?.push(result.latency.p99)
    console.log(
      `round ${round}  ${name.padEnd(24)} ${result.requests.average.toFixed(0).padStart(7)} req/s  ${(cpuUs / result['2xx']).toFixed(0).padStart(4)} us CPU/req  p99 ${result.latency.p99} ms`,
    )
  }
}

const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0
const floor = median(results['express.json() only'] ?? [])
const floorCpu = median(cpuPerRequest['express.json() only'] ?? [])
console.log('\nmedian of rounds                  req/s   vs floor   CPU/req   vs floor   p99 ms')
for (const name of appNames) {
  const rps = median(results[name] ?? [])
  const cpu = median(cpuPerRequest[name] ?? [])
  console.log(
    `${name.padEnd(30)} ${rps.toFixed(0).padStart(8)} ${`${(rps / floor).toFixed(2)}x`.padStart(9)} ${`${cpu.toFixed(0)} us`.padStart(9)} ${`${(cpu / floorCpu).toFixed(2)}x`.padStart(9)} ${String(median(latencies[name] ?? [])).padStart(8)}`,
  )
}
// The middleware against the peer round by round: both ran in the same round, minutes apart at
// most, so a ratio of the two is steadier than a ratio of medians taken over different rounds.
const paired = (of: Record<string, number[]>): number[] =>
  (of['zego-callbacks'] ?? []).map((ours, round) => ours / (of['@octokit/webhooks']?.[round] ?? Number.NaN))
const pairedLine = (label: string, ratios: number[]): string =>
  `${label.padEnd(22)} ${ratios.map((ratio) => ratio.toFixed(2)).join(' ')}  (median ${median(ratios).toFixed(2)})`
console.log('\nzego-callbacks / @octokit/webhooks, round by round:')
console.log(pairedLine('requests per second', paired(results)))
console.log(pairedLine('CPU per request', paired(cpuPerRequest)))
// Every 2xx must have reached a listener or handler: nothing answered and then lost. (A handler may
// have run for a request whose answer came after autocannon stopped counting, so more is fine.)
let lost = 0
console.log('')
for (const name of appNames) {
  const { delivered } = await ask<Report>(child(name), 'report')
  lost += Math.max(0, (answered[name] ?? 0) - delivered)
  console.log(`${name.padEnd(30)} answered 2xx ${answered[name]}, delivered ${delivered}`)
}
if (redis !== undefined) {
  console.log('\nRedis commands per callback (MONITOR, 200 each)   new   repeated')
  for (const name of redis.appNames) {
    const { fresh, repeated } = await redis.commandsPerCallback(ports[name] as number, nextBody)
    console.log(`${name.padEnd(46)} ${fresh.toFixed(2).padStart(5)} ${repeated.toFixed(2).padStart(9)}`)
  }
}
for (const each of children) each.kill()
await redis?.stop()
if (lost > 0) throw new Error(`${lost} requests answered 2xx and never delivered`)
