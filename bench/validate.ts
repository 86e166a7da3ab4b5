// Microseconds per callback for the decode and validate stages, per modeled event, on ZEGO's own
// example bodies (test/fixtures, each with a distinct nonce): superstruct's runner against the
// compiled validation, and the hand-written lossless parser against decodeBody's native path and a
// bare JSON.parse; and the content digest against a sha256 of the body text alone (its floor). Variants
// alternate in rounds within one process, so the ratios are comparable.
// Run: npm run bench:validate [iterations]
import { hash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { decodeBody } from '../src/body.js'
import { contentDigest } from '../src/delivery/keys.js'
import { schemaPathOf } from '../src/events/define.js'
import { eventDefinitions } from '../src/events/registry.js'
import { parseJsonByHand } from '../src/json.js'
import type { RawPayload } from '../src/raw.js'

const iterations = Number(process.argv[2] ?? 20_000)
const rounds = 5
const perRound = Math.ceil(iterations / rounds)

/** ZEGO's example of `zegoEvent` as one-line JSON text (bare numbers kept), `count` times with distinct nonces. */
function bodiesOf(product: string, zegoEvent: string, count: number): string[] {
  // RTC's examples are named for the event; other products' are in other-products/.
  const file = product === 'rtc' ? zegoEvent : `other-products/${product}-${zegoEvent.replaceAll('_', '-')}`
  const text = readFileSync(new URL(`../test/fixtures/${file}.json`, import.meta.url), 'utf8').replace(/\n\s*/g, '')
  const nonce = /("nonce":\s*)"?\d+"?/
  if (!nonce.test(text)) throw new Error(`no nonce in the ${file} example`)
  return Array.from({ length: count }, (_, i) => text.replace(nonce, `$1"${7254119327986670314n + BigInt(i)}"`))
}

type Variant = (i: number) => unknown

/** Mean microseconds per call of each variant, the variants taking turns in `rounds` rounds. */
function measure(variants: Record<string, Variant>): Record<string, number> {
  const total: Record<string, bigint> = Object.fromEntries(Object.keys(variants).map((name) => [name, 0n]))
  for (const run of Object.values(variants)) for (let i = 0; i < perRound; i++) run(i)
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const start = process.hrtime.bigint()
      for (let i = 0; i < perRound; i++) run(i)
      total[name]! += process.hrtime.bigint() - start
    }
  }
  return Object.fromEntries(Object.entries(total).map(([name, ns]) => [name, Number(ns) / (rounds * perRound) / 1000]))
}

const us = (value: number): string => value.toFixed(2).padStart(7)
const times = (value: number): string => `${value.toFixed(1)}x`.padStart(6)

console.log(`node ${process.version}, ${rounds * perRound} callbacks per variant in ${rounds} alternating rounds, source (tsx)\n`)
console.log('validate (us per payload)              | decode JSON text (us per body)                 | decode + validate     | content digest (us)')
console.log('event          superstruct compiled      | JSON.parse  hand parser decodeBody  vs JSON.parse | us      vs JSON.parse | digest  sha256 of body')
for (const definition of eventDefinitions) {
  const schemaPath = schemaPathOf(definition)
  if (schemaPath === undefined) throw new Error(`${definition.name} was not made by defineEvent`)
  const bodies = bodiesOf(definition.product, definition.zegoEvent, perRound)
  const raws = bodies.map((body) => decodeBody(body, 'json'))
  const raw = (i: number): RawPayload => raws[i] as RawPayload
  const body = (i: number): string => bodies[i] as string
  const result = measure({
    superstruct: (i) => schemaPath.parse(raw(i)),
    compiled: (i) => definition.parse(raw(i)),
    'JSON.parse': (i) => JSON.parse(body(i)),
    hand: (i) => parseJsonByHand(body(i)),
    decodeBody: (i) => decodeBody(body(i), 'json'),
    both: (i) => definition.parse(decodeBody(body(i), 'json')),
    digest: (i) => contentDigest(raw(i)),
    sha256: (i) => hash('sha256', body(i), 'base64url'),
  })
  const parse = result['JSON.parse']!
  console.log(
    `${definition.zegoEvent.padEnd(14)} ${us(result.superstruct!)}    ${us(result.compiled!)}      | ${us(parse)}    ${us(result.hand!)}    ${us(result.decodeBody!)}     ${times(result.decodeBody! / parse)}    | ${us(result.both!)}  ${times(result.both! / parse)}   | ${us(result.digest!)} ${us(result.sha256!)}`,
  )
}
