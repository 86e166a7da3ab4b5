// The compiled validation (one plain function per event, src/events/compile.ts) against the
// superstruct schema it is compiled from: for every modeled event, ZEGO's example mutated field by
// field (missing, wrong type, odd numbers, lists as single strings, empty strings, inherited names,
// unknown fields), both accept, refuse (same error, same path) and normalize exactly the same.
import { inspect, isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { type, type Struct } from 'superstruct'
import { describe, expect, it } from 'vitest'
import { PayloadError } from '../src/errors.js'
import { compileAssembler, compileSchema } from '../src/events/compile.js'
import { defineEvent, schemaPathOf, type CallbackEnvelope } from '../src/events/define.js'
import { id, quantity, text } from '../src/events/fields.js'
import { eventDefinitions } from '../src/events/registry.js'
import { parseLosslessJson } from '../src/json.js'
import { setOwn, type RawPayload } from '../src/raw.js'
import { createCallback } from '../src/testing/index.js'
import type { ZegoProduct } from '../src/envelope.js'

/** ZEGO's example of `zegoEvent` of `product` as the decoder hands it over (numbers as exact strings). */
function example(product: ZegoProduct, zegoEvent: string): RawPayload {
  const template = createCallback(zegoEvent, {}, { product, secret: 'differential' })
  if (Object.keys(template).length <= 5) throw new Error(`no example of ${product} ${zegoEvent} in src/testing to mutate`)
  return parseLosslessJson(JSON.stringify(template)) as RawPayload
}

const DELETE = Symbol('delete')

/** Values a field may be set to: odd quantities and flags, JSON in strings, lists, objects, and non-JSON values superstruct still takes. */
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '0',
    '01',
    '007',
    '1',
    '2',
    '9007199254740991',
    '9007199254740992',
    '9999999999999999',
    '12345678901234567',
    '7254119327986670314',
    '-1',
    '-0',
    '1.5',
    '1e3',
    '',
    ' ',
    ' 1',
    '0x10',
    'true',
    'abc',
  ),
  fc.constantFrom('{"cid":1}', '{"cid":"2"}', '{"cid":3,"x":[1]}', '[0]', 'null', 'not json', '{}', '{"__proto__":{"cid":1}}'),
  fc.string({ maxLength: 12 }),
  fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.constantFrom<unknown>([], ['a', ['b']], ['a', 1], [null], [''], { cid: '2' }, { cid: '99999999999999999', b: 'x' }, {}, null, true, false),
  fc.constantFrom<unknown>(0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, -0, Number.NaN, undefined),
)

type Mutation = [key: string, value: unknown]

function mutationsArb(fields: readonly string[]): fc.Arbitrary<Mutation[]> {
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...fields) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'extra_field', 'Event') },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  )
  const value = fc.oneof({ weight: 1, arbitrary: fc.constant<unknown>(DELETE) }, { weight: 4, arbitrary: valueArb })
  return fc.array(fc.tuple(key, value), { maxLength: 4 })
}

function mutate(raw: RawPayload, mutations: readonly Mutation[]): RawPayload {
  for (const [key, value] of mutations) {
    if (value === DELETE) delete raw[key]
    else setOwn(raw as Record<string, unknown>, key, value)
  }
  return raw
}

type Outcome = { value: unknown } | { error: string; message: string; path?: readonly string[] }

function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() }
  } catch (error) {
    if (!(error instanceof Error)) throw error
    return {
      error: error.constructor.name,
      message: error.message,
      ...(error instanceof PayloadError ? { path: error.path } : {}),
    }
  }
}

const cases = eventDefinitions.map((definition) => {
  const path = schemaPathOf(definition)
  if (path === undefined) throw new Error(`${definition.name} was not made by defineEvent`)
  return { definition, path, fields: Object.keys(path.schema) }
})
const caseByName = new Map(cases.map((entry) => [entry.definition.name as string, entry]))

/** An event's name (so a counterexample stays readable) and the mutations of its example. */
const mutatedArb = fc
  .constantFrom(...caseByName.keys())
  .chain((name) => fc.tuple(fc.constant(name), mutationsArb(caseByName.get(name)!.fields)))

describe('compiled validation against the superstruct schema (differential)', () => {
  it.each(cases)('$definition.name compiles: every field has a fast path', ({ path }) => {
    expect(path.compiled).toBe(true)
  })

  it('accepts, refuses (same message and path) and normalizes exactly as superstruct, for every modeled event', () => {
    const seen = new Map(cases.map(({ definition }) => [definition.name, { accepted: 0, refused: 0 }]))
    fc.assert(
      fc.property(mutatedArb, ([name, mutations]) => {
        const { definition, path } = caseByName.get(name)!
        const raw = mutate(example(definition.product, definition.zegoEvent), mutations)
        const bySchema = outcome(() => path.parse(raw))
        const compiled = outcome(() => definition.parse(raw))
        // node's comparison, not vitest's: a payload may own a `constructor` key (NaN, say), which
        // vitest reads as the object's class.
        expect(isDeepStrictEqual(compiled, bySchema), `${inspect(compiled)}\n  vs\n${inspect(bySchema)}`).toBe(true)
        // The same properties in the same order too (logs and JSON show it), as the spread wrote them.
        if ('value' in compiled && 'value' in bySchema) {
          expect(Object.keys(compiled.value as object)).toEqual(Object.keys(bySchema.value as object))
        }
        const count = seen.get(definition.name)!
        if ('value' in compiled) count.accepted++
        else count.refused++
      }),
      { numRuns: 4000 },
    )
    // Each event's accepted and refused sides were both exercised.
    for (const [name, count] of seen) {
      expect(count.accepted, name).toBeGreaterThan(20)
      expect(count.refused, name).toBeGreaterThan(20)
    }
  })

  it('gives the same fields as superstruct with and without code generation', () => {
    const compiledOf = new Map(
      cases.map(({ definition, path }) => [
        definition.name,
        { struct: type(path.schema), variants: [compileSchema(path.schema, true)!, compileSchema(path.schema, false)!] },
      ]),
    )
    fc.assert(
      fc.property(mutatedArb, ([name, mutations]) => {
        const { definition, fields } = caseByName.get(name)!
        const raw = mutate(example(definition.product, definition.zegoEvent), mutations)
        const { struct, variants } = compiledOf.get(definition.name)!
        const [error, expected] = struct.validate(raw, { coerce: true })
        for (const compile of variants) {
          const result = compile(raw)
          if (error !== undefined) {
            expect(result).toBeUndefined()
            continue
          }
          expect(result).toBeDefined()
          for (const field of fields) {
            expect(isDeepStrictEqual(result?.[field], (expected as Record<string, unknown>)[field]), field).toBe(true)
          }
        }
      }),
      { numRuns: 2000 },
    )
  })
})

interface TestEvent extends CallbackEnvelope {
  roomId: string
}

const declaration = {
  name: 'testEvent',
  zegoEvent: 'test_event',
  normalize: (p: { room_id: string }) => ({ roomId: p.room_id }),
  identity: (e: TestEvent) => [e.roomId],
} as const

describe('defineEvent', () => {
  it('passes properties it does not know through to the definition untouched', () => {
    const merge = (a: unknown, b: unknown) => [a, b]
    const answer = () => ({ result: 1 })
    const definition = defineEvent<TestEvent>()({ ...declaration, schema: { room_id: id() }, merge, answer, extra: { ok: true } })
    expect(definition.merge).toBe(merge)
    expect(definition.answer).toBe(answer)
    expect(definition.extra).toStrictEqual({ ok: true })
    expect(definition.product).toBe('rtc')
    expect(definition).not.toHaveProperty('schema')
    expect(definition).not.toHaveProperty('normalize')
    expect(schemaPathOf(definition)?.compiled).toBe(true)
  })

  const envelope = { event: 'test_event', appid: '1', timestamp: '1', nonce: '2', signature: 's' }

  it.each([
    ['a struct without a fast path', { room_id: id(), other: type({}) as Struct<unknown, unknown> }],
    ['a field named as an inherited property', { room_id: id(), constructor: text() }],
  ])('falls back to superstruct alone for %s, with the same answers', (_label, schema) => {
    const definition = defineEvent<TestEvent>()({ ...declaration, schema })
    expect(schemaPathOf(definition)?.compiled).toBe(false)
    expect(definition.parse({ ...envelope, room_id: 'r', other: {}, constructor: 'c' }).roomId).toBe('r')
    expect(() => definition.parse({ ...envelope, room_id: '' })).toThrow(PayloadError)
  })

  it('refuses with superstruct\'s own error, naming the first bad field', () => {
    const definition = defineEvent<TestEvent>()({ ...declaration, schema: { room_id: id(), count: quantity() } })
    const error = outcome(() => definition.parse({ ...envelope, appid: 'x', room_id: '' }))
    expect(error).toStrictEqual({
      error: 'PayloadError',
      message: 'invalid test_event payload: At path: appid -- Expected a non-negative integer below 2^53, but received: "x"',
      path: ['appid'],
    })
  })

  it('builds the event from a compiled literal only while the normalizer returns the same keys', () => {
    // A normalizer whose keys vary: each result must be the spread's, key order included.
    const definition = defineEvent<TestEvent>()({
      ...declaration,
      schema: { room_id: id() },
      normalize: (p: { room_id: string }) => (p.room_id === 'odd' ? { extra: 1, roomId: p.room_id } : { roomId: p.room_id }),
    })
    const path = schemaPathOf(definition)!
    for (const roomId of ['r1', 'odd', 'r2', 'odd']) {
      const raw = { ...envelope, room_id: roomId }
      const [compiled, bySchema] = [definition.parse(raw), path.parse(raw)]
      expect(compiled).toStrictEqual(bySchema)
      expect(Object.keys(compiled)).toEqual(Object.keys(bySchema))
    }
    expect(Object.keys(definition.parse({ ...envelope, room_id: 'odd' }))).toEqual([
      ...['event', 'appId', 'timestamp', 'nonce', 'signature', 'extra', 'roomId', 'raw'],
    ])
  })
})

describe('compileAssembler', () => {
  const envelopeNames = { event: 'event', appId: 'appid' }
  const fields = { event: 'e', appid: 1 }
  const raw = { event: 'e' }

  it('builds what the spread builds: the envelope, the normalized fields, raw, in that order', () => {
    const normalized = { roomId: 'r', event: 'overridden', '0': 'zero', raw: 'shadowed' }
    const assemble = compileAssembler(envelopeNames, Object.keys(normalized))!
    const built = assemble(fields, normalized, raw)
    const head = { event: fields.event, appId: fields.appid }
    const spread = { ...head, ...normalized, raw }
    expect(built).toStrictEqual(spread)
    expect(Object.keys(built)).toEqual(Object.keys(spread))
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype)
  })

  it('compiles nothing for a __proto__ key (a literal would set the prototype) or where code generation is disallowed', () => {
    expect(compileAssembler(envelopeNames, ['roomId', '__proto__'])).toBeUndefined()
    expect(compileAssembler(envelopeNames, ['roomId'], false)).toBeUndefined()
    expect(compileAssembler(envelopeNames, ['roomId'], true)).toBeTypeOf('function')
  })

  it('quotes every name: a key is never code', () => {
    const key = '"; throw new Error("ran"); "'
    const assemble = compileAssembler({ [key]: key }, [key])!
    expect(assemble({ [key]: 1 }, { [key]: 2 }, raw)).toStrictEqual({ [key]: 2, raw })
  })
})
