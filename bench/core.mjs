// The receiver alone (no HTTP), on the built package: CPU per callback of `receive()` against a
// bare `JSON.parse` of the same bodies, in the same process, in alternating rounds (ratios are what
// to compare on a shared machine; absolute figures drift). The store rows run before the URL-list
// rows, whose 200-URL bodies leave a heap of gigabytes behind them.
// Run: npm run bench:core [-- --iterations 20000 --rounds 5]
import { parseArgs } from 'node:util'
import { MemoryDeliveryStore, ZegoReceiver } from 'zego-callbacks'
import { createCallback } from 'zego-callbacks/testing'

const { values } = parseArgs({
  options: { iterations: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } },
})
const iterations = Number(values.iterations)
const rounds = Number(values.rounds)
const secret = 'bench-secret'

/** Distinct signed bodies (each its own identifying field and nonce), so each is delivered, never a duplicate. */
function distinct(event, field, fields = {}, count = iterations * (rounds + 1)) {
  return Array.from({ length: count }, (_, i) => JSON.stringify(createCallback(event, { ...fields, [field]: `bench-${i}` }, { secret })))
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

// Each row: a fresh receiver (and store) and listeners that return nothing, as most listeners that
// write to a fast local store do; `receive()` and JSON.parse alternate, round after round.
async function row(name, bodies, { store, listener = () => {} } = {}) {
  const receiver = new ZegoReceiver({ secret, store: store?.() })
  for (const event of ['streamCreated', 'streamClosed', 'mixStarted', 'mixStopped', 'roomCreated', 'roomClosed', 'userLoggedIn', 'userLoggedOut']) {
    receiver.on(event, listener)
  }
  receiver.on('callback', () => {})
  let next = 0
  const receiveRound = async () => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) {
      const answer = await receiver.receive({ method: 'POST', contentType: 'application/json', body: bodies[next++] })
      if (answer.status !== 200) throw new Error(`${name}: answered ${answer.status} ${JSON.stringify(answer.body)}`)
    }
    return Number(process.hrtime.bigint() - start) / iterations / 1000
  }
  // JSON.parse gets its own copies of each round's bodies (the same text, other strings), made
  // before the round: each side reads every body once, from memory as cold as the other's. Parsing
  // the very strings receive() had just read would find them in the CPU cache and flatter JSON.parse
  // by about a third.
  const parseRound = (copies) => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < copies.length; i++) JSON.parse(copies[i])
    return Number(process.hrtime.bigint() - start) / copies.length / 1000
  }
  const copyRound = () => bodies.slice(next, next + iterations).map((body) => Buffer.from(body).toString())
  const full = []
  const parse = []
  for (let round = -1; round < rounds; round++) {
    const copies = copyRound()
    const receiveTime = await receiveRound()
    const parseTime = parseRound(copies)
    // Round -1 warms up.
    if (round >= 0) {
      full.push(receiveTime)
      parse.push(parseTime)
    }
  }
  const [f, p] = [median(full), median(parse)]
  console.log(`${name.padEnd(38)} ${f.toFixed(1).padStart(6)} us   JSON.parse ${p.toFixed(2).padStart(5)} us   ${(f / p).toFixed(1).padStart(4)}x`)
  return f / p
}

console.log(`node ${process.version}, built package, ${iterations} callbacks x ${rounds} rounds each, medians\n`)
console.log('every modeled event (distinct callbacks, sync listeners):')
await row('stream_create', distinct('stream_create', 'stream_sid'))
await row('stream_close', distinct('stream_close', 'stream_sid'))
await row('mix_start', distinct('mix_start', 'task_id'))
await row('mix_stop', distinct('mix_stop', 'task_id'))
await row('room_create', distinct('room_create', 'room_session_id'))
await row('room_close', distinct('room_close', 'room_session_id'))
await row('room_login', distinct('room_login', 'session_id'))
await row('room_logout', distinct('room_logout', 'session_id'))
await row('some_event (not modeled)', distinct('some_event', 'thing'))
await row('stream_create, async listener', distinct('stream_create', 'stream_sid'), { listener: async () => {} })

console.log('\nstream_create by records already in the memory store:')
for (const size of [0, 10_000, 200_000]) {
  const store = () => {
    const memory = new MemoryDeliveryStore({ maxEntries: 1_000_000 })
    for (let i = 0; i < size / 2; i++) {
      memory.claim({ key: `filler-${i}`, signature: `filler-${i}`, digest: 'd', token: 't', retainMs: 600_000, lockMs: 600_000 })
    }
    return memory
  }
  await row(`${size} records`, distinct('stream_create', 'stream_sid'), { store })
}

console.log('\nstream_create by URL-list length (each of rtmp_url, hls_url, hdl_url, pic_url):')
for (const length of [2, 20, 200]) {
  const urls = (kind) => Array.from({ length }, (_, i) => `${kind}://cdn${i}.example.com/live/stream-${i}.flv`)
  const fields = { rtmp_url: urls('rtmp'), hls_url: urls('https'), hdl_url: urls('https'), pic_url: urls('https') }
  await row(`${length} URLs each`, distinct('stream_create', 'stream_sid', fields))
}
