// Microseconds per callback through the framework-free receiver (no HTTP), on the built package.
// Run: npm run build && node bench/core.mjs [iterations]
import { ZegoReceiver } from 'zego-callbacks'
import { createCallback } from 'zego-callbacks/testing'

const iterations = Number(process.argv[2] ?? 20_000)
const secret = 'bench-secret'
// Distinct callbacks (each its own identifying field and nonce), so every one is delivered, not
// answered as a duplicate; the signing happens before the clock starts.
const warmups = 3_000
const distinct = (event, field) =>
  Array.from({ length: warmups + iterations }, (_, i) => JSON.stringify(createCallback(event, { [field]: `bench-${i}` }, { secret })))
const bodies = {
  'stream_create (modeled)': distinct('stream_create', 'stream_sid'),
  'mix_start (modeled)': distinct('mix_start', 'task_id'),
  'some_event (not modeled)': distinct('some_event', 'thing'),
}

async function measure(run) {
  let i = 0
  for (; i < warmups; i++) await run(i)
  const start = process.hrtime.bigint()
  for (; i < warmups + iterations; i++) await run(i)
  return Number(process.hrtime.bigint() - start) / iterations / 1000
}

console.log(`node ${process.version}, ${iterations} iterations each, built package\n`)
for (const [name, body] of Object.entries(bodies)) {
  // A receiver (and its delivery store) per row, so no row measures another's records.
  const receiver = new ZegoReceiver({ secret }).on('streamCreated', async () => {}).on('mixStarted', async () => {})
  const full = await measure((i) => receiver.receive({ method: 'POST', contentType: 'application/json', body: body[i] }))
  const parse = await measure((i) => JSON.parse(body[i]))
  console.log(`${name.padEnd(28)} receive ${full.toFixed(1).padStart(6)} us   (JSON.parse alone ${parse.toFixed(1)} us)`)
}
