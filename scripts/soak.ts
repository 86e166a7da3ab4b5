// The soak: plays ZEGO's sender against several real Express servers that share one delivery
// store, with retries, duplicates, failing and slow listeners and out-of-order arrival, and checks
// that every distinct callback reached the app's listener exactly once.
//
//   npx tsx scripts/soak.ts                      # 2000 callbacks, 2 instances
//   npx tsx scripts/soak.ts --callbacks 300      # the CI size
//   npx tsx scripts/soak.ts --callbacks 50000 --seed 7
//
// Exit code 1 when a callback was lost, delivered twice, or had its listener run concurrently
// with itself (or the run hung past --deadline); 0 otherwise. One JSON line closes the output.
import http from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import express from 'express'
import { zegoCallbacks, type ZegoExpressMiddleware } from '../adapters/express.js'
import { MemoryDeliveryStore } from '../src/delivery/store.js'
import type { DeliveryContext } from '../src/receiver.js'
import type { RawPayload } from '../src/raw.js'
import { createCallback, signCallback, toJsonBody, type CallbackValue } from '../src/testing/index.js'

// ---------------------------------------------------------------------------------------------
// Flags

const HELP = `usage: npx tsx scripts/soak.ts [flags]
  --instances N        Express servers sharing one MemoryDeliveryStore (2)
  --callbacks N        distinct callbacks to deliver (2000)
  --concurrency N      HTTP requests in flight at most (64)
  --speed X            ZEGO's retry schedule 2/4/8/16/32 s is divided by X (100)
  --seed N             seed of the plan's PRNG (1)
  --duplicates P       share of callbacks ZEGO sends again after a 2xx or concurrently (0.2)
  --failures P         share whose listener throws for its first 1-3 runs (0.1)
  --slow P             share whose listener sleeps past --listener-timeout (0.02)
  --hung P             share whose listener never settles on its first run (0.005): they are
                       answered 503 and never delivered, by design; nothing else may suffer
  --slow-uploads N     an attacker without the secret keeps N connections per instance trickling
                       a body one byte a second, reconnecting when cut off (0)
  --unmodeled P        share of some_future_event callbacks, an event this version does not model (0.1)
  --unmodeled-key K    custom: the app passes a dedupeKey for them (default); signature: rely on the
                       signature triple only, so their retries always re-send the same bytes
  --listener-timeout MS  the receivers' listenerTimeoutMs (250)
  --client-timeout MS  ZEGO gives up waiting for an answer after this, and retries (1000)
  --max-in-flight N    the receivers' maxInFlight (512, the receiver's default)
  --max-entries N      the shared store's maxEntries (max(100000, 4 x callbacks))
  --store S            shared: one store for every instance (default); per-instance: a store each,
                       a negative control that must FAIL with double deliveries
  --jitter MS          random delay before each callback's first send (20)
  --work MS            the listener's ordinary work, a random sleep up to this (5)
  --deadline S         declare a hang after this many seconds (60 + callbacks / 50)
  --quiet              print only the JSON line`

const { values: flags } = parseFlags({
  options: {
    instances: { type: 'string', default: '2' },
    callbacks: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '64' },
    speed: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    duplicates: { type: 'string', default: '0.2' },
    failures: { type: 'string', default: '0.1' },
    slow: { type: 'string', default: '0.02' },
    hung: { type: 'string', default: '0.005' },
    'slow-uploads': { type: 'string', default: '0' },
    unmodeled: { type: 'string', default: '0.1' },
    'unmodeled-key': { type: 'string', default: 'custom' },
    'listener-timeout': { type: 'string', default: '250' },
    'client-timeout': { type: 'string', default: '1000' },
    'max-in-flight': { type: 'string', default: '512' },
    'max-entries': { type: 'string' },
    store: { type: 'string', default: 'shared' },
    jitter: { type: 'string', default: '20' },
    work: { type: 'string', default: '5' },
    deadline: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
})
function parseFlags<const T extends ParseArgsConfig>(options: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(options)
  } catch (error) {
    console.error(`soak: ${(error as Error).message}\n\n${HELP}`)
    process.exit(2)
  }
}
if (flags.help) {
  console.log(HELP)
  process.exit(0)
}

function numberFlag(name: string, text: string | undefined, check: (n: number) => boolean, what: string): number {
  const value = Number(text)
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    console.error(`soak: --${name} must be ${what}, got ${JSON.stringify(text)}\n\n${HELP}`)
    process.exit(2)
  }
  return value
}
const int = (n: number) => Number.isSafeInteger(n) && n >= 1
const share = (n: number) => n >= 0 && n <= 1

const config = {
  instances: numberFlag('instances', flags.instances, int, 'an integer >= 1'),
  callbacks: numberFlag('callbacks', flags.callbacks, int, 'an integer >= 1'),
  concurrency: numberFlag('concurrency', flags.concurrency, int, 'an integer >= 1'),
  speed: numberFlag('speed', flags.speed, (n) => n > 0, 'a number > 0'),
  seed: numberFlag('seed', flags.seed, Number.isSafeInteger, 'an integer'),
  duplicates: numberFlag('duplicates', flags.duplicates, share, 'a share from 0 to 1'),
  failures: numberFlag('failures', flags.failures, share, 'a share from 0 to 1'),
  slow: numberFlag('slow', flags.slow, share, 'a share from 0 to 1'),
  hung: numberFlag('hung', flags.hung, share, 'a share from 0 to 1'),
  slowUploads: numberFlag('slow-uploads', flags['slow-uploads'], (n) => Number.isSafeInteger(n) && n >= 0, 'an integer >= 0'),
  unmodeled: numberFlag('unmodeled', flags.unmodeled, share, 'a share from 0 to 1'),
  unmodeledKey: flags['unmodeled-key'] as string,
  store: flags.store as string,
  listenerTimeoutMs: numberFlag('listener-timeout', flags['listener-timeout'], int, 'an integer >= 1'),
  clientTimeoutMs: numberFlag('client-timeout', flags['client-timeout'], int, 'an integer >= 1'),
  maxInFlight: numberFlag('max-in-flight', flags['max-in-flight'], int, 'an integer >= 1'),
  maxEntries: 0,
  jitterMs: numberFlag('jitter', flags.jitter, (n) => n >= 0, 'a number >= 0'),
  workMs: numberFlag('work', flags.work, (n) => n >= 0, 'a number >= 0'),
  deadlineS: 0,
}
config.maxEntries = numberFlag(
  'max-entries',
  flags['max-entries'] ?? String(Math.max(100_000, 4 * config.callbacks)),
  int,
  'an integer >= 1',
)
config.deadlineS = numberFlag(
  'deadline',
  flags.deadline ?? String(Math.ceil(60 + config.callbacks / 50)),
  (n) => n > 0,
  'a number of seconds > 0',
)
if (config.failures + config.slow + config.hung > 1) {
  console.error('soak: --failures, --slow and --hung must not add up to more than 1 (a callback is one of them)')
  process.exit(2)
}
if (config.store !== 'shared' && config.store !== 'per-instance') {
  console.error(`soak: --store must be shared or per-instance, got ${JSON.stringify(config.store)}`)
  process.exit(2)
}
if (config.unmodeledKey !== 'custom' && config.unmodeledKey !== 'signature') {
  console.error(`soak: --unmodeled-key must be custom or signature, got ${JSON.stringify(config.unmodeledKey)}`)
  process.exit(2)
}

const SECRET = 'soak-callback-secret'
/** ZEGO's documented retry schedule, in seconds after the previous try: five retries, then lost. */
const ZEGO_RETRIES_S = [2, 4, 8, 16, 32]
const UNMODELED_EVENT = 'some_future_event'
/** The field the app's listener reads to know which distinct callback it got. */
const ID_FIELD = 'soak_id'

// ---------------------------------------------------------------------------------------------
// A small seeded PRNG (a 32-bit xorshift-multiply mixer over a Weyl sequence)

function prng(seed: number): () => number {
  let state = (seed ^ 0x9e3779b9) >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x21f0aafd) >>> 0
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0
    z = (z ^ (z >>> 15)) >>> 0
    return z / 0x1_0000_0000
  }
}
const planRandom = prng(config.seed)
const runRandom = prng(config.seed * 31 + 17)
const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
const between = (random: () => number, low: number, high: number): number => low + random() * (high - low)

// ---------------------------------------------------------------------------------------------
// The plan: every distinct callback, what ZEGO and the app will do with it

type RetryMode = 'same' | 'resign'

interface Plan {
  id: string
  event: string
  /** The fields set on ZEGO's example payload of `event`; signed (timestamp fresh) when first sent. */
  fields: Record<string, CallbackValue>
  /** The identity this soak expects the receiver to key it by (for the distinctness check). */
  identity: string
  /** The listener throws for its first this many runs of this callback. */
  failFirst: number
  /** The listener sleeps past listenerTimeoutMs. */
  slow: boolean
  /** The listener never settles on its first run. */
  hung: boolean
  /** Whether ZEGO's retries of it re-send the same bytes or re-sign with a new nonce and timestamp. */
  retryMode: RetryMode
  /** ZEGO sends it again: concurrently with the first send or after the 2xx, same bytes or re-signed. */
  duplicate: { concurrent: boolean; resign: boolean; delayMs: number } | undefined
  jitterMs: number
}

function buildPlans(): Plan[] {
  const plans: Plan[] = []
  const modeled = ['stream_create', 'stream_close', 'mix_start', 'room_create', 'room_login'] as const
  const streams: Array<{ sid: string; seq: number; room: string; session: string }> = []
  const rooms: Array<{ id: string; session: bigint }> = []
  const tasks: Array<{ id: string; seq: number }> = []
  // 19-digit ids, as ZEGO's room session and login session ids are.
  const roomSessionBase = 6_085_791_336_000_000_000n + BigInt(config.seed % 1000) * 1_000_000n
  const loginSessionBase = 7_921_485_030_000_000_000n + BigInt(config.seed % 1000) * 1_000_000n
  for (let i = 0; i < config.callbacks; i++) {
    const id = `soak-${config.seed}-${i}`
    const event = planRandom() < config.unmodeled ? UNMODELED_EVENT : pick(planRandom, modeled)
    let fields: Record<string, CallbackValue>
    let identity: string
    switch (event) {
      case 'stream_create': {
        const stream = { sid: `s-soak-${i}`, seq: 1 + Math.floor(planRandom() * 5), room: `room-${i}`, session: `${900_000 + i}` }
        streams.push(stream)
        fields = {
          room_id: stream.room,
          room_session_id: stream.session,
          stream_id: `stream-${i}`,
          stream_sid: stream.sid,
          stream_seq: String(stream.seq).padStart(2, '0'),
        }
        identity = `stream_create/${stream.sid}/${stream.seq}`
        break
      }
      case 'stream_close': {
        // Half close a stream created in this run (same stream_sid; the next stream_seq, or at
        // times the same one, so that only the event name tells the two keys apart). The rest
        // close streams of their own.
        const created = streams.length > 0 && planRandom() < 0.5 ? streams.splice(Math.floor(planRandom() * streams.length), 1)[0] : undefined
        const stream = created ?? { sid: `s-soak-close-${i}`, seq: 3, room: `room-${i}`, session: `${900_000 + i}` }
        const seq = created !== undefined && planRandom() < 0.3 ? stream.seq : stream.seq + 1
        fields = {
          room_id: stream.room,
          room_session_id: stream.session,
          stream_id: `stream-closed-${i}`,
          stream_sid: stream.sid,
          stream_seq: String(seq),
        }
        identity = `stream_close/${stream.sid}/${seq}`
        break
      }
      case 'mix_start': {
        // Several mix_start callbacks of one task, each a later seq: distinct callbacks.
        const reuse = tasks.length > 0 && planRandom() < 0.3 ? pick(planRandom, tasks) : undefined
        const task = reuse ?? { id: `1:${100_000 + i}`, seq: 0 }
        if (reuse === undefined) tasks.push(task)
        task.seq += 1 + Math.floor(planRandom() * 3)
        fields = { appid: '1', task_id: task.id, seq: String(task.seq), mix_stream_alias: `mix-${i}` }
        identity = `mix_start/${task.id}/${task.seq}`
        break
      }
      case 'room_create': {
        const room = { id: `room-r${i}`, session: roomSessionBase + BigInt(i) }
        rooms.push(room)
        // ZEGO sends room_session_id as a bare 64-bit JSON number: send it so, every digit kept.
        fields = { room_id: room.id, room_session_id: room.session, id_name: `creator-${i}` }
        identity = `room_create/${room.session}`
        break
      }
      case 'room_login': {
        const room = rooms.length > 0 ? pick(planRandom, rooms) : { id: `room-l${i}`, session: roomSessionBase - BigInt(i + 1) }
        const session = loginSessionBase + BigInt(i)
        fields = {
          room_id: room.id,
          room_seq: String(room.session),
          user_account: `user-${i}`,
          session_id: String(session),
        }
        identity = `room_login/${session}`
        break
      }
      default: {
        fields = { event_id: `future-${config.seed}-${i}`, detail: `an event this version does not model, #${i}` }
        identity = `${UNMODELED_EVENT}/${i}`
      }
    }
    const roll = planRandom()
    const failFirst = roll < config.failures ? 1 + Math.floor(planRandom() * 3) : 0
    const slow = roll >= config.failures && roll < config.failures + config.slow
    const hung = roll >= config.failures + config.slow && roll < config.failures + config.slow + config.hung
    // Without a dedupeKey an unmodeled callback is known by its signature only: re-signing it
    // makes another callback as far as any receiver can tell, so ZEGO re-sends the same bytes.
    const signatureOnly = event === UNMODELED_EVENT && config.unmodeledKey === 'signature'
    const retryMode: RetryMode = signatureOnly || planRandom() < 0.5 ? 'same' : 'resign'
    const duplicate =
      planRandom() < config.duplicates
        ? {
            concurrent: planRandom() < 0.35,
            resign: !signatureOnly && planRandom() < 0.5,
            delayMs: planRandom() * 60,
          }
        : undefined
    plans.push({ id, event, fields: { ...fields, [ID_FIELD]: id }, identity, failFirst, slow, hung, retryMode, duplicate, jitterMs: planRandom() * config.jitterMs })
  }
  // Out of order: a shuffled send order (plus each callback's jitter).
  for (let i = plans.length - 1; i > 0; i--) {
    const j = Math.floor(planRandom() * (i + 1))
    ;[plans[i], plans[j]] = [plans[j] as Plan, plans[i] as Plan]
  }
  return plans
}

// ---------------------------------------------------------------------------------------------
// Counters and per-callback records

interface Track {
  plan: Plan
  /** Listener runs that completed successfully: exactly one is the goal. */
  completions: number
  /** Listener runs started. */
  runs: number
  /** Listener runs going on right now, and how often a run started while another was going. */
  active: number
  overlaps: number
  /** The receiver's delivery keys seen, and attempt numbers that disagreed with our own count. */
  keys: Set<string>
  attemptMismatches: number
  /** Whether ZEGO got a 2xx on any send, and how many send chains ran out of retries. */
  acked: boolean
  givenUp: number
  /** A compact log for the report: each try (chain:instance:answer) and each listener run. */
  log: string[]
}

const tracks = new Map<string, Track>()
const stats = {
  requests: 0,
  retries: 0,
  duplicatesSent: 0,
  resigned: 0,
  answers: new Map<string, number>(),
  duplicateAnswers: 0,
  duplicateEvents: { signature: 0, key: 0 },
  rejected: new Map<string, number>(),
  errorEvents: new Map<string, number>(),
  listenerRuns: 0,
  listenerFailures: 0,
  unknownDeliveries: 0,
  chainsGivenUp: 0,
}
const bump = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1)
}

// Peak memory of this process (servers and sender both), sampled every 100 ms.
const memory = { rss: 0, heapUsed: 0 }
const sampleMemory = (): void => {
  const { rss, heapUsed } = process.memoryUsage()
  memory.rss = Math.max(memory.rss, rss)
  memory.heapUsed = Math.max(memory.heapUsed, heapUsed)
}
const sampler = setInterval(sampleMemory, 100)
sampler.unref()

/** Milliseconds since the run started, for the per-callback logs. */
const sinceStart = (): number => Date.now() - started
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// The app: N Express instances, one shared store, one listener per callback

const stores = Array.from(
  { length: config.store === 'shared' ? 1 : config.instances },
  () => new MemoryDeliveryStore({ maxEntries: config.maxEntries }),
)

async function appListener(instance: number, raw: RawPayload, delivery: DeliveryContext): Promise<void> {
  const id = Object.hasOwn(raw, ID_FIELD) ? raw[ID_FIELD] : undefined
  const track = typeof id === 'string' ? tracks.get(id) : undefined
  if (track === undefined) {
    stats.unknownDeliveries++
    return
  }
  stats.listenerRuns++
  track.runs++
  track.keys.add(delivery.key)
  if (delivery.attempt !== track.runs) track.attemptMismatches++
  track.active++
  if (track.active > 1) track.overlaps++
  const run = track.runs
  const startedAt = sinceStart()
  try {
    if (track.plan.hung && run === 1) {
      track.log.push(`run${run}@i${instance}(attempt ${delivery.attempt})[${startedAt}]:hangs`)
      await new Promise(() => {})
    }
    if (track.plan.slow) await sleep(config.listenerTimeoutMs + between(runRandom, 50, 250))
    else if (config.workMs > 0) await sleep(runRandom() * config.workMs)
    if (run <= track.plan.failFirst) {
      stats.listenerFailures++
      track.log.push(`run${run}@i${instance}(attempt ${delivery.attempt})[${startedAt}-${sinceStart()}]:threw`)
      throw new Error(`soak: injected failure ${run} of ${track.plan.failFirst}`)
    }
    track.completions++
    track.log.push(`run${run}@i${instance}(attempt ${delivery.attempt})[${startedAt}-${sinceStart()}]:ok`)
  } finally {
    track.active--
  }
}

const modeledNames = {
  stream_create: 'streamCreated',
  stream_close: 'streamClosed',
  mix_start: 'mixStarted',
  room_create: 'roomCreated',
  room_login: 'userLoggedIn',
} as const

interface Instance {
  zego: ZegoExpressMiddleware
  server: http.Server
  url: URL
}

async function startInstance(index: number): Promise<Instance> {
  const zego = zegoCallbacks({
    secret: SECRET,
    store: stores[index % stores.length] as MemoryDeliveryStore,
    listenerTimeoutMs: config.listenerTimeoutMs,
    maxInFlight: config.maxInFlight,
    ...(config.unmodeledKey === 'custom'
      ? {
          // The app's own key for the event this version does not model: its event_id.
          dedupeKey: ({ event, raw }) => {
            const eventId = Object.hasOwn(raw, 'event_id') ? raw['event_id'] : undefined
            return event === UNMODELED_EVENT && typeof eventId === 'string' ? `${UNMODELED_EVENT}:${eventId}` : undefined
          },
        }
      : {}),
  })
  // The app: typed listeners for the modeled events, `callback` for the rest.
  zego
    .on('streamCreated', (event, delivery) => appListener(index, event.raw, delivery))
    .on('streamClosed', (event, delivery) => appListener(index, event.raw, delivery))
    .on('mixStarted', (event, delivery) => appListener(index, event.raw, delivery))
    .on('roomCreated', (event, delivery) => appListener(index, event.raw, delivery))
    .on('userLoggedIn', (event, delivery) => appListener(index, event.raw, delivery))
    .on('callback', (event, delivery) =>
      Object.hasOwn(modeledNames, event.event) ? undefined : appListener(index, event.raw, delivery),
    )
    .on('duplicate', (event) => {
      stats.duplicateEvents[event.matchedBy]++
    })
    .on('rejected', (event) => bump(stats.rejected, event.reason))
    .on('error', (event) => bump(stats.errorEvents, event.error.code))
  const app = express()
  // For the per-callback log only: when each try reached this server (the sender names the
  // callback in a header of its own; ZEGO sends no such header and the receiver ignores it).
  app.use((req, _res, next) => {
    const id = req.headers['x-soak-id']
    const track = typeof id === 'string' ? tracks.get(id) : undefined
    track?.log.push(`arrive@i${index}[${sinceStart()}]`)
    next()
  })
  app.use(zego)
  app.use((_req, res) => {
    res.status(404).json({ ok: false })
  })
  const server = http.createServer(app)
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return { zego, server, url: new URL(`http://127.0.0.1:${port}/zego/callback`) }
}

// ---------------------------------------------------------------------------------------------
// ZEGO's sender

const agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency })

/** At most `config.concurrency` requests in flight. */
let slotsFree = config.concurrency
const slotQueue: Array<() => void> = []
async function withSlot<T>(task: () => Promise<T>): Promise<T> {
  if (slotsFree > 0) slotsFree--
  else await new Promise<void>((resolve) => slotQueue.push(resolve))
  try {
    return await task()
  } finally {
    const next = slotQueue.shift()
    if (next) next()
    else slotsFree++
  }
}

/** An answer's status, or `timeout` / `socket:<code>` when there was none. */
type Answer = { status: number; duplicate: boolean } | { status: 'timeout' | `socket:${string}`; duplicate: false }

function post(url: URL, body: string, id: string): Promise<Answer> {
  return new Promise((resolve) => {
    let done = false
    const finish = (answer: Answer): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve(answer)
    }
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-soak-id': id },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          finish({ status: response.statusCode ?? 0, duplicate: text.includes('"duplicate":true') })
        })
        response.on('error', (error: NodeJS.ErrnoException) => finish({ status: `socket:${error.code ?? 'error'}`, duplicate: false }))
      },
    )
    // ZEGO documents no answer timeout; this sender waits clientTimeoutMs, then treats it as no answer.
    const timer = setTimeout(() => {
      finish({ status: 'timeout', duplicate: false })
      request.destroy()
    }, config.clientTimeoutMs)
    request.on('error', (error: NodeJS.ErrnoException) => finish({ status: `socket:${error.code ?? 'error'}`, duplicate: false }))
    request.end(body)
  })
}

/**
 * One ZEGO send of a callback with its retries: the first try, then up to five more 2, 4, 8, 16
 * and 32 s (divided by --speed) after the previous one, each to a random instance. Resolves with
 * the body of the try that got a 2xx, or undefined when ZEGO gave up.
 */
async function sendWithRetries(
  instances: readonly Instance[],
  track: Track,
  chain: string,
  firstBody: string,
  resign: () => string,
  onFirstTry?: (body: string) => void,
): Promise<string | undefined> {
  let body = firstBody
  for (let attempt = 0; attempt <= ZEGO_RETRIES_S.length; attempt++) {
    if (attempt > 0) {
      await sleep(((ZEGO_RETRIES_S[attempt - 1] as number) * 1000) / config.speed)
      stats.retries++
      if (track.plan.retryMode === 'resign') {
        body = resign()
        stats.resigned++
      }
    }
    const target = Math.floor(runRandom() * instances.length)
    let sentAt = 0
    const answer = await withSlot(() => {
      stats.requests++
      sentAt = Date.now()
      const sent = post((instances[target] as Instance).url, body, track.plan.id)
      if (attempt === 0) onFirstTry?.(body)
      return sent
    })
    bump(stats.answers, String(answer.status))
    if (answer.duplicate) stats.duplicateAnswers++
    track.log.push(
      `${chain}${attempt}@i${target}[${sentAt - started}-${sinceStart()}]:${answer.status}${answer.duplicate ? '(dup)' : ''}`,
    )
    if (typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300) {
      track.acked = true
      return body
    }
  }
  track.givenUp++
  stats.chainsGivenUp++
  track.log.push(`${chain}:given-up`)
  return undefined
}

/** Everything ZEGO does with one distinct callback: the send, its retries, and a duplicate send. */
async function playCallback(instances: readonly Instance[], track: Track): Promise<void> {
  const { plan } = track
  await sleep(plan.jitterMs)
  // Signed when first sent, so the timestamp is fresh however long the run; a re-sign keeps
  // every field and sets a new timestamp, nonce and signature.
  const payload = createCallback(plan.event, plan.fields, { secret: SECRET })
  const resign = (): string => toJsonBody(signCallback(payload, { secret: SECRET }))
  const duplicateSend = (body: string): Promise<void> => {
    stats.duplicatesSent++
    const again = plan.duplicate?.resign ? resign() : body
    return sendWithRetries(instances, track, 'd', again, resign).then(() => undefined)
  }
  let concurrentDuplicate: Promise<void> | undefined
  const acked = await sendWithRetries(instances, track, 'p', toJsonBody(payload), resign, (body) => {
    // A duplicate racing the first send: launched while its answer is still outstanding.
    if (plan.duplicate?.concurrent) {
      const { delayMs } = plan.duplicate
      concurrentDuplicate = sleep(delayMs / 4).then(() => duplicateSend(body))
    }
  })
  if (plan.duplicate !== undefined && !plan.duplicate.concurrent && acked !== undefined) {
    // ZEGO lost the 2xx and sends it again, a little later.
    await sleep(plan.duplicate.delayMs)
    await duplicateSend(acked)
  }
  await concurrentDuplicate
}

// ---------------------------------------------------------------------------------------------
// The attacker: no secret, only connections that send a body one byte a second

const attack = { connections: 0, cutOff: 0, answers: new Map<string, number>() }
let attacking = true
const attackSockets = new Set<Socket>()

function trickle(url: URL): void {
  if (!attacking) return
  attack.connections++
  const socket = connect(Number(url.port), url.hostname)
  attackSockets.add(socket)
  let answer = ''
  const drip = setInterval(() => socket.write(' '), 1000)
  socket.on('error', () => {})
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1')
  })
  socket.on('close', () => {
    clearInterval(drip)
    attackSockets.delete(socket)
    const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'none'
    bump(attack.answers, status)
    if (status === '408') attack.cutOff++
    trickle(url)
  })
  socket.write(`POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`)
}

// ---------------------------------------------------------------------------------------------
// The run

const started = Date.now()
const plans = buildPlans()
{
  const identities = new Set(plans.map((plan) => plan.identity))
  if (identities.size !== plans.length) throw new Error('soak: the plan has two callbacks with one identity (a bug in this script)')
}
for (const plan of plans) {
  tracks.set(plan.id, {
    plan,
    completions: 0,
    runs: 0,
    active: 0,
    overlaps: 0,
    keys: new Set(),
    attemptMismatches: 0,
    acked: false,
    givenUp: 0,
    log: [],
  })
}

// The sender's and the checker's own records, before any server starts: part of every later sample.
const baselineHeapUsed = process.memoryUsage().heapUsed
const instances = await Promise.all(Array.from({ length: config.instances }, (_, i) => startInstance(i)))
let phase = 'sending'
let settledCallbacks = 0
for (const instance of instances) for (let i = 0; i < config.slowUploads; i++) trickle(instance.url)

const watchdog = setTimeout(() => {
  const busy = [...tracks.values()].filter((track) => track.active > 0).slice(0, 10)
  console.error(
    `soak: HANG: still ${phase} after ${config.deadlineS} s (${settledCallbacks}/${plans.length} callbacks done; ` +
      `in flight per instance: ${instances.map((instance) => instance.zego.receiver.inFlight).join(', ')}; ` +
      `listeners running: ${[...tracks.values()].filter((track) => track.active > 0).length})`,
  )
  for (const track of busy) console.error(`  ${track.plan.id} ${track.plan.identity}: ${track.log.join(' ')}`)
  console.error(`soak: FAIL (seed ${config.seed}, flags ${process.argv.slice(2).join(' ') || '(defaults)'})`)
  process.exit(1)
}, config.deadlineS * 1000)
watchdog.unref()

// Keep a bounded number of callbacks in play (their sends, retries and duplicates), in the
// shuffled order; the semaphore bounds the requests in flight among them.
{
  const window = config.concurrency * 4
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < plans.length) {
      const plan = plans[next++] as Plan
      await playCallback(instances, tracks.get(plan.id) as Track)
      settledCallbacks++
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, plans.length) }, lane))
}
const sendingDone = Date.now()

attacking = false
for (const socket of attackSockets) socket.destroy()
phase = 'closing'
// Bounded: the hung listeners are abandoned at the timeout, and only they.
const closed = await Promise.all(instances.map((instance) => instance.zego.close({ timeoutMs: 2_000 })))
const abandoned = closed.flatMap((result) => result.abandoned)
const inFlightAfterClose = instances.map((instance) => instance.zego.receiver.inFlight)
phase = 'stopping servers'
agent.destroy()
await Promise.all(
  instances.map(
    (instance) =>
      new Promise<void>((resolve) => {
        instance.server.close(() => resolve())
        instance.server.closeAllConnections()
      }),
  ),
)
clearTimeout(watchdog)
sampleMemory()
const finished = Date.now()
// With NODE_OPTIONS=--expose-gc: what stays after a full collection (the store's records for the
// retention window plus this script's per-callback records), as against the peak, which counts garbage.
const gc = (globalThis as { gc?: () => void }).gc
gc?.()
const retainedHeapUsed = gc ? process.memoryUsage().heapUsed : undefined

// ---------------------------------------------------------------------------------------------
// The checks and the report

// A listener that never settles keeps its callback from being delivered, by design (its retries
// are answered 503 until it settles); the checks are that it ran once, and that nothing else suffered.
const hung = [...tracks.values()].filter((track) => track.plan.hung)
const hungRan = hung.filter((track) => track.runs > 0)
const hungWrong = hung.filter((track) => track.runs > 1 || track.completions > 0)
const all = [...tracks.values()].filter((track) => !track.plan.hung)
const lost = all.filter((track) => track.completions === 0)
const doubled = all.filter((track) => track.completions > 1)
const overlapping = all.filter((track) => track.overlaps > 0)
const ackedButLost = lost.filter((track) => track.acked)
const keySplits = all.filter((track) => track.keys.size > 1)
const attemptMismatches = all.filter((track) => track.attemptMismatches > 0)
const zegoGaveUp = all.filter((track) => !track.acked)
// After close(), only the hung listeners are still in flight, and close() named them all.
const closeWrong =
  abandoned.length !== hungRan.length || inFlightAfterClose.reduce((sum, n) => sum + n, 0) !== hungRan.length || closed.some((result) => result.drained !== (result.abandoned.length === 0))
const failed = lost.length > 0 || doubled.length > 0 || overlapping.length > 0 || hungWrong.length > 0 || closeWrong

const byEvent = new Map<string, number>()
for (const plan of plans) bump(byEvent, plan.event)
const sorted = (map: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)))

const summary = {
  soak: 'zego-callbacks',
  result: failed ? 'FAIL' : 'PASS',
  seed: config.seed,
  flags: {
    instances: config.instances,
    callbacks: config.callbacks,
    concurrency: config.concurrency,
    speed: config.speed,
    duplicates: config.duplicates,
    failures: config.failures,
    slow: config.slow,
    hung: config.hung,
    slowUploads: config.slowUploads,
    unmodeled: config.unmodeled,
    unmodeledKey: config.unmodeledKey,
    listenerTimeoutMs: config.listenerTimeoutMs,
    clientTimeoutMs: config.clientTimeoutMs,
    maxInFlight: config.maxInFlight,
    maxEntries: config.maxEntries,
    store: config.store,
  },
  durationMs: finished - started,
  sendingMs: sendingDone - started,
  callbacks: {
    distinct: plans.length,
    byEvent: sorted(byEvent),
    plannedDuplicates: plans.filter((plan) => plan.duplicate).length,
    plannedFailing: plans.filter((plan) => plan.failFirst > 0).length,
    plannedSlow: plans.filter((plan) => plan.slow).length,
    plannedHung: hung.length,
    retriesResign: plans.filter((plan) => plan.retryMode === 'resign').length,
  },
  delivered: {
    exactlyOnce: all.filter((track) => track.completions === 1).length,
    lost: lost.length,
    lostAfter2xx: ackedButLost.length,
    deliveredTwiceOrMore: doubled.length,
    extraDeliveries: doubled.reduce((sum, track) => sum + track.completions - 1, 0),
    concurrentListenerRuns: overlapping.length,
    zegoGaveUp: zegoGaveUp.length,
    keySplits: keySplits.length,
    attemptMismatches: attemptMismatches.length,
    unknownDeliveries: stats.unknownDeliveries,
    hungListeners: hungRan.length,
    hungRunTwiceOrDelivered: hungWrong.length,
  },
  attacker: { slowUploadsPerInstance: config.slowUploads, connections: attack.connections, cutOff408: attack.cutOff, answers: sorted(attack.answers) },
  sender: {
    requests: stats.requests,
    retries: stats.retries,
    resignedRetries: stats.resigned,
    duplicatesSent: stats.duplicatesSent,
    chainsGivenUp: stats.chainsGivenUp,
    answers: sorted(stats.answers),
    answeredDuplicate: stats.duplicateAnswers,
    requestsPerSecond: Math.round(stats.requests / Math.max(0.001, (sendingDone - started) / 1000)),
  },
  receiver: {
    duplicateEvents: stats.duplicateEvents,
    rejected: sorted(stats.rejected),
    errorEvents: sorted(stats.errorEvents),
    listenerRuns: stats.listenerRuns,
    listenerFailures: stats.listenerFailures,
    inFlightAfterClose,
    abandonedByClose: abandoned.length,
    storeSize: stores.reduce((sum, store) => sum + store.size, 0),
  },
  memory: { peakRssMiB: mib(memory.rss), peakHeapUsedMiB: mib(memory.heapUsed), planHeapUsedMiB: mib(baselineHeapUsed),
    retainedHeapUsedMiB: retainedHeapUsed === undefined ? null : mib(retainedHeapUsed),
  },
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10
}

if (!flags.quiet) {
  const rows: Array<[string, string]> = [
    ['result', summary.result],
    ['seed / instances / speed', `${config.seed} / ${config.instances} / ${config.speed}`],
    ['duration (sending)', `${(summary.durationMs / 1000).toFixed(2)} s (${(summary.sendingMs / 1000).toFixed(2)} s)`],
    ['distinct callbacks', `${plans.length}  ${Object.entries(summary.callbacks.byEvent).map(([k, v]) => `${k} ${v}`).join(', ')}`],
    ['planned', `duplicates ${summary.callbacks.plannedDuplicates}, failing ${summary.callbacks.plannedFailing}, slow ${summary.callbacks.plannedSlow}, hung ${hung.length}, re-signing retries ${summary.callbacks.retriesResign}`],
    ['delivered exactly once', `${summary.delivered.exactlyOnce} (of ${all.length}; the ${hung.length} hung are not delivered by design)`],
    ['hung listeners: ran / twice or delivered', `${hungRan.length} / ${hungWrong.length}`],
    ['slow-upload attack (per instance)', `${config.slowUploads}: ${attack.connections} connections, ${attack.cutOff} cut off with 408`],
    ['lost (of which after a 2xx)', `${lost.length} (${ackedButLost.length})`],
    ['delivered twice or more', `${doubled.length} (+${summary.delivered.extraDeliveries} extra runs)`],
    ['listener concurrent with itself', String(overlapping.length)],
    ['ZEGO gave up (no 2xx in 6 tries)', String(zegoGaveUp.length)],
    ['requests / retries / duplicates sent', `${stats.requests} / ${stats.retries} / ${stats.duplicatesSent}`],
    ['requests per second', String(summary.sender.requestsPerSecond)],
    ['answers by status', Object.entries(summary.sender.answers).map(([k, v]) => `${k}: ${v}`).join(', ')],
    ['duplicate events (signature / key)', `${stats.duplicateEvents.signature} / ${stats.duplicateEvents.key}`],
    ['rejected by reason', Object.entries(summary.receiver.rejected).map(([k, v]) => `${k}: ${v}`).join(', ') || '-'],
    ['error events', Object.entries(summary.receiver.errorEvents).map(([k, v]) => `${k}: ${v}`).join(', ') || '-'],
    ['listener runs / injected failures', `${stats.listenerRuns} / ${stats.listenerFailures}`],
    ['key splits / attempt mismatches', `${keySplits.length} / ${attemptMismatches.length}`],
    ['store size', `${summary.receiver.storeSize}${config.store === 'shared' ? '' : ' (one store per instance)'}`],
    ['in flight after close() / abandoned', `${inFlightAfterClose.join(', ')} / ${abandoned.length}`],
    [
      'peak rss / heapUsed',
      `${summary.memory.peakRssMiB} MiB / ${summary.memory.peakHeapUsedMiB} MiB (sender and servers in one process; ${summary.memory.planHeapUsedMiB} MiB heap before the servers started${
        retainedHeapUsed === undefined ? '' : `, ${summary.memory.retainedHeapUsedMiB} MiB retained at the end`
      })`,
    ],
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  console.log(
    `\nzego-callbacks soak (${config.instances} Express instances, ${config.store === 'shared' ? 'one shared MemoryDeliveryStore' : 'a MemoryDeliveryStore each'})\n`,
  )
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`)
  const examples = (title: string, list: Track[]): void => {
    if (list.length === 0) return
    console.log(`\n  ${title} (${list.length}; first ${Math.min(5, list.length)}):`)
    for (const track of list.slice(0, 5)) {
      const { plan } = track
      const shape = `${plan.retryMode} retries${plan.duplicate ? `, duplicate ${plan.duplicate.concurrent ? 'concurrent' : 'after 2xx'} ${plan.duplicate.resign ? 're-signed' : 'same bytes'}` : ''}${plan.failFirst ? `, fails ${plan.failFirst}x` : ''}${plan.slow ? ', slow' : ''}`
      console.log(`    ${plan.id} ${plan.identity} [${shape}] keys ${[...track.keys].join(' | ')}`)
      console.log(`      ${track.log.join(' ')}`)
    }
  }
  examples('LOST', lost)
  examples('DELIVERED TWICE', doubled)
  examples('LISTENER CONCURRENT WITH ITSELF', overlapping)
  examples('note: tries ZEGO got no answer to', all.filter((track) => track.log.some((entry) => /:(timeout|socket:)/.test(entry))))
  examples('note: key splits', keySplits)
  examples('note: attempt mismatches', attemptMismatches)
  console.log('')
}
console.log(JSON.stringify(summary))
if (failed) {
  // Timing decides the interleavings, so a seed replays the plan, not necessarily the failure.
  console.error(`soak: FAIL; replay the plan with: npx tsx scripts/soak.ts ${process.argv.slice(2).join(' ')}${process.argv.some((arg) => arg === '--seed' || arg.startsWith('--seed=')) ? '' : ` --seed ${config.seed}`}`)
}
process.exit(failed ? 1 : 0)
