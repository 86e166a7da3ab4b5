// Memory of the default store under sustained traffic: 200 000 distinct callbacks through one
// receiver with the default MemoryDeliveryStore, on a clock that advances `--step-ms` per callback
// (4 ms: 250 callbacks a second, near the most the default 200 000 records hold for ZEGO's 300 s
// window), reporting RSS, heap and array buffers (where the store keeps its records) as it goes, and
// the bytes each store record costs.
// Run: npm run build && node --expose-gc bench/memory.mjs [--callbacks 200000 --step-ms 4]
import { parseArgs } from 'node:util'
import { MemoryDeliveryStore, ZegoReceiver } from 'zego-callbacks'
import { createCallback, toJsonBody } from 'zego-callbacks/testing'

const { values } = parseArgs({ options: { callbacks: { type: 'string', default: '200000' }, 'step-ms': { type: 'string', default: '4' } } })
const callbacks = Number(values.callbacks)
const stepMs = Number(values['step-ms'])
const gc = globalThis.gc
if (gc === undefined) throw new Error('run with node --expose-gc')
const secret = 'memory-secret'
let now = 1_800_000_000_000
const store = new MemoryDeliveryStore({ now: () => now })
const receiver = new ZegoReceiver({ secret, now: () => now, store }).on('streamCreated', () => {})
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1)
// One template, re-signed per callback: the bodies are built as they are sent, never held.
const template = createCallback('stream_create', {}, { secret })
gc()
const start = process.memoryUsage()
console.log(`node ${process.version}: ${callbacks} distinct stream_create callbacks, ${1000 / stepMs} a second on the receiver's clock`)
console.log(`before: rss ${mib(start.rss)} MiB, heap ${mib(start.heapUsed)} MiB, array buffers ${mib(start.arrayBuffers)} MiB\n`)
const statuses = new Map()
let peakRss = 0
for (let i = 1; i <= callbacks; i++) {
  now += stepMs
  const payload = createCallback('stream_create', { stream_sid: `m-${i}`, room_id: template['room_id'] }, { secret, timestamp: Math.floor(now / 1000) })
  const answer = await receiver.receive({ method: 'POST', contentType: 'application/json', body: toJsonBody(payload) })
  statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
  if (i % 20_000 === 0) {
    gc()
    const usage = process.memoryUsage()
    peakRss = Math.max(peakRss, usage.rss)
    console.log(`${String(i).padStart(7)} callbacks: rss ${mib(usage.rss)} MiB, heap ${mib(usage.heapUsed)} MiB, array buffers ${mib(usage.arrayBuffers)} MiB, store ${store.size} records`)
  }
}
gc()
const end = process.memoryUsage()
console.log(`\nanswers: ${[...statuses].map(([status, count]) => `${status} x ${count}`).join(', ')}`)
const grew = end.heapUsed + end.arrayBuffers - start.heapUsed - start.arrayBuffers
console.log(`peak rss ${mib(peakRss)} MiB; heap and array buffers grew ${mib(grew)} MiB for ${store.size} live records: ${Math.round(grew / store.size)} bytes a record`)
