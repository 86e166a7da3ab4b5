// Where a stream_create's receive() goes: each stage of the pipeline alone, on distinct signed
// callbacks of its own (the bodies bench:core sends), then the stages one after another, then
// receive() itself, against a bare JSON.parse of the same kind of bodies, in alternating rounds
// within one process. What receive() costs beyond the stages one after another is the receiver's
// and deliverer's own steps, the listeners' calls and the answer.
// Run: npm run bench:stages [-- --iterations 10000 --rounds 7] (the source, through tsx)
import { parseArgs } from 'node:util'
import { decodeBody } from '../src/body.js'
import { contentDigest } from '../src/delivery/keys.js'
import { MemoryDeliveryStore } from '../src/delivery/store.js'
import { resolveOptions } from '../src/options.js'
import type { RawPayload } from '../src/raw.js'
import { ZegoReceiver } from '../src/receiver.js'
import { createCallback } from '../src/testing/index.js'
import { validate } from '../src/validate.js'
import { verifyCallback, type VerifiedCallback } from '../src/verify.js'

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '7' } } })
const iterations = Number(values.iterations)
const rounds = Number(values.rounds)
const secret = 'bench-secret'
const settings = resolveOptions({ secret })

let serial = 0
// Each a copy made through a Buffer, as bench:core makes JSON.parse's: the same text, other strings.
const bodies = (): string[] =>
  Array.from({ length: iterations }, () =>
    Buffer.from(JSON.stringify(createCallback('stream_create', { stream_sid: `stage-${serial++}` }, { secret }))).toString(),
  )
const decoded = (): RawPayload[] => bodies().map((body) => decodeBody(body, 'json'))
const verified = (): VerifiedCallback[] => decoded().map((raw) => verifyCallback(raw, settings))

const store = new MemoryDeliveryStore({ maxEntries: 10_000_000 })
const receiver = new ZegoReceiver({ secret, store: new MemoryDeliveryStore({ maxEntries: 10_000_000 }) })
receiver.on('streamCreated', () => {})
receiver.on('callback', () => {})

// One callback's records: a claim and its completion.
const record = (key: string, signature: string, digest: string): void => {
  const token = `t${serial++}`
  store.claim({ key, signature, digest, token, retainMs: 600_000, lockMs: 30_000 })
  store.complete({ key, token, outcome: 'delivered', attempts: 1, answer: undefined, retainMs: 600_000 })
}

/** A stage that runs `stage` on each of the inputs `make` makes before its round. */
const each =
  <T>(make: () => T[], stage: (input: T) => unknown) =>
  (): (() => void) => {
    const inputs = make()
    return () => {
      for (const input of inputs) stage(input)
    }
  }

/** Each stage: what it needs, made before its round, and the round itself. */
const stages: Record<string, () => () => void | Promise<void>> = {
  'JSON.parse': each(bodies, (text) => JSON.parse(text)),
  'decode (lossless JSON)': each(bodies, (text) => decodeBody(text, 'json')),
  'verify (signature, envelope)': each(decoded, (raw) => verifyCallback(raw, settings)),
  'validate (typed event, key)': each(verified, (callback) => validate(callback, 'stream_create')),
  'content digest': each(decoded, (raw) => contentDigest(raw)),
  'store: claim + complete': each(
    () =>
      verified().map((callback) => ({
        key: validate(callback, 'stream_create')?.key ?? '',
        signature: callback.signatureId,
        digest: contentDigest(callback.raw),
      })),
    ({ key, signature, digest }) => record(key, signature, digest),
  ),
  'the stages one after another': each(bodies, (text) => {
    const raw = decodeBody(text, 'json')
    const callback = verifyCallback(raw, settings)
    record(validate(callback, 'stream_create')?.key ?? '', callback.signatureId, contentDigest(raw))
  }),
  'receive()': () => {
    const texts = bodies()
    return async () => {
      for (const body of texts) {
        const answer = await receiver.receive({ method: 'POST', contentType: 'application/json', body })
        if (answer.status !== 200) throw new Error(`answered ${answer.status}`)
      }
    }
  },
}

const times: Record<string, number[]> = Object.fromEntries(Object.keys(stages).map((name) => [name, []]))
for (let round = -1; round < rounds; round++) {
  for (const [name, prepare] of Object.entries(stages)) {
    const run = prepare()
    const start = process.hrtime.bigint()
    await run()
    // Round -1 warms up.
    if (round >= 0) times[name]?.push(Number(process.hrtime.bigint() - start) / iterations / 1000)
  }
}

const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number
const parse = median(times['JSON.parse'] as number[])
console.log(`node ${process.version}, source (tsx), ${iterations} distinct stream_create callbacks x ${rounds} rounds per stage, medians\n`)
let sum = 0
for (const [name, list] of Object.entries(times)) {
  const us = median(list)
  if (name !== 'JSON.parse' && name !== 'receive()' && name !== 'the stages one after another') sum += us
  if (name === 'the stages one after another') console.log(`${'the stages added up'.padEnd(32)} ${sum.toFixed(2).padStart(6)} us  ${(sum / parse).toFixed(2).padStart(5)}x JSON.parse`)
  console.log(`${name.padEnd(32)} ${us.toFixed(2).padStart(6)} us  ${(us / parse).toFixed(2).padStart(5)}x JSON.parse`)
}
