// Hostile input, as property tests: whatever a caller sends (random or mutated bodies, headers,
// content types, methods, bodies that stall or never end), the receiver answers 4xx, never 5xx,
// never throws, never hangs, never pollutes a prototype, and never hands a listener a callback
// without a valid signature. Most properties run against the framework-free core; one runs random
// hostile requests over real HTTP through every framework adapter.
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventDefinitions } from '../src/events/registry.js'
import {
  statusByReason,
  ZegoReceiver,
  type CallbackRequest,
  type CallbackResponse,
  type RawPayload,
  type RejectedEvent,
  type ZegoCallbacksOptions,
} from '../src/index.js'
import { MAX_DEPTH } from '../src/raw.js'
import { DISCARD_LIMIT } from '../src/read-body.js'
import { createCallback, signCallback, zegoExamples, type CallbackPayload } from '../src/testing/index.js'
import { frameworks, type Mount } from './support/frameworks.js'

const secret = 'hostile-property-secret'
const clock = 1_700_000_000_000
const nowSeconds = clock / 1000
const toleranceSeconds = 300

/** ZEGO's names of the modeled events and our listener names for them. */
const modeled = eventDefinitions.map((definition) => ({ name: definition.name, zegoEvent: definition.zegoEvent }))
const modeledByZegoName = new Map(modeled.map((entry) => [entry.zegoEvent, entry.name]))
/** Every event that delivers a callback: `callback` and each modeled event. */
const deliveringEvents: string[] = ['callback', ...modeled.map((entry) => entry.name)]
const exampleEvents = Object.keys(zegoExamples)
/** ZEGO's example events, plus one this version does not model. */
const eventArb = fc.constantFrom(...exampleEvents, 'some_unmodeled_event')

// ---------------------------------------------------------------------------------------------
// Prototype pollution: a snapshot of the built-in prototypes, checked after every run.
// ---------------------------------------------------------------------------------------------

const watchedPrototypes = [Object.prototype, Array.prototype, Function.prototype, String.prototype] as const
const prototypeBaseline = watchedPrototypes.map(
  (proto) => new Map(Reflect.ownKeys(proto).map((key) => [key, Object.getOwnPropertyDescriptor(proto, key)])),
)

/** What changed on the built-in prototypes since the test file loaded (empty when nothing did). */
function pollution(): string[] {
  const found: string[] = []
  const probe = {} as Record<string, unknown>
  if (probe['polluted'] !== undefined) found.push(`({}).polluted is ${String(probe['polluted'])}`)
  if (Object.getPrototypeOf(probe) !== Object.prototype) found.push('{} lost Object.prototype')
  if (Object.getPrototypeOf([]) !== Array.prototype) found.push('[] lost Array.prototype')
  watchedPrototypes.forEach((proto, i) => {
    const baseline = prototypeBaseline[i]!
    const keys = Reflect.ownKeys(proto)
    for (const key of keys) if (!baseline.has(key)) found.push(`new key ${String(key)} on prototype #${i}`)
    for (const [key, before] of baseline) {
      const now = Object.getOwnPropertyDescriptor(proto, key)
      if (now?.value !== before?.value || now?.get !== before?.get || now?.set !== before?.set) {
        found.push(`${String(key)} changed on prototype #${i}`)
      }
    }
  })
  return found
}

function expectNoPollution(): void {
  expect(pollution()).toEqual([])
}

/** Paths of objects reachable from `value` whose prototype is neither Object.prototype nor Array.prototype. */
function oddPrototypes(value: unknown): string[] {
  const odd: string[] = []
  const pending: Array<[unknown, string]> = [[value, '$']]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, path] = next
    if (typeof item !== 'object' || item === null) continue
    const proto: unknown = Object.getPrototypeOf(item)
    if (proto !== Object.prototype && proto !== Array.prototype) odd.push(path)
    for (const key of Object.keys(item)) pending.push([Object.getOwnPropertyDescriptor(item, key)?.value, `${path}.${key}`])
  }
  return odd
}

// ---------------------------------------------------------------------------------------------
// The harness: a fresh receiver per run, listeners on every delivering event, answers bounded.
// ---------------------------------------------------------------------------------------------

interface Delivery {
  name: string
  payload: unknown
}

interface Harness {
  receiver: ZegoReceiver
  delivered: Delivery[]
  rejected: RejectedEvent[]
}

function harness(options: ZegoCallbacksOptions = {}): Harness {
  const receiver = new ZegoReceiver({ secret, now: () => clock, ...options })
  const delivered: Delivery[] = []
  const rejected: RejectedEvent[] = []
  for (const name of deliveringEvents) {
    receiver.on(name as 'callback', (payload: unknown) => {
      delivered.push({ name, payload })
    })
  }
  receiver.on('rejected', (event) => {
    rejected.push(event)
  })
  return { receiver, delivered, rejected }
}

/** Resolves with `promise`, or fails when it has not settled after `ms` (a hang, not a slowness check). */
async function bounded<T>(promise: Promise<T>, what: string, ms = 8_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms (a hang)`)), ms)
  })
  try {
    return await Promise.race([promise, hang])
  } finally {
    clearTimeout(timer)
  }
}

/** The receiver's answer; a rejected promise or a hang fails the property. */
function receive(h: Harness, request: CallbackRequest): Promise<CallbackResponse> {
  return bounded(h.receiver.receive(request), 'receive()')
}

function summary(answer: CallbackResponse): string {
  return JSON.stringify(answer).slice(0, 300)
}

/** A 4xx answer whose reason matches its status, no listener reached, one `rejected`, no pollution. */
function expectRefused(h: Harness, answer: CallbackResponse, statuses?: readonly number[]): void {
  expect(answer.status, summary(answer)).toBeGreaterThanOrEqual(400)
  expect(answer.status, summary(answer)).toBeLessThan(500)
  if (statuses !== undefined) expect(statuses, summary(answer)).toContain(answer.status)
  expect(answer.body.ok).toBe(false)
  if (!answer.body.ok) expect(statusByReason[answer.body.reason]).toBe(answer.status)
  expect(h.delivered.map((delivery) => delivery.name)).toEqual([])
  expect(h.rejected.map((event) => event.status)).toEqual([answer.status])
  expectNoPollution()
}

function reasonOf(answer: CallbackResponse): string | undefined {
  return answer.body.ok ? undefined : answer.body.reason
}

/** Reads a common field as ZEGO's products send it: the snake_case name, else the PascalCase one. */
function commonOf(raw: RawPayload, snake: string, pascal: string): unknown {
  if (Object.hasOwn(raw, snake)) return raw[snake]
  return Object.hasOwn(raw, pascal) ? raw[pascal] : undefined
}

/** An independent check that a delivered payload carries a valid, fresh signature of this secret. */
function hasValidSignature(raw: RawPayload): boolean {
  const timestamp = commonOf(raw, 'timestamp', 'Timestamp')
  const nonce = commonOf(raw, 'nonce', 'Nonce')
  const signature = commonOf(raw, 'signature', 'Signature')
  if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string') return false
  const expected = createHash('sha1').update([secret, timestamp, nonce].sort().join(''), 'utf8').digest('hex')
  return (
    signature.toLowerCase() === expected &&
    /^\d{1,12}$/.test(timestamp) &&
    Math.abs(Number(timestamp) - nowSeconds) <= toleranceSeconds
  )
}

/**
 * A 200 that delivered exactly one callback named `event` (and its modeled event, if any), with a
 * valid signature, plain prototypes and no pollution. Returns the raw payload.
 */
function expectDelivered(h: Harness, answer: CallbackResponse, event: string): RawPayload {
  expect(answer.status, summary(answer)).toBe(200)
  expect(answer.body.ok).toBe(true)
  const modeledName = modeledByZegoName.get(event)
  expect(h.delivered.map((delivery) => delivery.name).sort()).toEqual(
    ['callback', ...(modeledName === undefined ? [] : [modeledName])].sort(),
  )
  const callback = h.delivered.find((delivery) => delivery.name === 'callback')?.payload as
    | { event: string; raw: RawPayload }
    | undefined
  expect(callback?.event).toBe(event)
  const raw = callback!.raw
  expect(hasValidSignature(raw)).toBe(true)
  for (const delivery of h.delivered) {
    expect(Object.getPrototypeOf(delivery.payload)).toBe(Object.prototype)
    expect(oddPrototypes(delivery.payload)).toEqual([])
  }
  expectNoPollution()
  return raw
}

// ---------------------------------------------------------------------------------------------
// Bodies: signed callbacks as JSON or form entries, so tests can change them field by field.
// ---------------------------------------------------------------------------------------------

type Format = 'json' | 'form'
/** A JSON entry: the key and its value as JSON text. */
type JsonEntry = [key: string, json: string]
/** A form entry: the key and its (decoded) value. */
type FormEntry = [key: string, value: string]

const jsonTypes = ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"', 'application/vnd.zego+json']
const formTypes = ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8']
const contentTypeOf = (format: Format, pick: number): string => {
  const types = format === 'json' ? jsonTypes : formTypes
  return types[pick % types.length]!
}

/** A correctly signed callback for our fixed clock, with a fresh random nonce. */
function signed(event: string, fields: Record<string, string | undefined> = {}): CallbackPayload {
  return createCallback(event, fields, { secret, timestamp: nowSeconds })
}

function jsonEntries(payload: CallbackPayload): JsonEntry[] {
  return Object.entries(payload).map(([key, value]) => [key, typeof value === 'bigint' ? value.toString() : JSON.stringify(value)])
}

function jsonText(entries: readonly JsonEntry[]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`
}

function formEntries(payload: CallbackPayload): FormEntry[] {
  return Object.entries(payload).flatMap(([key, value]): FormEntry[] =>
    Array.isArray(value) ? value.map((item): FormEntry => [key, item]) : [[key, value === null ? '' : String(value)]],
  )
}

function formText(entries: readonly FormEntry[]): string {
  const params = new URLSearchParams()
  for (const [key, value] of entries) params.append(key, value)
  return params.toString()
}

function encode(payload: CallbackPayload, format: Format): string {
  return format === 'json' ? jsonText(jsonEntries(payload)) : formText(formEntries(payload))
}

/** Splits `bytes` into chunks at the given cut points (taken modulo the length). */
function chunksOf(bytes: Uint8Array, cuts: readonly number[]): Buffer[] {
  const buffer = Buffer.from(bytes)
  if (buffer.length === 0) return []
  const points = [...new Set(cuts.map((cut) => cut % buffer.length))].filter((cut) => cut > 0).sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let start = 0
  for (const point of [...points, buffer.length]) {
    chunks.push(buffer.subarray(start, point))
    start = point
  }
  return chunks
}

/** A byte stream that hands out `chunks` one per read, on later turns of the event loop, then ends. */
function streamOf(chunks: readonly Buffer[], ending: 'end' | 'destroy' | 'error' = 'end'): Readable {
  let next = 0
  const stream = new Readable({
    read() {
      setImmediate(() => {
        if (this.destroyed) return
        const chunk = chunks[next++]
        if (chunk !== undefined) this.push(chunk)
        else if (ending === 'end') this.push(null)
        else if (ending === 'destroy') this.destroy()
        else this.destroy(new Error('the client went away'))
      })
    },
  })
  // The receiver listens for errors while reading; this keeps a late one from being unhandled.
  stream.on('error', () => {})
  return stream
}

/** How a test hands the body over: as text, as bytes, or as a stream cut into chunks. */
type Transport = { kind: 'text' } | { kind: 'bytes' } | { kind: 'stream'; cuts: number[] }

const transportArb: fc.Arbitrary<Transport> = fc.oneof(
  fc.constant<Transport>({ kind: 'text' }),
  fc.constant<Transport>({ kind: 'bytes' }),
  fc.record({ kind: fc.constant('stream' as const), cuts: fc.array(fc.nat(), { maxLength: 6 }) }),
)

function requestFor(body: string | Uint8Array, contentType: string | undefined, transport: Transport): CallbackRequest {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)
  if (transport.kind === 'stream') {
    return { method: 'POST', contentType, contentLength: String(bytes.length), stream: streamOf(chunksOf(bytes, transport.cuts)) }
  }
  if (transport.kind === 'text' && typeof body === 'string') return { method: 'POST', contentType, body }
  return { method: 'POST', contentType, body: bytes }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries for hostile input.
// ---------------------------------------------------------------------------------------------

const hexArb = (length: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length })

const methodArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('POST') },
  { weight: 2, arbitrary: fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'post', 'pOsT') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
)

const mediaArb = fc.constantFrom(
  'application/json',
  'APPLICATION/JSON',
  ' application/json ',
  'application/x-www-form-urlencoded',
  'application/problem+json',
  'application/vnd.zego.callback+json',
  'application/jsonx',
  'application/json+x',
  'text/json',
  'text/plain',
  'multipart/form-data',
  'application/octet-stream',
  'application/x-www-form-urlencoded+json',
  '*/*',
  '',
)
const paramArb = fc.oneof(
  fc.constantFrom(
    'charset=utf-8',
    'charset=UTF-8',
    'charset="utf-8"',
    'charset=utf8',
    'charset=latin1',
    'charset=iso-8859-1',
    'charset=utf-16le',
    'charset=us-ascii',
    'charset=',
    'charset',
    'charset=utf-8=x',
    'charset="utf-8',
    'boundary=----x',
    'q=0.5',
    '=',
    '',
    'charset=\u00e9',
  ),
  fc.string({ maxLength: 16 }),
)
const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.tuple(mediaArb, fc.array(paramArb, { maxLength: 3 })).map(([media, params]) => [media, ...params].join(';')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
)

/** A payload that looks like a callback: the common fields present with plausible or odd values. */
const lookalikeArb: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    fc.record(
      {
        event: fc.oneof(eventArb, fc.string({ maxLength: 12 })),
        appid: fc.oneof(fc.constantFrom('1', '111111'), fc.string({ maxLength: 8 })),
        timestamp: fc.oneof(
          fc.constant(String(nowSeconds)),
          fc.integer({ min: nowSeconds - 1000, max: nowSeconds + 1000 }).map(String),
          fc.string({ maxLength: 12 }),
        ),
        nonce: fc.oneof(fc.bigInt({ min: 10n ** 18n, max: 10n ** 19n - 1n }).map(String), fc.string({ maxLength: 20 })),
        signature: fc.oneof(hexArb(40), fc.string({ maxLength: 44 })),
        Signature: hexArb(40),
      },
      { requiredKeys: ['timestamp', 'nonce', 'signature'] },
    ),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 12 }), { maxKeys: 4 }),
  )
  .map(([common, extra]) => ({ ...extra, ...common }))

/** A form body written by hand: raw keys and values, so `%`, `+`, `&` and `=` appear unescaped. */
const rawFormArb = fc
  .array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 14 })), { maxLength: 8 })
  .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&'))

const bodyTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value) ?? ''),
  lookalikeArb.map((payload) => JSON.stringify(payload)),
  lookalikeArb.map((payload) => new URLSearchParams(payload).toString()),
  rawFormArb,
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
)
const bodyArb: fc.Arbitrary<string | Uint8Array> = fc.oneof(bodyTextArb, fc.uint8Array({ maxLength: 400 }))

const invalidUtf8: number[][] = [
  [0xc0, 0xaf], // overlong '/'
  [0xc1, 0xbf], // overlong
  [0xe0, 0x80, 0xaf], // overlong, 3 bytes
  [0xf0, 0x80, 0x80, 0xaf], // overlong, 4 bytes
  [0xed, 0xa0, 0x80], // lone high surrogate U+D800, encoded
  [0xed, 0xbf, 0xbf], // lone low surrogate U+DFFF, encoded
  [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], // a surrogate pair encoded as two 3-byte sequences (CESU-8)
  [0xe2, 0x82], // truncated 3-byte sequence
  [0xf0, 0x9f, 0x98], // truncated 4-byte sequence
  [0xc3], // truncated 2-byte sequence
  [0x80], // continuation byte without a lead
  [0xbf, 0xbf],
  [0xfe],
  [0xff],
  [0xf5, 0x80, 0x80, 0x80], // lead byte beyond U+10FFFF
  [0xf4, 0x90, 0x80, 0x80], // U+110000
]

const validUtf8: number[][] = [
  [0xc3, 0xa9], // é
  [0xe2, 0x82, 0xac], // €
  [0xf0, 0x9f, 0x98, 0x80], // 😀
  [0xef, 0xbf, 0xbd], // U+FFFD
  [0xf4, 0x8f, 0xbf, 0xbf], // U+10FFFF
]

// ---------------------------------------------------------------------------------------------
// The core receiver.
// ---------------------------------------------------------------------------------------------

describe('hostile requests to the core receiver (ZegoReceiver.receive)', () => {
  it('random bodies (bytes, JSON values, form strings) with random content types and methods get 4xx and reach no listener', async () => {
    await fc.assert(
      fc.asyncProperty(
        methodArb,
        contentTypeArb,
        bodyArb,
        fc.oneof(
          fc.constantFrom('text', 'bytes'),
          fc.record({
            cuts: fc.array(fc.nat(), { maxLength: 5 }),
            declared: fc.oneof(
              fc.constantFrom('exact', 'none', 'number', '-1', '0', '', '1e3', '0x10', 'Infinity'),
              fc.string({ maxLength: 8 }),
            ),
            ending: fc.constantFrom('end', 'end', 'destroy', 'error'),
          }),
        ),
        async (method, contentType, body, transport) => {
          const h = harness()
          const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)
          let request: CallbackRequest
          if (transport === 'text') request = { method, contentType, body: typeof body === 'string' ? body : bytes.toString('latin1') }
          else if (transport === 'bytes') request = { method, contentType, body: bytes }
          else {
            const contentLength =
              transport.declared === 'exact'
                ? String(bytes.length)
                : transport.declared === 'number'
                  ? bytes.length
                  : transport.declared === 'none'
                    ? undefined
                    : transport.declared
            request = { method, contentType, contentLength, stream: streamOf(chunksOf(bytes, transport.cuts), transport.ending) }
          }
          const answer = await receive(h, request)
          expectRefused(h, answer)
          if (method.toUpperCase() !== 'POST') expect(answer.status).toBe(405)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('flipping, dropping or duplicating one byte of a signed callback never delivers it without a valid signature', async () => {
    const triple = ['timestamp', 'nonce', 'signature'] as const
    await fc.assert(
      fc.asyncProperty(
        eventArb,
        fc.constantFrom<Format>('json', 'form'),
        fc.nat(),
        fc.record({
          kind: fc.constantFrom('flip', 'drop', 'duplicate'),
          // Three mutations in four land in the timestamp, nonce or signature value itself.
          region: fc.constantFrom('anywhere', ...triple),
          at: fc.nat(),
          // 0x20 flips the case of a letter: the one change a (case-insensitive) signature survives.
          xor: fc.oneof({ weight: 1, arbitrary: fc.constant(0x20) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 255 }) }),
        }),
        async (event, format, typePick, mutation) => {
          const body = Buffer.from(encode(signed(event), format), 'utf8')
          // Where each signed value sits in the body (its characters, without quotes).
          const spans = Object.fromEntries(triple.map((key) => [key, valueSpan(body, key, format)]))
          const span = mutation.region === 'anywhere' ? ([0, body.length] as const) : spans[mutation.region]!
          const index = span[0] + (mutation.at % (span[1] - span[0]))
          const mutated = mutateByte(body, mutation.kind, index, mutation.xor)
          const h = harness()
          const answer = await receive(h, { method: 'POST', contentType: contentTypeOf(format, typePick), body: mutated })

          // Never 5xx; a 2xx only with a valid signature; a refusal reaches no listener.
          expect(answer.status, summary(answer)).toBeLessThan(500)
          if (answer.status !== 200) expectRefused(h, answer)
          else {
            const callback = h.delivered.find((delivery) => delivery.name === 'callback')?.payload as { raw: RawPayload }
            expect(callback).toBeDefined()
            expect(hasValidSignature(callback.raw)).toBe(true)
            expectNoPollution()
          }
          // A byte changed inside the timestamp, nonce or signature can only keep it valid when it
          // changes the case of a hex letter of the signature (signatures compare case-insensitively).
          const hit = triple.find((key) => index >= spans[key]![0] && index < spans[key]![1])
          if (hit !== undefined) {
            const original = String.fromCharCode(body[index]!)
            const caseOnly =
              hit === 'signature' &&
              mutation.kind === 'flip' &&
              /[a-f]/.test(original) &&
              String.fromCharCode(body[index]! ^ mutation.xor) === original.toUpperCase()
            if (caseOnly) expectDelivered(h, answer, event)
            else expectRefused(h, answer, [400, 401])
          }
        },
      ),
      { numRuns: 400 },
    )
  })

  it('changing the timestamp, nonce, signature, appid or event of a signed callback never delivers it unsigned', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventArb,
        fc.constantFrom<Format>('json', 'form'),
        fc.uniqueArray(fieldMutationArb, { minLength: 1, maxLength: 3, selector: (mutation) => mutation.field }),
        async (event, format, mutations) => {
          const payload = signed(event)
          const appid = String(payload['appid'])
          const h = harness({ appId: appid })
          const outcome = applyFieldMutations(payload, format, mutations)
          const answer = await receive(h, {
            method: 'POST',
            contentType: contentTypeOf(format, mutations.length),
            body: outcome.body,
          })
          // Checks run in order: decoding, then the signed triple, then the AppID, then the event.
          if (outcome.duplicateKey) {
            expectRefused(h, answer, [400])
            expect(reasonOf(answer)).toBe('invalid_body')
          } else if (outcome.tripleBroken) {
            expectRefused(h, answer, [401])
            expect(['missing_signature', 'bad_signature', 'stale_timestamp']).toContain(reasonOf(answer))
          } else if (!appIdAllowed(outcome.appid, appid)) {
            expectRefused(h, answer, [403])
            expect(reasonOf(answer)).toBe('forbidden_app')
          } else if (typeof outcome.event !== 'string' || outcome.event === '') {
            expectRefused(h, answer, [400])
            expect(reasonOf(answer)).toBe('invalid_body')
          } else if (answer.status === 400) {
            // The signature does not cover the body (README, security notes): a relabelled callback
            // with its triple intact is authentic; a modeled name whose fields do not fit is a 400.
            expect(modeledByZegoName.has(outcome.event)).toBe(true)
            expectRefused(h, answer, [400])
            expect(reasonOf(answer)).toBe('invalid_payload')
          } else {
            // ...and otherwise it is delivered under its new name only, with its valid signature.
            expectDelivered(h, answer, outcome.event)
          }
        },
      ),
      { numRuns: 400 },
    )
  })

  it(`JSON nested deeper than MAX_DEPTH (${MAX_DEPTH}), up to 100k levels, is refused 400 wherever it is`, async () => {
    // The limit itself: exactly MAX_DEPTH levels in a signed callback are delivered.
    for (const arrays of [true, false]) {
      const entries = jsonEntries(signed('some_unmodeled_event'))
      entries.push(['deep', nested(MAX_DEPTH - 1, [arrays])])
      const h = harness()
      const raw = expectDelivered(h, await receive(h, { method: 'POST', contentType: 'application/json', body: jsonText(entries) }), 'some_unmodeled_event')
      expect(depthOf(raw)).toBe(MAX_DEPTH)
    }
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 10, arbitrary: fc.integer({ min: MAX_DEPTH + 1, max: 400 }) },
          { weight: 1, arbitrary: fc.constantFrom(1_000, 100_000) },
        ),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('root', 'signed', 'signed-nested-object', 'signed-array-item'),
        fc.boolean(),
        fc.constantFrom<Transport>({ kind: 'text' }, { kind: 'stream', cuts: [1, 7, 4096] }),
        async (depth, shape, where, closed, transport) => {
          let body: string
          if (where === 'root') body = nested(depth, shape, closed)
          else {
            const entries = jsonEntries(signed('stream_create'))
            const inner =
              where === 'signed'
                ? nested(depth - 1, shape, closed)
                : where === 'signed-nested-object'
                  ? `{"a":1,"b":${nested(depth - 2, shape, closed)}}`
                  : `[1,"x",${nested(depth - 2, shape, closed)}]`
            entries.splice(3, 0, ['deep', inner])
            body = jsonText(entries)
          }
          const h = harness({ bodyLimit: 16 * 1024 * 1024 })
          const answer = await receive(h, requestFor(body, 'application/json', transport))
          expectRefused(h, answer, [400])
          expect(reasonOf(answer)).toBe('invalid_body')
          expect(h.rejected[0]?.message).toMatch(/nesting deeper than/)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('a JSON string field holding 100k levels of nesting (stream_attr) is delivered, not a crash', async () => {
    for (const attr of ['['.repeat(100_000) + ']'.repeat(100_000), '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), '['.repeat(100_000)]) {
      const h = harness()
      const answer = await receive(h, { method: 'POST', contentType: 'application/json', body: encode(signed('stream_create', { stream_attr: attr }), 'json') })
      expectDelivered(h, answer, 'stream_create')
    }
  })

  it('huge key counts (up to 200k keys within a large bodyLimit) are delivered when signed and refused otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 20_000, max: 200_000 }),
        fc.constantFrom('word', 'numeric', 'prototype-like'),
        fc.constantFrom('signed', 'unsigned', 'duplicate'),
        fc.constantFrom<Format>('json', 'form'),
        eventArb,
        fc.boolean(),
        async (count, keyStyle, variant, format, event, streamed) => {
          const payload = signed(event)
          if (variant === 'unsigned') payload['signature'] = createHash('sha1').update('forged').digest('hex')
          const keyOf = (i: number): string =>
            keyStyle === 'numeric' ? String(i) : keyStyle === 'word' ? `key_${i}` : `${['__proto__', 'constructor', 'prototype'][i % 3]}${i}`
          let body: string
          if (format === 'json') {
            const extra = Array.from({ length: count }, (_, i) => `${JSON.stringify(keyOf(i))}:"v"`)
            if (variant === 'duplicate') extra.push(`${JSON.stringify(keyOf(count - 1))}:"again"`)
            body = `${encode(payload, 'json').slice(0, -1)},${extra.join(',')}}`
          } else {
            const extra = Array.from({ length: count }, (_, i) => `${encodeURIComponent(keyOf(i))}=v`)
            if (variant === 'duplicate') extra.push('nonce=1')
            body = `${encode(payload, 'form')}&${extra.join('&')}`
          }
          const h = harness({ bodyLimit: 8 * 1024 * 1024 })
          const transport: Transport = streamed ? { kind: 'stream', cuts: [65_536, 1_000_000] } : { kind: 'text' }
          const answer = await receive(h, requestFor(body, contentTypeOf(format, count), transport))
          if (variant === 'signed') {
            const raw = expectDelivered(h, answer, event)
            expect(Object.keys(raw).length).toBe(Object.keys(payload).length + count)
          } else if (variant === 'unsigned') {
            expectRefused(h, answer, [401])
          } else {
            expectRefused(h, answer, format === 'json' ? [400] : [401])
          }
        },
      ),
      {
        numRuns: 6,
        examples: [[200_000, 'word', 'signed', 'json', 'stream_create', true]],
      },
    )
  })

  it('invalid UTF-8 anywhere in a signed body (overlong, encoded surrogates, truncated, stray bytes) is refused 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventArb,
        fc.constantFrom<Format>('json', 'form'),
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({
              valid: fc.constant(false),
              bytes: fc.constantFrom(...invalidUtf8),
              where: fc.constantFrom('extra-value', 'extra-key', 'known-value', 'start', 'end', 'percent-encoded'),
            }),
          },
          {
            // The control: the same places with valid multi-byte characters are delivered.
            weight: 1,
            arbitrary: fc.record({
              valid: fc.constant(true),
              bytes: fc.constantFrom(...validUtf8),
              where: fc.constantFrom('extra-value', 'extra-key', 'percent-encoded'),
            }),
          },
        ),
        fc.nat(),
        transportArb,
        async (event, format, sequence, pick, transport) => {
          const { where } = sequence
          const payload = signed(event)
          const marker = 'ZZMARKERZZ'
          let text: string
          if (format === 'json') {
            const entries = jsonEntries(payload)
            if (where === 'extra-value' || where === 'percent-encoded') entries.splice(pick % entries.length, 0, ['note', `"${marker}"`])
            if (where === 'extra-key') entries.splice(pick % entries.length, 0, [marker, '"x"'])
            if (where === 'known-value') {
              const strings = entries.filter(([, value]) => value.startsWith('"'))
              const target = strings[pick % strings.length]!
              target[1] = `"${marker}${target[1].slice(1)}`
            }
            text = jsonText(entries)
          } else {
            const entries = formEntries(payload)
            if (where === 'extra-value' || where === 'percent-encoded') entries.splice(pick % entries.length, 0, ['note', marker])
            if (where === 'extra-key') entries.splice(pick % entries.length, 0, [marker, 'x'])
            if (where === 'known-value') {
              const target = entries[pick % entries.length]!
              target[1] = `${marker}${target[1]}`
            }
            text = formText(entries)
          }
          if (where === 'start') text = `${marker}${text}`
          if (where === 'end') text = `${text}${marker}`
          // JSON never percent-decodes, so a percent-encoded sequence in JSON is just text: use raw bytes there.
          const insert =
            where === 'percent-encoded' && format === 'form'
              ? Buffer.from(sequence.bytes.map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join(''))
              : Buffer.from(sequence.bytes)
          const [before, after] = text.split(marker) as [string, string]
          const body = Buffer.concat([Buffer.from(before), insert, Buffer.from(after)])
          const h = harness()
          const answer = await receive(h, requestFor(body, contentTypeOf(format, pick), transport))
          if (sequence.valid) {
            const raw = expectDelivered(h, answer, event)
            const decoded = Buffer.from(sequence.bytes).toString('utf8')
            const note = where === 'extra-key' ? Object.keys(raw).find((key) => key.includes(decoded)) : raw['note']
            expect(note).toBe(decoded)
          } else {
            expectRefused(h, answer, [400])
            expect(reasonOf(answer)).toBe('invalid_body')
            expect(h.rejected[0]?.message).toMatch(
              where === 'percent-encoded' && format === 'form' ? /malformed escape/ : /not valid UTF-8/,
            )
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('duplicate keys in a signed JSON body are refused 400; a repeated timestamp, nonce or signature in a form is refused 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventArb,
        fc.constantFrom<Format>('json', 'form'),
        fc.record({
          target: fc.constantFrom('timestamp', 'nonce', 'signature', 'event', 'appid', 'any', '__proto__', 'nested'),
          pick: fc.nat(),
          at: fc.nat(),
          sameValue: fc.boolean(),
          escaped: fc.boolean(),
          brackets: fc.boolean(),
        }),
        async (event, format, dup) => {
          const payload = signed(event)
          const h = harness()
          if (format === 'form') {
            const entries = formEntries(payload)
            const key = ['timestamp', 'nonce', 'signature'][dup.pick % 3]!
            const original = entries.find(([name]) => name === key)!
            const value = dup.sameValue ? original[1] : `${original[1]}0`
            entries.splice(dup.at % (entries.length + 1), 0, [dup.brackets ? `${key}[]` : key, value])
            const answer = await receive(h, { method: 'POST', contentType: 'application/x-www-form-urlencoded', body: formText(entries) })
            expectRefused(h, answer, [401])
            expect(reasonOf(answer)).toBe('bad_signature')
            return
          }
          const entries = jsonEntries(payload)
          let members: string[]
          if (dup.target === 'nested') {
            const key = JSON.stringify(['a', '__proto__', 'constructor'][dup.pick % 3]!)
            entries.splice(dup.at % (entries.length + 1), 0, ['extra', `{${key}:1,"b":2,${key}:3}`])
            members = splitTopLevel(jsonText(entries).slice(1, -1))
          } else {
            if (dup.target === '__proto__') entries.push(['__proto__', '{"polluted":"first"}'])
            const key = dup.target === 'any' ? entries[dup.pick % entries.length]![0] : dup.target
            const original = entries.find(([name]) => name === key)!
            const value = dup.sameValue ? original[1] : JSON.stringify(`other-${dup.pick}`)
            // The same key spelled with an escape is the same key once decoded.
            const spelled = dup.escaped
              ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(key).slice(2)}`
              : JSON.stringify(key)
            members = splitTopLevel(jsonText(entries).slice(1, -1))
            members.splice(dup.at % (members.length + 1), 0, `${spelled}:${value}`)
          }
          const answer = await receive(h, { method: 'POST', contentType: 'application/json', body: `{${members.join(',')}}` })
          expectRefused(h, answer, [400])
          expect(reasonOf(answer)).toBe('invalid_body')
          expect(h.rejected[0]?.message).toMatch(/duplicate key/)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('__proto__, constructor and prototype keys anywhere never pollute a prototype, signed or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventArb,
        fc.constantFrom<Format>('json', 'form'),
        fc.uniqueArray(fc.tuple(dangerousKeyArb, pollutingTreeArb), { minLength: 1, maxLength: 5, selector: ([key]) => key }),
        fc.constantFrom('signed', 'bad-signature', 'triple-hidden-in-proto', 'escaped-keys'),
        fc.nat(),
        async (event, format, extras, variant, at) => {
          const payload = signed(event)
          if (variant === 'bad-signature') payload['signature'] = createHash('sha1').update('forged').digest('hex')
          const h = harness()
          let body: string
          if (format === 'json') {
            let entries = jsonEntries(payload)
            if (variant === 'triple-hidden-in-proto') {
              // The valid triple only under __proto__ / constructor.prototype: never an own field.
              const hidden = jsonText(entries.filter(([key]) => ['timestamp', 'nonce', 'signature'].includes(key)))
              entries = entries.filter(([key]) => !['timestamp', 'nonce', 'signature'].includes(key))
              entries.push(['__proto__', hidden], ['constructor', `{"prototype":${hidden}}`])
            }
            for (const [key, value] of extras) {
              if (entries.some(([name]) => name === key)) continue
              entries.splice(at % (entries.length + 1), 0, [key, value])
            }
            body = jsonText(entries)
            if (variant === 'escaped-keys') body = body.replaceAll('"__proto__"', '"\\u005f_proto\\u005f_"').replaceAll('"constructor"', '"\\u0063onstructor"')
          } else {
            let entries = formEntries(payload)
            if (variant === 'triple-hidden-in-proto') {
              const hidden = entries.filter(([key]) => ['timestamp', 'nonce', 'signature'].includes(key))
              entries = entries.filter(([key]) => !['timestamp', 'nonce', 'signature'].includes(key))
              entries.push(...hidden.map(([key, value]): FormEntry => [`__proto__[${key}]`, value]))
              entries.push(...hidden.map(([key, value]): FormEntry => [`constructor[prototype][${key}]`, value]))
            }
            for (const [key] of extras) {
              entries.splice(at % (entries.length + 1), 0, [key, 'polluted'], [`${key}[]`, 'x'], [`${key}[polluted]`, 'yes'])
            }
            body = formText(entries)
            if (variant === 'escaped-keys') body = body.replaceAll('__proto__', '%5F%5Fproto%5F%5F')
          }
          const answer = await receive(h, { method: 'POST', contentType: contentTypeOf(format, at), body })
          if (variant === 'bad-signature') expectRefused(h, answer, [401])
          else if (variant === 'triple-hidden-in-proto') {
            expectRefused(h, answer, [401])
            expect(reasonOf(answer)).toBe('missing_signature')
          } else {
            const raw = expectDelivered(h, answer, event)
            for (const [key] of extras) {
              expect(Object.getOwnPropertyDescriptor(raw, key), key).toBeDefined()
            }
            // Normalized events hold only their documented fields.
            for (const delivery of h.delivered) {
              if (delivery.name === 'callback') continue
              for (const [key] of extras) expect(Object.hasOwn(delivery.payload as object, key), key).toBe(false)
            }
          }
          expectNoPollution()
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a body that stops arriving (stalled or trickling forever) is cut off by bodyTimeoutMs with 408', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          eventArb.map((event) => encode(signed(event), 'json')),
          bodyTextArb,
        ),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.constantFrom('stall', 'trickle'),
        fc.constantFrom('declared', 'none', 'declared-short'),
        async (text, cut, cuts, kind, declared) => {
          const body = Buffer.from(text)
          const prefix = body.subarray(0, cut % (body.length + 1))
          const source = stallingSource(chunksOf(prefix, cuts), kind === 'trickle')
          const h = harness({ bodyTimeoutMs: 50 })
          try {
            const answer = await receive(h, {
              method: 'POST',
              contentType: 'application/json',
              contentLength: declared === 'declared' ? body.length + 1 : declared === 'declared-short' ? prefix.length : undefined,
              stream: source,
            })
            expectRefused(h, answer, [408])
            expect(reasonOf(answer)).toBe('body_timeout')
            expect(answer.headers['Connection']).toBe('close')
          } finally {
            source.destroy()
          }
        },
      ),
      { numRuns: 20 },
    )
  })

  it('a body far over the limit is refused 413 after pulling at most the limit and a few chunks (socket-like source)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1_024, max: 256 * 1024 }),
        fc.integer({ min: 512, max: 64 * 1024 }),
        fc.integer({ min: 4, max: 64 }),
        fc.constantFrom('none', 'declared', 'declared-small', 'garbage'),
        async (limit, chunk, megabytes, declared) => {
          const total = megabytes * 1024 * 1024
          const source = lazySource(total, chunk, 'async')
          const h = harness({ bodyLimit: limit })
          try {
            const answer = await receive(h, {
              method: 'POST',
              contentType: 'application/json',
              contentLength: declared === 'declared' ? total : declared === 'declared-small' ? '10' : declared === 'garbage' ? 'lots' : undefined,
              stream: source.stream,
            })
            // What was pulled from the source when the answer was ready: the limit and a few chunks at most.
            const pulledAtAnswer = source.pulled()
            expectRefused(h, answer, [413])
            expect(reasonOf(answer)).toBe('body_too_large')
            expect(answer.headers['Connection']).toBe('close')
            expect(pulledAtAnswer).toBeLessThanOrEqual(limit + 4 * Math.max(chunk, 16 * 1024))
            if (declared === 'declared') expect(pulledAtAnswer).toBeLessThanOrEqual(4 * Math.max(chunk, 16 * 1024))
            // Nothing is piling up inside the stream either.
            expect(source.stream.readableLength).toBeLessThanOrEqual(2 * Math.max(chunk, 16 * 1024))
          } finally {
            // What an HTTP server does after a `Connection: close` answer.
            source.stream.destroy()
          }
        },
      ),
      { numRuns: 30 },
    )
  })

  // Was a bug: readBody() resumed the stream on refusal to drain it, and a source that pushes
  // synchronously was pulled to its end (all 64 MiB; an endless one never answered). Now at most
  // DISCARD_LIMIT more bytes are read and thrown away, then the stream is destroyed.
  it('a synchronous lazy source far over the limit is not pulled to its end (declared Content-Length and chunked)', async () => {
    const limit = 64 * 1024
    const chunk = 64 * 1024
    const total = 64 * 1024 * 1024
    const pulled: Record<string, number> = {}
    for (const declared of ['chunked', 'declared'] as const) {
      const source = lazySource(total, chunk, 'sync')
      const h = harness({ bodyLimit: limit })
      try {
        const answer = await receive(h, {
          method: 'POST',
          contentType: 'application/json',
          contentLength: declared === 'declared' ? total : undefined,
          stream: source.stream,
        })
        expectRefused(h, answer, [413])
        await new Promise((resolve) => setImmediate(resolve))
        pulled[declared] = source.pulled()
      } finally {
        source.stream.destroy()
      }
    }
    expect.soft(pulled['chunked'], 'bytes pulled without a Content-Length').toBeLessThanOrEqual(limit + DISCARD_LIMIT + 4 * chunk)
    expect.soft(pulled['declared'], 'bytes pulled with a Content-Length over the limit').toBeLessThanOrEqual(DISCARD_LIMIT + 4 * chunk)
  })

  // Was a bug: a request stream already destroyed when receive() ran (the client aborted while an
  // earlier async middleware ran) was answered 500 body_unavailable, "mount zego-callbacks before
  // body parsers", instead of 400 request_aborted.
  it('a request whose stream the client already aborted is refused 400 request_aborted, not 500', async () => {
    for (const reason of [undefined, new Error('aborted')]) {
      const stream = new Readable({ read() {} })
      stream.on('error', () => {})
      stream.push('{"event":"stream_cre')
      stream.destroy(reason)
      const h = harness()
      const answer = await receive(h, { method: 'POST', contentType: 'application/json', contentLength: 100, stream })
      expectRefused(h, answer, [400])
      expect(answer.body).toMatchObject({ reason: 'request_aborted' })
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Over real HTTP, through every framework adapter.
// ---------------------------------------------------------------------------------------------

interface Served {
  name: string
  mount: 'use' | 'route'
  port: number
  server: Server
  sockets: Set<Socket>
  delivered: Delivery[]
}

async function serve(framework: (typeof frameworks)[number], mount: Mount, options: ZegoCallbacksOptions): Promise<Served> {
  const { server: handler, zego } = framework.build(options, mount)
  const delivered: Delivery[] = []
  for (const name of deliveringEvents) {
    zego.on(name as 'callback', (payload: unknown) => {
      delivered.push({ name, payload })
    })
  }
  const server = createServer(handler)
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    name: framework.name,
    mount: mount.route ? 'route' : 'use',
    port: (server.address() as AddressInfo).port,
    server,
    sockets,
    delivered,
  }
}

/** Sends raw request bytes in one write and reads the answer until the server closes the connection. */
function rawExchange(port: number, request: Buffer): Promise<{ status: number; text: string }> {
  return bounded(
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1')
      const received: Buffer[] = []
      socket.on('data', (data) => received.push(data))
      socket.on('error', reject)
      socket.on('close', () => {
        const text = Buffer.concat(received).toString('latin1')
        const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)
        if (status) resolve({ status: Number(status[1]), text })
        else reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`))
      })
      socket.write(request)
    }),
    'HTTP exchange',
  )
}

function httpRequest(
  method: string,
  path: string,
  headers: Record<string, string | undefined>,
  body: Buffer,
  framing: { chunked: boolean; cuts: readonly number[] },
): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close']
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) lines.push(`${name}: ${value}`)
  if (!framing.chunked) {
    lines.push(`Content-Length: ${body.length}`)
    return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body])
  }
  lines.push('Transfer-Encoding: chunked')
  const frames = chunksOf(body, framing.cuts).flatMap((chunk) => [
    Buffer.from(`${chunk.length.toString(16)}\r\n`),
    chunk,
    Buffer.from('\r\n'),
  ])
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), ...frames, Buffer.from('0\r\n\r\n')])
}

/** A hostile body, built at run time so every signed one has a fresh nonce. */
type HostileBody =
  | { kind: 'random'; body: string | Uint8Array }
  | { kind: 'broken-triple'; event: string; format: Format; field: 'timestamp' | 'nonce' | 'signature'; how: number }
  | { kind: 'deep'; depth: number }
  | { kind: 'invalid-utf8'; event: string; format: Format; bytes: number[] }
  | { kind: 'duplicate-key'; event: string; key: string }
  | { kind: 'proto-hidden-triple'; event: string }

const hostileBodyArb: fc.Arbitrary<HostileBody> = fc.oneof(
  bodyArb.map((body): HostileBody => ({ kind: 'random', body })),
  fc.record({
    kind: fc.constant('broken-triple' as const),
    event: eventArb,
    format: fc.constantFrom<Format>('json', 'form'),
    field: fc.constantFrom('timestamp' as const, 'nonce' as const, 'signature' as const),
    how: fc.nat({ max: 3 }),
  }),
  fc.record({ kind: fc.constant('deep' as const), depth: fc.integer({ min: MAX_DEPTH + 1, max: 2_000 }) }),
  fc.record({
    kind: fc.constant('invalid-utf8' as const),
    event: eventArb,
    format: fc.constantFrom<Format>('json', 'form'),
    bytes: fc.constantFrom(...invalidUtf8),
  }),
  fc.record({ kind: fc.constant('duplicate-key' as const), event: eventArb, key: fc.constantFrom('nonce', 'signature', 'event', '__proto__') }),
  fc.record({ kind: fc.constant('proto-hidden-triple' as const), event: eventArb }),
)

/** Builds the body of a hostile request (signed parts with the real clock, as the servers use it). */
function hostileBody(spec: HostileBody): { body: Buffer; format: Format } {
  const sign = (event: string): CallbackPayload => createCallback(event, {}, { secret })
  switch (spec.kind) {
    case 'random':
      return { body: Buffer.from(spec.body), format: 'json' }
    case 'broken-triple': {
      const payload = sign(spec.event)
      const original = String(payload[spec.field])
      if (spec.how === 0) delete payload[spec.field]
      else if (spec.how === 1) payload[spec.field] = `${original}0`
      else if (spec.how === 2) payload[spec.field] = spec.field === 'signature' ? createHash('sha1').update(original).digest('hex') : ` ${original}`
      else {
        // Correctly signed, with another secret or a stale timestamp.
        const resigned =
          spec.field === 'timestamp'
            ? signCallback(payload, { secret, timestamp: Math.floor(Date.now() / 1000) - 3_600 })
            : signCallback(payload, { secret: `${secret}-other` })
        Object.assign(payload, resigned)
      }
      return { body: Buffer.from(encode(payload, spec.format)), format: spec.format }
    }
    case 'deep':
      return { body: Buffer.from(`${encode(sign('room_create'), 'json').slice(0, -1)},"deep":${nested(spec.depth, [true, false])}}`), format: 'json' }
    case 'invalid-utf8': {
      const text = encode(sign(spec.event), spec.format)
      const extra = spec.format === 'json' ? [',"note":"', '"}'] : ['&note=', '']
      const head = spec.format === 'json' ? text.slice(0, -1) : text
      return { body: Buffer.concat([Buffer.from(head + extra[0]), Buffer.from(spec.bytes), Buffer.from(extra[1]!)]), format: spec.format }
    }
    case 'duplicate-key': {
      const entries = jsonEntries(sign(spec.event))
      if (spec.key === '__proto__') entries.push(['__proto__', '{}'])
      entries.push([spec.key, '"again"'])
      return { body: Buffer.from(jsonText(entries)), format: 'json' }
    }
    case 'proto-hidden-triple': {
      const entries = jsonEntries(sign(spec.event))
      const triple = entries.filter(([key]) => ['timestamp', 'nonce', 'signature'].includes(key))
      const rest = entries.filter(([key]) => !['timestamp', 'nonce', 'signature'].includes(key))
      return { body: Buffer.from(jsonText([...rest, ['__proto__', jsonText(triple)]])), format: 'json' }
    }
  }
}

/** Content types that can be sent in a header (printable ASCII), valid or not. */
const headerContentTypeArb = contentTypeArb.map((type) => type?.replace(/[^\x20-\x7e]/g, '').trim())

describe('hostile requests over HTTP, through Express 5, Express 4, Koa 3 and Koa 2', () => {
  const served: Served[] = []
  let uniqueId = 0

  beforeAll(async () => {
    for (const framework of frameworks) {
      for (const mount of [{}, { route: true }] satisfies Mount[]) {
        served.push(await serve(framework, mount, { secret, bodyTimeoutMs: 2_000 }))
      }
    }
  })

  afterAll(async () => {
    for (const entry of served) {
      for (const socket of entry.sockets) socket.destroy()
      await new Promise((resolve) => entry.server.close(resolve))
    }
  })

  it('random hostile requests get 4xx and reach no listener, and each server still answers a signed callback 200', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 6, arbitrary: fc.constant('POST') },
          { weight: 3, arbitrary: fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'M-SEARCH') },
          { weight: 1, arbitrary: fc.constantFrom('post', 'FOO') },
        ),
        fc.constantFrom('', '/', '?x=1', '/?a=%ZZ&b'),
        fc.oneof({ weight: 3, arbitrary: fc.constant('matching') }, { weight: 2, arbitrary: headerContentTypeArb }),
        hostileBodyArb,
        fc.record({ chunked: fc.boolean(), cuts: fc.array(fc.nat(), { maxLength: 5 }) }),
        fc.constantFrom<Served['mount']>('use', 'route'),
        async (method, suffix, contentType, spec, framing, mount) => {
          const { body, format } = hostileBody(spec)
          const type = contentType === 'matching' ? contentTypeOf(format, body.length) : contentType
          for (const entry of served.filter((candidate) => candidate.mount === mount)) {
            const path = `${mount === 'route' ? '/hooks/zego' : '/zego/callback'}${suffix}`
            entry.delivered.length = 0
            const answer = await rawExchange(entry.port, httpRequest(method, path, { 'Content-Type': type }, body, framing))
            expect(answer.status, `${entry.name} (${mount}): ${answer.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400)
            expect(answer.status, `${entry.name} (${mount}): ${answer.text.slice(0, 300)}`).toBeLessThan(500)
            expect(entry.delivered.map((delivery) => delivery.name), entry.name).toEqual([])
            expectNoPollution()

            // The same server still takes a genuine callback (fresh nonce, fresh identity).
            const id = `hostile-${++uniqueId}`
            const valid = createCallback('stream_create', { stream_sid: id, stream_id: id }, { secret })
            const ok = await rawExchange(
              entry.port,
              httpRequest('POST', mount === 'route' ? '/hooks/zego' : '/zego/callback', { 'Content-Type': 'application/json' }, Buffer.from(encode(valid, 'json')), { chunked: false, cuts: [] }),
            )
            expect(ok.status, `${entry.name} (${mount}) after a hostile request: ${ok.text.slice(0, 300)}`).toBe(200)
            expect(entry.delivered.map((delivery) => delivery.name).sort(), entry.name).toEqual(['callback', 'streamCreated'])
            const callback = entry.delivered.find((delivery) => delivery.name === 'callback')?.payload as { raw: RawPayload }
            expect(callback.raw['nonce']).toBe(valid['nonce'])
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('a body of many MB is refused 413 and the server stops reading near the limit (Content-Length and chunked)', async () => {
    const limit = 64 * 1024
    const options = { secret, bodyLimit: limit, bodyTimeoutMs: 2_000 }
    for (const framework of frameworks) {
      for (const chunked of [false, true]) {
        const entry = await serve(framework, {}, options)
        try {
          const result = await sendHuge(entry, 64 * 1024 * 1024, chunked)
          expect(result.status, `${entry.name} chunked=${chunked}`).toBe(413)
          expect(entry.delivered).toEqual([])
          // The server read the limit plus a few socket reads, not the 64 MiB the client kept sending.
          expect(result.serverRead, `${entry.name} chunked=${chunked}`).toBeLessThanOrEqual(limit + 1024 * 1024)
          expect(result.clientSent).toBeLessThan(64 * 1024 * 1024)
        } finally {
          for (const socket of entry.sockets) socket.destroy()
          await new Promise((resolve) => entry.server.close(resolve))
        }
      }
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Helpers used above.
// ---------------------------------------------------------------------------------------------

/** Where the value of `key` sits in an encoded body: [start, end) of its characters, quotes excluded. */
function valueSpan(body: Buffer, key: string, format: Format): [number, number] {
  if (format === 'json') {
    const marker = Buffer.from(`${JSON.stringify(key)}:`)
    let start = body.indexOf(marker) + marker.length
    if (body[start] === 0x22) {
      start++
      return [start, body.indexOf(0x22, start)]
    }
    let end = start
    while (end < body.length && body[end] !== 0x2c && body[end] !== 0x7d) end++
    return [start, end]
  }
  const marker = Buffer.from(`${key}=`)
  const at = body.subarray(0, marker.length).equals(marker) ? 0 : body.indexOf(Buffer.from(`&${key}=`)) + 1
  const start = at + marker.length
  const amp = body.indexOf(0x26, start)
  return [start, amp === -1 ? body.length : amp]
}

function mutateByte(bytes: Buffer, kind: 'flip' | 'drop' | 'duplicate', index: number, xor: number): Buffer {
  if (kind === 'flip') {
    const copy = Buffer.from(bytes)
    copy[index] = copy[index]! ^ xor
    return copy
  }
  if (kind === 'drop') return Buffer.concat([bytes.subarray(0, index), bytes.subarray(index + 1)])
  return Buffer.concat([bytes.subarray(0, index + 1), bytes.subarray(index)])
}

/** `depth` nested arrays or objects (cycling through `shape`: true an array), closed or not. */
function nested(depth: number, shape: readonly boolean[], closed = true): string {
  const opens: string[] = []
  const closes: string[] = []
  for (let i = 0; i < depth; i++) {
    const array = shape[i % shape.length]!
    opens.push(array ? '[' : '{"k":')
    closes.push(array ? ']' : '}')
  }
  return `${opens.join('')}null${closed ? closes.reverse().join('') : ''}`
}

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0
  return 1 + Math.max(0, ...Object.values(value).map(depthOf))
}

/** Splits the inside of a JSON object into its top-level `"key":value` members. */
function splitTopLevel(inner: string): string[] {
  const parts: string[] = []
  let depth = 0
  let inString = false
  let start = 0
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') depth--
    else if (c === ',' && depth === 0) {
      parts.push(inner.slice(start, i))
      start = i + 1
    }
  }
  parts.push(inner.slice(start))
  return parts
}

const dangerousKeyArb = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'polluted',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  '__lookupSetter__',
  'isPrototypeOf',
)

/** JSON text of objects and arrays full of prototype-ish keys, at most 8 levels deep. */
const pollutingTreeArb: fc.Arbitrary<string> = fc.letrec<{ node: string; leaf: string; object: string; array: string }>((tie) => ({
  node: fc.oneof({ maxDepth: 8, depthSize: 'small' }, tie('leaf'), tie('object'), tie('array')),
  leaf: fc.constantFrom('"yes"', '1', 'null', 'true', '"polluted"', '{}', '[]'),
  object: fc
    .uniqueArray(fc.tuple(fc.oneof(dangerousKeyArb, fc.string({ maxLength: 4 })), tie('node')), {
      maxLength: 4,
      selector: ([key]) => key,
    })
    .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`),
  array: fc.array(tie('node'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
})).node

// Field mutations of a signed callback. `value` is a JSON fragment (JSON bodies) or a string (form
// bodies); `same` tells whether it decodes to the original value (then the triple still verifies).
type FieldMutation =
  | { field: 'timestamp' | 'nonce' | 'signature' | 'appid' | 'event'; kind: 'replace'; variant: number; text: string }
  | { field: 'timestamp' | 'nonce' | 'signature' | 'appid' | 'event'; kind: 'remove' | 'array' | 'duplicate-key' }
  | { field: 'timestamp'; kind: 'resign-stale'; offset: number }
  | { field: 'signature'; kind: 'resign-other-secret' }

const fieldArb = fc.constantFrom('timestamp' as const, 'nonce' as const, 'signature' as const, 'appid' as const, 'event' as const)
const fieldMutationArb: fc.Arbitrary<FieldMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ field: fieldArb, kind: fc.constant('replace' as const), variant: fc.nat({ max: 15 }), text: fc.string({ maxLength: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ field: fieldArb, kind: fc.constantFrom('remove' as const, 'array' as const, 'duplicate-key' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      field: fc.constant('timestamp' as const),
      kind: fc.constant('resign-stale' as const),
      offset: fc.oneof(fc.integer({ min: toleranceSeconds + 1, max: 10 ** 6 }), fc.integer({ min: -(10 ** 6), max: -toleranceSeconds - 1 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ field: fc.constant('signature' as const), kind: fc.constant('resign-other-secret' as const) }) },
)

/** A replacement near the original (`variant` picks how), or an arbitrary string. */
function replacement(field: string, original: string, variant: number, text: string): { json: string; form: string; decoded: unknown } {
  const asString = (value: string) => ({ json: JSON.stringify(value), form: value, decoded: value })
  const bareNumber = (digits: string) => ({ json: digits, form: digits, decoded: digits })
  const digits = /^\d+$/.test(original)
  switch (variant) {
    case 0:
      return asString(`${original}0`)
    case 1:
      return asString(`0${original}`)
    case 2:
      return asString(original.slice(1))
    case 3:
      return asString(` ${original}`)
    case 4:
      return asString(`${original} `)
    case 5:
      return asString(original.toUpperCase())
    case 6:
      return digits ? bareNumber((BigInt(original) + 1n).toString()) : asString(`${original}x`)
    case 7:
      return digits ? bareNumber(original) : asString(original.slice(0, -1))
    case 8:
      return { json: 'null', form: '', decoded: null }
    case 9:
      return { json: '{}', form: '[object Object]', decoded: {} }
    case 10:
      return { json: 'true', form: 'true', decoded: true }
    case 11:
      return asString(original.replace(/\d/, (d) => String((Number(d) + 1) % 10)))
    case 12:
      return asString(['constructor', '__proto__', 'toString', 'mix_stop', 'room_close', ''][text.length % 6]!)
    case 13:
      return digits ? bareNumber(`${original}.0`) : asString(`${original}\u0000`)
    default:
      return asString(text)
  }
}

interface MutationOutcome {
  body: string
  duplicateKey: boolean
  tripleBroken: boolean
  /** What the body's appid decodes to (undefined when absent). */
  appid: unknown
  /** What the body's event decodes to (undefined when absent). */
  event: unknown
}

function applyFieldMutations(payload: CallbackPayload, format: Format, mutations: readonly FieldMutation[]): MutationOutcome {
  // Re-signing first, so that the other mutations apply to the re-signed payload.
  let base: CallbackPayload = { ...payload }
  for (const mutation of mutations) {
    if (mutation.kind === 'resign-stale') base = signCallback(base, { secret, timestamp: nowSeconds + mutation.offset, nonce: String(base['nonce']) })
    if (mutation.kind === 'resign-other-secret') base = signCallback(base, { secret: `${secret}-rotated-out`, timestamp: String(base['timestamp']), nonce: String(base['nonce']) })
  }
  const decodedOf = (field: string): unknown => {
    const value = base[field]
    return value === undefined ? undefined : typeof value === 'bigint' || typeof value === 'number' ? String(value) : value
  }
  const decoded: Record<string, unknown> = Object.fromEntries(['timestamp', 'nonce', 'signature', 'appid', 'event'].map((field) => [field, decodedOf(field)]))
  let tripleBroken = mutations.some((mutation) => mutation.kind === 'resign-stale' || mutation.kind === 'resign-other-secret')
  let duplicateKey = false
  const jsonBody = jsonEntries(base)
  const formBody = formEntries(base)
  for (const mutation of mutations) {
    const { field } = mutation
    const original = String(decodedOf(field))
    const isTriple = field === 'timestamp' || field === 'nonce' || field === 'signature'
    const jsonIndex = jsonBody.findIndex(([key]) => key === field)
    if (mutation.kind === 'replace') {
      const value = replacement(field, original, mutation.variant, mutation.text)
      const now = format === 'json' ? value.decoded : value.form
      if (format === 'json') jsonBody[jsonIndex]![1] = value.json
      else for (const entry of formBody) if (entry[0] === field) entry[1] = value.form
      decoded[field] = now
      const same = field === 'signature' ? typeof now === 'string' && now.toLowerCase() === original : now === original
      if (isTriple && !same) tripleBroken = true
    } else if (mutation.kind === 'remove') {
      if (format === 'json') jsonBody.splice(jsonIndex, 1)
      else formBody.splice(0, formBody.length, ...formBody.filter(([key]) => key !== field))
      decoded[field] = undefined
      if (isTriple) tripleBroken = true
    } else if (mutation.kind === 'array') {
      if (format === 'json') jsonBody[jsonIndex]![1] = `[${JSON.stringify(original)}]`
      else formBody.splice(0, formBody.length, ...formBody.map(([key, value]): FormEntry => (key === field ? [`${key}[]`, value] : [key, value])))
      decoded[field] = [original]
      if (isTriple) tripleBroken = true
    } else if (mutation.kind === 'duplicate-key') {
      if (format === 'json') {
        jsonBody.push([field, JSON.stringify(original)])
        duplicateKey = true
      } else {
        formBody.push([field, original])
        decoded[field] = [original, original]
        if (isTriple) tripleBroken = true
      }
    }
  }
  return {
    body: format === 'json' ? jsonText(jsonBody) : formText(formBody),
    duplicateKey,
    tripleBroken,
    appid: decoded['appid'],
    event: decoded['event'],
  }
}

function appIdAllowed(appid: unknown, allowed: string): boolean {
  return typeof appid === 'string' && appid.replace(/^0+(?=\d)/, '') === allowed
}

/** A stream that sends `chunks`, then never ends: stalls, or trickles a space every few ms forever. */
function stallingSource(chunks: readonly Buffer[], trickle: boolean): Readable {
  let next = 0
  const stream = new Readable({
    read() {
      const chunk = chunks[next++]
      if (chunk !== undefined) {
        setImmediate(() => {
          if (!this.destroyed) this.push(chunk)
        })
      } else if (trickle) {
        setTimeout(() => {
          if (!this.destroyed) this.push(Buffer.from(' '))
        }, 5).unref()
      }
    },
  })
  stream.on('error', () => {})
  return stream
}

/**
 * A lazily generated body of `total` bytes, `chunk` bytes per read, counting what was pulled:
 * `async` pushes on a later turn (as a socket delivers data), `sync` pushes inside read().
 */
function lazySource(total: number, chunk: number, mode: 'async' | 'sync'): { stream: Readable; pulled: () => number } {
  let pulled = 0
  const filler = Buffer.alloc(chunk, 0x20)
  const stream = new Readable({
    read() {
      const produce = () => {
        if (this.destroyed) return
        if (pulled >= total) {
          this.push(null)
          return
        }
        const size = Math.min(chunk, total - pulled)
        pulled += size
        this.push(filler.subarray(0, size))
      }
      if (mode === 'sync') produce()
      else setImmediate(produce)
    },
  })
  stream.on('error', () => {})
  return { stream, pulled: () => pulled }
}

/** Streams `total` bytes at a server with backpressure until it answers and closes the connection. */
function sendHuge(entry: Served, total: number, chunked: boolean): Promise<{ status: number; serverRead: number; clientSent: number }> {
  return bounded(
    new Promise((resolve, reject) => {
      let serverRead = 0
      const onConnection = (socket: Socket) => socket.on('close', () => (serverRead += socket.bytesRead))
      entry.server.on('connection', onConnection)
      const socket = connect(entry.port, '127.0.0.1')
      const received: Buffer[] = []
      let sent = 0
      socket.on('data', (data) => received.push(data))
      socket.on('error', () => {}) // the server closes while we are still writing
      socket.on('close', () => {
        // Let the server side of the connection close and report what it read.
        setTimeout(() => {
          entry.server.off('connection', onConnection)
          const text = Buffer.concat(received).toString('latin1')
          const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)
          if (status) resolve({ status: Number(status[1]), serverRead, clientSent: sent })
          else reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`))
        }, 50)
      })
      const head = [
        'POST /zego/callback HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/json',
        chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`,
      ]
      socket.write(`${head.join('\r\n')}\r\n\r\n`)
      const chunk = Buffer.alloc(16 * 1024, 0x20)
      const frame = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk
      const pump = (): void => {
        while (sent < total && !socket.destroyed) {
          sent += chunk.length
          if (!socket.write(frame)) {
            socket.once('drain', pump)
            return
          }
        }
      }
      pump()
    }),
    'a huge upload',
    30_000,
  )
}

// ---------------------------------------------------------------------------------------------
// One captured signed request: what an attacker can make of it without the secret (hardening).
// ZEGO signs sort([secret, timestamp, nonce]).join('') and not the body, so from one genuine
// callback an attacker can re-case the signature's hex, cut the timestamp and nonce digits
// differently, or swap the body. Whatever they send, the callback is delivered once.
// ---------------------------------------------------------------------------------------------

describe('one captured signed request, however it is re-sent', () => {
  const caseMaskArb = fc.array(fc.boolean(), { minLength: 40, maxLength: 40 })
  const recase = (signature: string, mask: readonly boolean[]) =>
    [...signature].map((c, i) => (mask[i] ? c.toUpperCase() : c.toLowerCase())).join('')
  const deliveries = (h: Harness) => h.delivered.filter((delivery) => delivery.name === 'callback').length

  it('a re-cased signature is the same request: the same body is a duplicate, another body 401 replayed_signature', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, fc.constantFrom<Format>('json', 'form'), caseMaskArb, fc.boolean(), fc.nat(), async (event, format, mask, swap, pick) => {
        const h = harness()
        const payload = signed(event)
        const first = await receive(h, { method: 'POST', contentType: contentTypeOf(format, pick), body: encode(payload, format) })
        expectDelivered(h, first, event)
        const resent = { ...payload, signature: recase(String(payload['signature']), mask), ...(swap ? { swapped_in: 'x' } : {}) }
        const answer = await receive(h, { method: 'POST', contentType: contentTypeOf(format, pick), body: encode(resent, format) })
        if (swap) {
          expect(answer.status, summary(answer)).toBe(401)
          expect(reasonOf(answer)).toBe('replayed_signature')
        } else {
          expect(answer.body, summary(answer)).toEqual({ ok: true, duplicate: true })
        }
        expect(deliveries(h)).toBe(1)
        expectNoPollution()
      }),
      { numRuns: 200 },
    )
  })

  it('the timestamp and nonce digits cut elsewhere are the same request: never delivered again, whatever the product, unit or tolerance', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 19 }),
        fc.nat(),
        fc.constantFrom(300, Infinity),
        fc.constantFrom('same', 'swapped', 'agent'),
        async (nonce, cutAt, tolerance, shape) => {
          const h = harness({ toleranceSeconds: tolerance })
          const payload = createCallback('some_unmodeled_event', {}, { secret, timestamp: nowSeconds, nonce })
          expectDelivered(h, await receive(h, { method: 'POST', contentType: 'application/json', body: encode(payload, 'json') }), 'some_unmodeled_event')
          // ZEGO's signed text is the timestamp and nonce in sorted order, then the secret (a letter sorts after digits).
          const joined = [String(nowSeconds), nonce].sort().join('')
          const cut = 1 + (cutAt % (joined.length - 1))
          const [timestamp, forgedNonce] = [joined.slice(0, cut), joined.slice(cut)]
          fc.pre(timestamp <= forgedNonce && timestamp !== String(nowSeconds))
          const forged: CallbackPayload =
            shape === 'agent'
              ? { Event: 'Exception', AppId: 1, AgentInstanceId: 'a', Timestamp: timestamp, Nonce: forgedNonce, Signature: String(payload['signature']) }
              : { ...payload, timestamp, nonce: forgedNonce, ...(shape === 'swapped' ? { swapped_in: 'x' } : {}) }
          const answer = await receive(h, { method: 'POST', contentType: 'application/json', body: encode(forged, 'json') })
          // Either refused (a replay of another body, or not a well-formed timestamp for its product), or the same content again.
          if (answer.status === 200) expect(answer.body).toEqual({ ok: true, duplicate: true })
          else expect(['replayed_signature', 'stale_timestamp'], summary(answer)).toContain(reasonOf(answer))
          expect(deliveries(h)).toBe(1)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a lone surrogate anywhere in a signed body is refused 400, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventArb,
        fc.constantFrom<Format>('json', 'form'),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.constantFrom('escaped', 'raw'),
        async (event, format, pickField, pickAt, unit, how) => {
          const h = harness()
          const payload = signed(event)
          const keys = Object.keys(payload).filter((key) => typeof payload[key] === 'string')
          const key = keys[pickField % keys.length]!
          const value = String(payload[key])
          const at = pickAt % (value.length + 1)
          let body: string
          if (format === 'json') {
            const lone = how === 'escaped' ? `\\u${unit.toString(16)}` : String.fromCharCode(unit)
            const marker = '\u0000MARK\u0000'
            body = encode({ ...payload, [key]: value.slice(0, at) + marker + value.slice(at) }, 'json').replace(JSON.stringify(marker).slice(1, -1), lone)
          } else {
            // A form carries bytes: a surrogate's UTF-8 encoding is invalid.
            const bytes = Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)])
            const marker = 'MARKMARK'
            body = encode({ ...payload, [key]: value.slice(0, at) + marker + value.slice(at) }, 'form').replace(marker, [...bytes].map((b) => `%${b.toString(16).toUpperCase()}`).join(''))
          }
          const answer = await receive(h, { method: 'POST', contentType: contentTypeOf(format, 0), body })
          expectRefused(h, answer, [400])
          expect(reasonOf(answer)).toBe('invalid_body')
        },
      ),
      { numRuns: 200 },
    )
  })

  it('the same callback re-sent as a form, where one-item lists arrive as single values, is a duplicate', async () => {
    const urlFields = ['rtmp_url', 'hls_url', 'hdl_url', 'pic_url'] as const
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.webUrl(), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        async (urls, formFirst) => {
          const h = harness()
          const lists = Object.fromEntries(urlFields.map((field, i) => [field, [urls[i]!]]))
          const payload = createCallback('stream_create', lists, { secret, timestamp: nowSeconds })
          const [first, second] = formFirst ? (['form', 'json'] as const) : (['json', 'form'] as const)
          expectDelivered(h, await receive(h, { method: 'POST', contentType: contentTypeOf(first, 0), body: encode(payload, first) }), 'stream_create')
          const answer = await receive(h, { method: 'POST', contentType: contentTypeOf(second, 0), body: encode(payload, second) })
          expect(answer.body, summary(answer)).toEqual({ ok: true, duplicate: true })
          expect(deliveries(h)).toBe(1)
        },
      ),
      { numRuns: 100 },
    )
  })
})
