// Microseconds per callback through the framework-free receiver (no HTTP), on the built package.
// Run: npm run build && node bench/core.mjs [iterations]
import { ZegoReceiver } from 'zego-callbacks'
import { createCallback } from 'zego-callbacks/testing'

const iterations = Number(process.argv[2] ?? 20_000)
const secret = 'bench-secret'
const receiver = new ZegoReceiver({ secret }).on('streamCreated', async () => {}).on('mixStarted', async () => {})
const bodies = {
  'stream_create (modeled)': JSON.stringify(createCallback('stream_create', {}, { secret })),
  'mix_start (modeled)': JSON.stringify(createCallback('mix_start', {}, { secret })),
  'room_create (not modeled)': JSON.stringify(createCallback('room_create', {}, { secret })),
}

async function measure(run) {
  for (let i = 0; i < 3_000; i++) await run()
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) await run()
  return Number(process.hrtime.bigint() - start) / iterations / 1000
}

console.log(`node ${process.version}, ${iterations} iterations each, built package\n`)
for (const [name, body] of Object.entries(bodies)) {
  const full = await measure(() => receiver.receive({ method: 'POST', contentType: 'application/json', body }))
  const parse = await measure(() => JSON.parse(body))
  console.log(`${name.padEnd(28)} receive ${full.toFixed(1).padStart(6)} us   (JSON.parse alone ${parse.toFixed(1)} us)`)
}
