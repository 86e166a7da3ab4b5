// Microseconds per callback of a LiveStreamList (in-memory store) whose room already has 1, 100 or
// 5 000 live streams: this code against a baseline commit's (git), alternating in one process.
// Run: npm run bench:live-list [-- --baseline <commit> --rounds 5 --sizes 1,100,5000]
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { LiveStreamList, MemoryLiveListStore, ZegoReceiver, type StreamCreatedEvent } from '../src/index.js'
import { createCallback } from '../src/testing/index.js'

const { values } = parseArgs({
  options: {
    // The last commit with the whole-room store (one record per room, copied by every callback).
    baseline: { type: 'string', default: '1a6af44' },
    rounds: { type: 'string', default: '5' },
    sizes: { type: 'string', default: '1,100,5000' },
    // Each measurement runs callbacks for at least this long (and at least 3 of them).
    ms: { type: 'string', default: '300' },
  },
})
const rounds = Number(values.rounds)
const sizes = (values.sizes ?? '').split(',').map(Number)
const minMs = Number(values.ms)

// The baseline's src/, extracted where its imports resolve against this checkout's node_modules.
const rev = execFileSync('git', ['rev-parse', '--short', values.baseline ?? ''], { encoding: 'utf8' }).trim()
const dir = `node_modules/.cache/live-list-baseline-${rev}`
if (!existsSync(`${dir}/src`)) {
  mkdirSync(dir, { recursive: true })
  execFileSync('sh', ['-c', `git archive ${rev} src | tar -x -C ${dir}`])
}
interface Applier {
  apply(event: StreamCreatedEvent): Promise<unknown>
}
const before = (await import(`../${dir}/src/index.ts`)) as {
  LiveStreamList: new (options: { store: unknown; sweepEveryMs: number }) => Applier
  MemoryLiveListStore: new () => { set(roomId: string, record: unknown): Promise<void> }
}

// One real stream_create, as the receiver normalizes it; the rest are copies with their own ids.
const secret = 'bench-secret'
let sample: StreamCreatedEvent | undefined
const receiver = new ZegoReceiver({ secret }).on('streamCreated', (event) => {
  sample = event
})
await receiver.receive({ method: 'POST', contentType: 'application/json', body: JSON.stringify(createCallback('stream_create', {}, { secret })) })
if (sample === undefined) throw new Error('no sample stream_create')
const base = { ...sample, roomId: 'r', roomSessionId: '1', createTimeMs: 1_700_000_000_000 }
const { event: _e, appId: _a, timestamp: _t, nonce: _n, signature: _s, raw: _r, ...liveStream } = base
const live = (i: number) => ({ ...liveStream, streamId: `s${i}`, streamSid: `sid-${i}`, streamSeq: 1 })

// A list whose room 'r' already holds `size` live streams, written straight into its store.
async function seeded(kind: 'before' | 'after', size: number): Promise<Applier> {
  const streams = Array.from({ length: size }, (_, i) => live(i))
  if (kind === 'before') {
    const store = new before.MemoryLiveListStore()
    const record = Object.fromEntries(streams.map((stream) => [stream.streamId, { streamSeq: 1, live: stream }]))
    await store.set('r', {
      roomId: 'r', session: { id: '1', startMs: base.createTimeMs }, closedSessions: [], closedUntilMs: 0,
      lastEventMs: base.createTimeMs, streams: record, held: [], touchedAtMs: Date.now(),
    })
    return new before.LiveStreamList({ store, sweepEveryMs: 0 })
  }
  const store = new MemoryLiveListStore()
  await store.write('r', undefined, {
    header: {
      roomId: 'r', session: { id: '1', startMs: base.createTimeMs }, closedSessions: [], closedUntilMs: 0,
      lastEventMs: base.createTimeMs, heldFrom: 0, heldNext: 0, touchedAtMs: Date.now(),
    },
    version: 'seed', clearStreams: false, streams: streams.map((stream) => ({ streamId: stream.streamId, streamSeq: 1, live: stream })),
    hold: [], release: [], ttlMs: 120_000,
  })
  return new LiveStreamList({ store, sweepEveryMs: 0 })
}

// Callbacks for one more stream of the room, each newer than the last: create, recreate, close.
async function measure(list: Applier): Promise<number> {
  let seq = 0
  let count = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < minMs * 1e6 || count < 3) {
    seq += 1
    const step = seq % 3
    const stream = { ...base, streamId: 'probe', streamSid: 'sid-probe', streamSeq: seq }
    const event = step === 0 ? { ...stream, event: 'stream_close', destroyTimeMs: base.createTimeMs + seq } : { ...stream, recreate: step === 2 }
    await list.apply(event as StreamCreatedEvent)
    count += 1
    elapsed = Number(process.hrtime.bigint() - start)
  }
  return elapsed / count / 1000
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
console.log(`node ${process.version}; baseline ${rev} (before) vs this checkout (after); ${rounds} alternating rounds, median µs per callback\n`)
for (const kind of ['before', 'after'] as const) await measure(await seeded(kind, 100)) // warm-up
console.log('live streams in the room   before (µs)   after (µs)   before / after')
for (const size of sizes) {
  const results: Record<'before' | 'after', number[]> = { before: [], after: [] }
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
      results[kind].push(await measure(await seeded(kind, size)))
    }
  }
  const b = median(results.before)
  const a = median(results.after)
  console.log(`${String(size).padStart(25)} ${b.toFixed(1).padStart(13)} ${a.toFixed(1).padStart(12)} ${(b / a).toFixed(1).padStart(15)}×`)
}
