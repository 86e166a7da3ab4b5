// What holding records costs: `receive()` with the default MemoryDeliveryStore against a store that
// keeps nothing, each in its own process (a store's garbage would tax the other's rounds), over
// --callbacks distinct stream_create callbacks, so the memory store ends up holding two records per
// callback. CPU per callback from process.cpuUsage (GC threads included), median of --rounds
// alternating runs; with --callgrind, instructions per callback under valgrind's callgrind instead,
// which the machine's load does not change (each run then takes minutes).
// Run: npm run build && node bench/store.mjs [--callbacks 100000 --rounds 3 --callgrind]
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { MemoryDeliveryStore, ZegoReceiver } from 'zego-callbacks'
import { createCallback } from 'zego-callbacks/testing'

const { values } = parseArgs({
  options: { callbacks: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' }, callgrind: { type: 'boolean', default: false }, child: { type: 'string' } },
})
const callbacks = Number(values.callbacks)
const secret = 'bench-secret'
const stores = {
  'keeps nothing': () => ({ claim: () => ({ status: 'claimed', signatureSeen: false, attempts: 0 }), complete: () => true, renew: () => true, release: () => {} }),
  MemoryDeliveryStore: () => new MemoryDeliveryStore({ maxEntries: callbacks * 2 }),
}

if (values.child !== undefined) {
  const receiver = new ZegoReceiver({ secret, store: stores[values.child]() }).on('streamCreated', () => {})
  let cpu = 0
  // Bodies are made a thousand at a time, outside the measured part (under callgrind they count
  // for both stores alike, and the difference is the store's).
  for (let done = 0; done < callbacks; done += 1000) {
    const bodies = Array.from({ length: 1000 }, (_, i) => JSON.stringify(createCallback('stream_create', { stream_sid: `s-${done + i}` }, { secret })))
    const start = process.cpuUsage()
    for (const body of bodies) {
      const answer = receiver.receive({ method: 'POST', contentType: 'application/json', body })
      if ((answer instanceof Promise ? await answer : answer).status !== 200) throw new Error('not delivered')
    }
    const used = process.cpuUsage(start)
    cpu += used.user + used.system
  }
  console.log(JSON.stringify({ cpu: cpu / callbacks }))
} else {
  const script = fileURLToPath(import.meta.url)
  const runOnce = (name) => {
    const args = [script, '--child', name, '--callbacks', String(callbacks)]
    if (!values.callgrind) return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })).cpu
    const out = `/tmp/callgrind.store.${process.pid}`
    execFileSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, ...args], { stdio: 'ignore' })
    const total = Number(/^summary: (\d+)/m.exec(readFileSync(out, 'utf8'))?.[1])
    rmSync(out)
    return total / callbacks
  }
  const figures = { 'keeps nothing': [], MemoryDeliveryStore: [] }
  for (let round = 0; round < Number(values.rounds); round++) for (const name of Object.keys(figures)) figures[name].push(runOnce(name))
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]
  const unit = values.callgrind ? 'instructions' : 'µs CPU'
  const [nothing, memory] = [median(figures['keeps nothing']), median(figures.MemoryDeliveryStore)]
  const show = (n) => (values.callgrind ? Math.round(n).toLocaleString('en') : n.toFixed(2))
  console.log(`node ${process.version}, ${callbacks} distinct stream_create callbacks, ${unit} per callback (median of ${values.rounds})${values.callgrind ? ', bodies made included' : ''}`)
  console.log(`store that keeps nothing  ${show(nothing)}`)
  console.log(`MemoryDeliveryStore       ${show(memory)}  (+${show(memory - nothing)}, holding ${callbacks * 2} records at the end)`)
}
