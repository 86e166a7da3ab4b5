// The fleet soak: several real server processes (scripts/fleet-instance.ts) sharing one Redis, each
// with the middleware on a RedisDeliveryStore and a LiveStreamList on a RedisLiveListStore, played
// by ZEGO's sender: its retry schedule (time compressed), duplicates and duplicate storms to every
// instance at once, re-signed retries, failing and slow listeners, and Redis killed (SIGKILL) and
// restarted mid-run from its append-only file. It checks that every distinct callback ran the app's
// listener exactly once across the fleet, never two runs at once, and that the live list read from
// every instance equals the list built from the callbacks in their true order.
//
//   npm run soak:fleet                           # 3 instances, 120 rooms (about 1500 callbacks)
//   npm run soak:fleet -- --rooms 24             # the CI size
//   npm run soak:fleet -- --rooms 1000 --kills 3 --seed 7
//
// Exit code 1 when a callback was lost, ran twice or concurrently with itself, a list differs, or
// the run hung past --deadline; 0 otherwise. One JSON line closes the output.
import { fork, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { parseArgs } from 'node:util'
import fc from 'fast-check'
import { createClient } from 'redis'
import { LiveStreamList, type LiveListMode, type RoomClosedEvent, type RoomCreatedEvent, type StreamClosedEvent, type StreamCreatedEvent } from '../src/index.js'
import { createCallback, signCallback, toJsonBody, type CallbackPayload, type CallbackValue } from '../src/testing/index.js'
import { finalList, historyArbitrary, historyToEvents, type History, type ListEvent } from '../test/support/live-history.js'
import { startRedisServer } from '../test/support/redis-server.js'
import type { FromInstance, RunOrder, ToInstance } from './fleet-instance.js'

const USAGE = `usage: npm run soak:fleet -- [flags]
  --instances N         server processes sharing one Redis (3)
  --rooms N             random room histories to play, 1-2 rooms of 1-3 sessions each (120)
  --mode M              the live list's mode: rooms (room and stream callbacks) or streams (rooms)
  --concurrency N       requests in flight at most (32)
  --speed X             ZEGO's retry schedule 2/4/8/16/32 s and lockTtlMs are divided by X (5)
  --seed N              seed of the plan (1)
  --duplicates P        share ZEGO sends again, concurrently or after the 2xx (0.2)
  --storms P            share also sent to every instance at once, as sent and re-signed (0.1)
  --failures P          share whose listener throws on its first 1 or 2 runs (0.1)
  --slow P              share whose listener sleeps past --listener-timeout (0.03)
  --listener-timeout MS the receivers' listenerTimeoutMs (250)
  --client-timeout MS   ZEGO stops waiting for an answer after this, and retries (2000)
  --kills N             times Redis is killed (SIGKILL) and restarted during the run (1)
  --down-ms MS          how long Redis stays down each time (1000)
  --deadline S          declare a hang after this many seconds (120 + rooms / 4)
  --quiet               print only the JSON line`

const { values: flags } = (() => {
  try {
    return parseArgs({
      options: {
        instances: { type: 'string', default: '3' },
        rooms: { type: 'string', default: '120' },
        mode: { type: 'string', default: 'rooms' },
        concurrency: { type: 'string', default: '32' },
        speed: { type: 'string', default: '5' },
        seed: { type: 'string', default: '1' },
        duplicates: { type: 'string', default: '0.2' },
        storms: { type: 'string', default: '0.1' },
        failures: { type: 'string', default: '0.1' },
        slow: { type: 'string', default: '0.03' },
        'listener-timeout': { type: 'string', default: '250' },
        'client-timeout': { type: 'string', default: '2000' },
        kills: { type: 'string', default: '1' },
        'down-ms': { type: 'string', default: '1000' },
        deadline: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    })
  } catch (error) {
    console.error(`fleet soak: ${(error as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
})()
if (flags.help) {
  console.log(USAGE)
  process.exit(0)
}
const number = (name: keyof typeof flags, ok: (n: number) => boolean, what: string): number => {
  const value = Number(flags[name])
  if (!Number.isFinite(value) || !ok(value)) {
    console.error(`fleet soak: --${name} must be ${what}, got ${JSON.stringify(flags[name])}\n\n${USAGE}`)
    process.exit(2)
  }
  return value
}
const whole = (n: number) => Number.isSafeInteger(n) && n >= 1
const share = (n: number) => n >= 0 && n <= 1
const config = {
  instances: number('instances', whole, 'an integer >= 1'),
  rooms: number('rooms', whole, 'an integer >= 1'),
  mode: flags.mode as LiveListMode,
  concurrency: number('concurrency', whole, 'an integer >= 1'),
  speed: number('speed', (n) => n > 0, 'a number > 0'),
  seed: number('seed', Number.isSafeInteger, 'an integer'),
  duplicates: number('duplicates', share, 'a share from 0 to 1'),
  storms: number('storms', share, 'a share from 0 to 1'),
  failures: number('failures', share, 'a share from 0 to 1'),
  slow: number('slow', share, 'a share from 0 to 1'),
  listenerTimeoutMs: number('listener-timeout', whole, 'an integer >= 1'),
  clientTimeoutMs: number('client-timeout', whole, 'an integer >= 1'),
  kills: number('kills', (n) => Number.isSafeInteger(n) && n >= 0, 'an integer >= 0'),
  downMs: number('down-ms', (n) => n >= 0, 'a number of ms >= 0'),
  deadlineS: 0,
}
config.deadlineS = flags.deadline === undefined ? 120 + config.rooms / 4 : number('deadline', (n) => n > 0, 'a number of seconds > 0')
if (config.mode !== 'rooms' && config.mode !== 'streams') {
  console.error(`fleet soak: --mode must be rooms or streams, got ${JSON.stringify(config.mode)}`)
  process.exit(2)
}

const SECRET = 'fleet-soak-secret'
const ZEGO_RETRIES_S = [2, 4, 8, 16, 32]
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const started = Date.now()
const since = () => Date.now() - started

// ---------------------------------------------------------------------------------------------
// The plan: random room histories (the live list's own generator), every callback ZEGO sends for
// them in their true order, and what ZEGO and the app do with each

// A seeded PRNG for the run's choices (mulberry32).
function random32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = random32(config.seed * 2_654_435_761)

function buildEvents(): ListEvent[] {
  const samples = fc.sample(historyArbitrary(config.mode), { seed: config.seed, numRuns: config.rooms })
  // Room ids and session ids made unique across samples.
  const history: History = {
    rooms: samples.flatMap((sample, i) =>
      sample.rooms.map((room) => ({
        ...room,
        roomId: `h${i}-${room.roomId}`,
        sessions: room.sessions.map((session) => ({ ...session, id: String(BigInt(session.id) + BigInt(i) * 100n) })),
      })),
    ),
  }
  return historyToEvents(history, config.mode)
}

/** ZEGO's own fields of a callback the list applies (stream_sid made unique per room session). */
function zegoFields(event: ListEvent): Record<string, CallbackValue> {
  const room = { room_id: event.roomId, room_session_id: event.roomSessionId }
  if (event.event === 'room_create') {
    const { roomCreateTime, idName } = event as RoomCreatedEvent
    return { ...room, room_create_time: String(roomCreateTime), id_name: idName }
  }
  if (event.event === 'room_close') return { ...room, room_close_time: String((event as RoomClosedEvent).roomCloseTime), close_reason: '0' }
  const stream = event as StreamCreatedEvent | StreamClosedEvent
  const common = {
    ...room, stream_id: stream.streamId, stream_alias: stream.streamAlias, stream_sid: uniqueSid(stream), stream_seq: String(stream.streamSeq),
    create_time_ms: String(stream.createTimeMs), user_id: stream.userId, channel_id: stream.channelId,
  }
  if (event.event === 'stream_close') return { ...common, destroy_timemillis: String((event as StreamClosedEvent).destroyTimeMs), type: '0' }
  const { title, createTime, recreate } = event as StreamCreatedEvent
  return { ...common, title, create_time: String(createTime), recreate: recreate ? '1' : '0' }
}
const uniqueSid = (stream: StreamCreatedEvent | StreamClosedEvent) => `${stream.roomId}/${stream.roomSessionId}/${stream.streamSid}`

interface Plan {
  id: string
  event: ListEvent
  failFirst: number
  slow: boolean
  resignRetries: boolean
  duplicate: { concurrent: boolean; resign: boolean; delayMs: number } | undefined
  storm: boolean
}

interface Track {
  plan: Plan
  runs: number
  completions: number
  /** When each run started and ended, by the instances' clock (one machine: one clock). */
  spans: Map<string, { start: number; end: number }>
  acked: boolean
  keys: Set<string>
  log: string[]
}

const events = buildEvents()
const plans: Plan[] = events.map((event, i) => {
  const roll = rand()
  return {
    id: `fleet-${config.seed}-${i}`,
    event,
    failFirst: roll < config.failures ? 1 + Math.floor(rand() * 2) : 0,
    slow: roll >= config.failures && roll < config.failures + config.slow,
    resignRetries: rand() < 0.5,
    duplicate: rand() < config.duplicates ? { concurrent: rand() < 0.4, resign: rand() < 0.5, delayMs: rand() * 50 } : undefined,
    storm: rand() < config.storms,
  }
})
const tracks = new Map(plans.map((plan) => [plan.id, { plan, runs: 0, completions: 0, spans: new Map(), acked: false, keys: new Set<string>(), log: [] } as Track]))
/** Whether two runs of the callback overlapped in time. */
const overlapped = (track: Track): boolean => {
  const spans = [...track.spans.values()].sort((a, b) => a.start - b.start)
  return spans.some((span, i) => i > 0 && span.start < (spans[i - 1] as { end: number }).end)
}
// Sent in a shuffled order, each after a little jitter: the fleet sees them out of order.
const order = [...plans]
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1))
  ;[order[i], order[j]] = [order[j] as Plan, order[i] as Plan]
}

// ---------------------------------------------------------------------------------------------
// Redis and the fleet

const stats = {
  requests: 0,
  retries: 0,
  stormRequests: 0,
  answers: new Map<string, number>(),
  duplicateEvents: 0,
  errorEvents: new Map<string, number>(),
  outages: [] as Array<{ killedAtMs: number; restartedAtMs: number }>,
  answersWhileDown: new Map<string, number>(),
}
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)
let redisDown = false

const redis = await startRedisServer({ appendonly: true })
const lockTtlMs = Math.max(500, Math.round(30_000 / config.speed))

interface Instance {
  child: ChildProcess
  port: number
  agent: http.Agent
}
const replies = new Map<ChildProcess, Array<(message: FromInstance) => void>>()
function startInstance(index: number): Promise<Instance> {
  const child = fork(new URL('./fleet-instance.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      ZEGO_CALLBACK_SECRET: SECRET,
      FLEET_MODE: config.mode,
      FLEET_LISTENER_TIMEOUT_MS: String(config.listenerTimeoutMs),
      FLEET_LOCK_TTL_MS: String(lockTtlMs),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  replies.set(child, [])
  child.on('message', (message: FromInstance) => onMessage(index, child, message))
  child.on('exit', (code, signal) => {
    if (phase !== 'done') {
      console.error(`fleet soak: instance ${index} exited (${code ?? signal}) during ${phase}`)
      crashed++
    }
  })
  return new Promise((resolve) => {
    replies.get(child)?.push((message) => {
      if (message.type === 'ready') resolve({ child, port: message.port, agent: new http.Agent({ keepAlive: true, maxSockets: config.concurrency }) })
    })
  })
}

function onMessage(index: number, child: ChildProcess, message: FromInstance): void {
  switch (message.type) {
    case 'start': {
      const track = tracks.get(message.id)
      if (track === undefined) throw new Error(`fleet soak: unknown callback ${message.id}`)
      track.runs++
      track.spans.set(message.request, { start: message.at, end: Infinity })
      track.keys.add(message.key)
      const order: RunOrder = {
        fail: track.runs <= track.plan.failFirst,
        sleepMs: track.plan.slow ? config.listenerTimeoutMs + 100 + rand() * 200 : rand() * 5,
      }
      track.log.push(`run${track.runs}@i${index}(attempt ${message.attempt})[${since()}]${order.fail ? ':fails' : ''}`)
      child.send({ type: 'order', request: message.request, order } satisfies ToInstance)
      return
    }
    case 'end': {
      const track = tracks.get(message.id)
      const span = track?.spans.get(message.request)
      if (track === undefined || span === undefined) return
      span.end = message.at
      if (message.ok) track.completions++
      track.log.push(`end@i${index}[${since()}]:${message.ok ? 'ok' : 'threw'}`)
      return
    }
    case 'duplicate':
      stats.duplicateEvents++
      return
    case 'error':
      bump(stats.errorEvents, message.code)
      return
    default:
      replies.get(child)?.shift()?.(message)
  }
}
const ask = (instance: Instance, message: ToInstance): Promise<FromInstance> =>
  new Promise((resolve) => {
    replies.get(instance.child)?.push(resolve)
    instance.child.send(message)
  })

let phase = 'starting'
let crashed = 0
const instances = await Promise.all(Array.from({ length: config.instances }, (_, i) => startInstance(i)))

// ---------------------------------------------------------------------------------------------
// ZEGO's sender

let free = config.concurrency
const waiting: Array<() => void> = []
async function slot<T>(task: () => Promise<T>): Promise<T> {
  if (free > 0) free--
  else await new Promise<void>((resolve) => waiting.push(resolve))
  try {
    return await task()
  } finally {
    const next = waiting.shift()
    if (next) next()
    else free++
  }
}

/** POSTs one body to one instance: its status, or `timeout` / `socket` when none came. */
function post(instance: Instance, body: string): Promise<{ status: number | 'timeout' | 'socket'; duplicate: boolean }> {
  return slot(
    () =>
      new Promise((resolve) => {
        stats.requests++
        const down = redisDown
        let done = false
        const finish = (status: number | 'timeout' | 'socket', duplicate = false) => {
          if (done) return
          done = true
          clearTimeout(timer)
          bump(stats.answers, String(status))
          if (down || redisDown) bump(stats.answersWhileDown, String(status))
          resolve({ status, duplicate })
        }
        const request = http.request(
          { host: '127.0.0.1', port: instance.port, path: '/zego/callback', method: 'POST', agent: instance.agent, headers: { 'content-type': 'application/json' } },
          (response) => {
            let text = ''
            response.setEncoding('utf8')
            response.on('data', (chunk: string) => (text += chunk))
            response.on('end', () => finish(response.statusCode ?? 0, text.includes('"duplicate":true')))
            response.on('error', () => finish('socket'))
          },
        )
        const timer = setTimeout(() => {
          finish('timeout')
          request.destroy()
        }, config.clientTimeoutMs)
        request.on('error', () => finish('socket'))
        request.end(body)
      }),
  )
}

const pickInstance = () => instances[Math.floor(rand() * instances.length)] as Instance

/** One ZEGO send with its retries 2, 4, 8, 16, 32 s (divided by --speed) apart; resolves with the body that got a 2xx. */
async function sendWithRetries(track: Track, chain: string, first: string, resign: () => string): Promise<string | undefined> {
  let body = first
  for (let attempt = 0; attempt <= ZEGO_RETRIES_S.length; attempt++) {
    if (attempt > 0) {
      await sleep(((ZEGO_RETRIES_S[attempt - 1] as number) * 1000) / config.speed)
      stats.retries++
      if (track.plan.resignRetries) body = resign()
    }
    const target = pickInstance()
    const answer = await post(target, body)
    track.log.push(`${chain}${attempt}@i${instances.indexOf(target)}[${since()}]:${answer.status}${answer.duplicate ? '(dup)' : ''}`)
    if (typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300) {
      track.acked = true
      return body
    }
  }
  track.log.push(`${chain}:given-up`)
  return undefined
}

async function play(track: Track): Promise<void> {
  const { plan } = track
  await sleep(rand() * 20)
  const payload: CallbackPayload = createCallback(plan.event.event, { ...zegoFields(plan.event), soak_id: plan.id }, { secret: SECRET })
  const resign = () => toJsonBody(signCallback({ ...payload }, { secret: SECRET }))
  const body = toJsonBody(payload)
  const extra: Array<Promise<unknown>> = []
  if (plan.storm) {
    // A storm: the callback, as sent and re-signed, to every instance at once (ZEGO's copies).
    for (const instance of instances) {
      stats.stormRequests += 2
      extra.push(post(instance, body), post(instance, resign()))
    }
  }
  if (plan.duplicate?.concurrent) {
    const { delayMs, resign: resigned } = plan.duplicate
    extra.push(sleep(delayMs).then(() => sendWithRetries(track, 'd', resigned ? resign() : body, resign)))
  }
  const acked = await sendWithRetries(track, 'p', body, resign)
  if (plan.duplicate !== undefined && !plan.duplicate.concurrent && acked !== undefined) {
    // ZEGO lost the 2xx and sends it again a little later.
    await sleep(plan.duplicate.delayMs)
    await sendWithRetries(track, 'd', plan.duplicate.resign ? resign() : acked, resign)
  }
  await Promise.all(extra)
}

// The scripts the fleet ran on Redis (EVALSHA and EVAL: the stores send nothing else; Redis's
// counts of other commands include the ones scripts run), since Redis last started: read before
// each kill and at the end.
async function commandsSinceStart(): Promise<number> {
  const probe = createClient({ url: redis.url })
  probe.on('error', () => {})
  await probe.connect()
  const info = await probe.info('commandstats')
  await probe.close()
  return [...info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, [, calls]) => sum + Number(calls), 0)
}
let commandsBeforeKills = 0

// Redis killed (SIGKILL: no shutdown, no last save) and restarted from its append-only file, each
// time once a share of the callbacks has been played.
let settled = 0
const killsAt = Array.from({ length: config.kills }, (_, k) => Math.floor(((k + 1) * plans.length) / (config.kills + 1)))
let outage = Promise.resolve()
function maybeKill(): void {
  if (killsAt[0] === undefined || settled < killsAt[0]) return
  killsAt.shift()
  outage = outage.then(async () => {
    commandsBeforeKills += await commandsSinceStart()
    const killedAtMs = since()
    redisDown = true
    await redis.kill('SIGKILL')
    await sleep(config.downMs)
    await redis.start()
    redisDown = false
    stats.outages.push({ killedAtMs, restartedAtMs: since() })
  })
}

phase = 'sending'
const watchdog = setTimeout(() => {
  const busy = [...tracks.values()].filter((track) => !track.acked).slice(0, 8)
  console.error(`fleet soak: HANG: still ${phase} after ${config.deadlineS} s (${settled}/${plans.length} callbacks played)`)
  for (const track of busy) console.error(`  ${track.plan.id} ${track.plan.event.event}: ${track.log.join(' ')}`)
  process.exit(1)
}, config.deadlineS * 1000)
watchdog.unref()

{
  let next = 0
  const lane = async () => {
    while (next < order.length) {
      await play(tracks.get((order[next++] as Plan).id) as Track)
      settled++
      maybeKill()
    }
  }
  await Promise.all(Array.from({ length: Math.min(config.concurrency * 2, order.length) }, lane))
}
await outage
const sendingMs = since()

// ---------------------------------------------------------------------------------------------
// The live list of every instance, against the list built from the callbacks in their true order

phase = 'reading the lists'
const expectedList = await (async () => {
  const list = new LiveStreamList({ mode: config.mode, sweepEveryMs: 0 })
  for (const event of events) await list.apply(event)
  return finalList(list)
})()
const lists = await Promise.all(instances.map((instance) => ask(instance, { type: 'list' })))
const listsDiffer = lists.map((reply) => (reply.type === 'list' ? JSON.stringify(reply.list) !== JSON.stringify(expectedList) : true))

const redisCommands = commandsBeforeKills + (await commandsSinceStart())

phase = 'closing'
const closed = await Promise.all(instances.map((instance) => ask(instance, { type: 'close' })))
const inFlightAfterClose = closed.map((reply) => (reply.type === 'closed' ? reply.inFlight : -1))
phase = 'done'
for (const instance of instances) instance.agent.destroy()
await redis.stop()
clearTimeout(watchdog)

// ---------------------------------------------------------------------------------------------
// Checks and report

const all = [...tracks.values()]
const lost = all.filter((track) => track.completions === 0)
const doubled = all.filter((track) => track.completions > 1)
const overlapping = all.filter(overlapped)
const failed = lost.length > 0 || doubled.length > 0 || overlapping.length > 0 || listsDiffer.some(Boolean) || crashed > 0 || inFlightAfterClose.some((n) => n !== 0)
const sorted = (map: Map<string, number>) => Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)))
const summary = {
  soak: 'zego-callbacks fleet',
  result: failed ? 'FAIL' : 'PASS',
  seed: config.seed,
  flags: { ...config, lockTtlMs },
  durationMs: since(),
  sendingMs,
  callbacks: {
    distinct: plans.length,
    byEvent: sorted(plans.reduce((map, plan) => bump(map, plan.event.event), new Map<string, number>())),
    plannedDuplicates: plans.filter((plan) => plan.duplicate).length,
    plannedStorms: plans.filter((plan) => plan.storm).length,
    plannedFailing: plans.filter((plan) => plan.failFirst > 0).length,
    plannedSlow: plans.filter((plan) => plan.slow).length,
  },
  delivered: {
    exactlyOnce: all.filter((track) => track.completions === 1).length,
    lost: lost.length,
    lostAfter2xx: lost.filter((track) => track.acked).length,
    twiceOrMore: doubled.length,
    concurrentRuns: overlapping.length,
    zegoGaveUp: all.filter((track) => !track.acked).length,
    listenerRuns: all.reduce((sum, track) => sum + track.runs, 0),
  },
  liveList: {
    rooms: expectedList.rooms.length,
    liveStreams: expectedList.streams.length,
    instancesDiffering: listsDiffer.filter(Boolean).length,
  },
  sender: { requests: stats.requests, retries: stats.retries, stormRequests: stats.stormRequests, answers: sorted(stats.answers) },
  redis: {
    outages: stats.outages,
    answersWhileDown: sorted(stats.answersWhileDown),
    commands: redisCommands,
    commandsPerCallback: Math.round((redisCommands / plans.length) * 100) / 100,
  },
  receivers: { duplicateEvents: stats.duplicateEvents, errorEvents: sorted(stats.errorEvents), inFlightAfterClose, crashed },
}

if (!flags.quiet) {
  const rows: Array<[string, string]> = [
    ['result', summary.result],
    ['instances / speed / seed', `${config.instances} / ${config.speed} / ${config.seed}`],
    ['duration (sending)', `${(summary.durationMs / 1000).toFixed(1)} s (${(sendingMs / 1000).toFixed(1)} s)`],
    ['distinct callbacks', `${plans.length}  ${Object.entries(summary.callbacks.byEvent).map(([k, v]) => `${k} ${v}`).join(', ')}`],
    ['planned', `duplicates ${summary.callbacks.plannedDuplicates}, storms ${summary.callbacks.plannedStorms}, failing ${summary.callbacks.plannedFailing}, slow ${summary.callbacks.plannedSlow}`],
    ['delivered exactly once', String(summary.delivered.exactlyOnce)],
    ['lost (of which after a 2xx)', `${lost.length} (${summary.delivered.lostAfter2xx})`],
    ['delivered twice or more', String(doubled.length)],
    ['listener concurrent with itself', String(overlapping.length)],
    ['ZEGO gave up (no 2xx in 6 tries)', String(summary.delivered.zegoGaveUp)],
    ['live list per instance', listsDiffer.map((differs) => (differs ? 'DIFFERS' : 'equal')).join(', ') + ` (${summary.liveList.rooms} open rooms, ${summary.liveList.liveStreams} live streams in order)`],
    ['requests / retries / storm copies', `${stats.requests} / ${stats.retries} / ${stats.stormRequests}`],
    ['answers by status', Object.entries(summary.sender.answers).map(([k, v]) => `${k}: ${v}`).join(', ')],
    ['Redis outages (ms into the run)', stats.outages.map((o) => `${o.killedAtMs}-${o.restartedAtMs}`).join(', ') || '-'],
    ['answers while Redis was down', Object.entries(summary.redis.answersWhileDown).map(([k, v]) => `${k}: ${v}`).join(', ') || '-'],
    ['error events', Object.entries(summary.receivers.errorEvents).map(([k, v]) => `${k}: ${v}`).join(', ') || '-'],
    ['Redis scripts run (per distinct callback)', `${redisCommands} (${summary.redis.commandsPerCallback})`],
    ['in flight after close()', inFlightAfterClose.join(', ')],
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  console.log(`\nzego-callbacks fleet soak (${config.instances} server processes, one Redis, live list in ${config.mode} mode)\n`)
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`)
  for (const [title, list] of [['LOST', lost], ['DELIVERED TWICE', doubled], ['CONCURRENT WITH ITSELF', overlapping]] as const) {
    if (list.length === 0) continue
    console.log(`\n  ${title} (${list.length}; first ${Math.min(5, list.length)}):`)
    for (const track of list.slice(0, 5)) console.log(`    ${track.plan.id} ${track.plan.event.event} keys ${[...track.keys].join(' | ')}\n      ${track.log.join(' ')}`)
  }
  for (const [i, reply] of lists.entries()) {
    if (!listsDiffer[i]) continue
    console.log(`\n  instance ${i}'s list differs:\n    expected ${JSON.stringify(expectedList).slice(0, 400)}\n    read     ${JSON.stringify(reply.type === 'list' ? reply.list : reply).slice(0, 400)}`)
  }
  console.log('')
}
console.log(JSON.stringify(summary))
if (failed) console.error(`fleet soak: FAIL (replay the plan with --seed ${config.seed})`)
process.exit(failed ? 1 : 0)
