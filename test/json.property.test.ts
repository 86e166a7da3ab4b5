// The native JSON path (JSON.parse plus a census of keys and numbers) against the hand-written
// lossless parser it stands in for: on random JSON text, written every way JSON allows (whitespace,
// escapes, big and odd numbers, repeated and inherited keys, deep nesting, lone surrogates) and
// then broken, `parseLosslessJson` gives the hand parser's value or throws its exact error.
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseJsonByHand, parseJsonNatively, parseLosslessJson } from '../src/json.js'
import { MAX_DEPTH } from '../src/raw.js'

// ---------------------------------------------------------------------------------------------
// JSON text, token by token.
// ---------------------------------------------------------------------------------------------

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'array'; items: Node[] }
  | { kind: 'object'; members: Array<[key: string, value: Node]> }

/** A valid JSON number, written any way the grammar allows. */
const numberArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom(
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '-9007199254740993',
    '7254119327986670314',
    '18446744073709551615',
    '100000000000000000000000',
    '-0',
    '0',
    '-0.0',
    '1.0',
    '1.50',
    '1e2',
    '1E+2',
    '2.5e-3',
    '1e400',
    '-1e-400',
    '123456789012345678901234567890.5',
  ),
  fc
    .tuple(
      fc.integer({ min: -99, max: 99 }),
      fc.constantFrom('', '.0', '.5', '.000', '.123456789012345678901'),
      fc.constantFrom('', 'e', 'E', 'e+', 'e-', 'E-'),
      fc.nat(400),
    )
    .map(([int, fraction, exponent, power]) => `${int}${fraction}${exponent === '' ? '' : `${exponent}${power}`}`),
)

const howArb = fc.constantFrom('raw', 'raw', 'raw', 'u', 'U')
type Unit = readonly [unit: string, how: 'raw' | 'u' | 'U']

/** UTF-16 units of a string's content, each with how to write it. */
const unitsArb: fc.Arbitrary<Unit[]> = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(fc.constantFrom(...'aZ09:/ .e-,{}[]_u'), howArb).map((unit) => [unit]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('"', '\\', '\n', '\t', '\u0001', '\u001f', '\u007f', '\u2028', '\ufeff'), howArb).map((unit) => [unit]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('é', '房', '间'), howArb).map((unit) => [unit]) },
  // An emoji's two halves, each written raw or escaped.
  { weight: 2, arbitrary: fc.tuple(howArb, howArb).map(([high, low]): Unit[] => [['\ud83d', high], ['\ude00', low]]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('\ud83d', '\ude00', '\ud800', '\udfff'), howArb).map((unit) => [unit]) },
)

function escapeUnit(unit: string, upper: boolean): string {
  const hex = unit.charCodeAt(0).toString(16).padStart(4, '0')
  return `\\u${upper ? hex.toUpperCase() : hex}`
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t' }

/** The JSON text of a string: each unit raw where JSON allows it (else a short escape), or escaped as asked. */
const stringArb: fc.Arbitrary<string> = fc.array(unitsArb, { maxLength: 8 }).map((groups) => {
  const body = groups.flat().map(([unit, how]) => {
    if (how !== 'raw') return escapeUnit(unit, how === 'U')
    if (Object.hasOwn(SHORT_ESCAPES, unit)) return SHORT_ESCAPES[unit]!
    return unit.charCodeAt(0) < 0x20 ? escapeUnit(unit, false) : unit
  })
  return `"${body.join('')}"`
})

/** Keys drawn from a small pool (so repeats happen), names every object inherits, and index-like names. */
const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('"a"', '"b"', '"room_id"', '"nonce"', '"a:b"', '"x\\":"', '"y\\\\"', '"\\u0061"', '""') },
  { weight: 2, arbitrary: fc.constantFrom('"__proto__"', '"constructor"', '"toString"', '"hasOwnProperty"', '"prototype"') },
  { weight: 1, arbitrary: fc.constantFrom('"0"', '"12"', '"01"', '"1a"', '"-1"', '"4294967295"') },
  { weight: 3, arbitrary: stringArb },
)

const leafArb: fc.Arbitrary<Node> = fc.oneof(
  { weight: 4, arbitrary: stringArb },
  { weight: 3, arbitrary: numberArb },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') },
).map((text): Node => ({ kind: 'text', text }))

const { node: nodeArb } = fc.letrec<{ node: Node; array: Node; object: Node }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 5 }).map((items): Node => ({ kind: 'array', items })),
  object: fc.array(fc.tuple(keyArb, tie('node')), { maxLength: 6 }).map((members): Node => ({ kind: 'object', members })),
}))

/** A value wrapped in `levels` arrays or objects, around the nesting limit. */
const deepArb: fc.Arbitrary<Node> = fc
  .tuple(nodeArb, fc.integer({ min: MAX_DEPTH - 3, max: MAX_DEPTH + 3 }), fc.boolean())
  .map(([inner, levels, asObjects]) => {
    let node = inner
    for (let i = 0; i < levels; i++) node = asObjects ? { kind: 'object', members: [['"k"', node]] } : { kind: 'array', items: [node] }
    return node
  })

const whitespaceArb = fc.array(fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n  '), { minLength: 1, maxLength: 16 })

/** Writes `node` as JSON text, taking the whitespace between tokens from `spaces` in turn. */
function write(node: Node, spaces: readonly string[]): string {
  let turn = 0
  const space = (): string => spaces[turn++ % spaces.length]!
  const text = (n: Node): string => {
    if (n.kind === 'text') return n.text
    if (n.kind === 'array') return `[${space()}${n.items.map((item) => `${text(item)}${space()}`).join(`,${space()}`)}]`
    return `{${space()}${n.members.map(([key, value]) => `${key}${space()}:${space()}${text(value)}${space()}`).join(`,${space()}`)}}`
  }
  return `${space()}${text(node)}${space()}`
}

const validTextArb: fc.Arbitrary<string> = fc
  .tuple(fc.oneof({ weight: 5, arbitrary: nodeArb }, { weight: 1, arbitrary: deepArb }), whitespaceArb)
  .map(([node, spaces]) => write(node, spaces))

/** Valid text with one character inserted, removed or replaced. */
const brokenTextArb: fc.Arbitrary<string> = fc
  .tuple(validTextArb, fc.nat(), fc.constantFrom('insert', 'remove', 'replace'), fc.constantFrom(...'"\\,:{}[]0-.eE x\u0000\u00a0'))
  .map(([text, position, edit, char]) => {
    const at = text.length === 0 ? 0 : position % text.length
    if (edit === 'insert') return text.slice(0, at) + char + text.slice(at)
    if (edit === 'remove') return text.slice(0, at) + text.slice(at + 1)
    return text.slice(0, at) + char + text.slice(at + 1)
  })

const anyTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: validTextArb },
  { weight: 3, arbitrary: brokenTextArb },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
)

// ---------------------------------------------------------------------------------------------
// The properties.
// ---------------------------------------------------------------------------------------------

type Outcome = { value: unknown } | { error: string; message: string }

function outcome(parse: () => unknown): Outcome {
  try {
    return { value: parse() }
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message }
  }
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? String(item) : item))?.slice(0, 400) ?? 'undefined'
}

describe('parseLosslessJson against the hand parser (differential)', () => {
  it('gives the same value, or throws the same error, for random JSON text written and broken every way', () => {
    const answered = { natively: 0, byHand: 0 }
    fc.assert(
      fc.property(anyTextArb, (text) => {
        const byHand = outcome(() => parseJsonByHand(text))
        const natively = parseJsonNatively(text)
        if (natively !== undefined) {
          answered.natively++
          expect('value' in byHand, `native value for text the hand parser refuses: ${show(text)} -> ${show(byHand)}`).toBe(true)
          expect(isDeepStrictEqual(natively, (byHand as { value: unknown }).value), `${show(text)}: ${show(natively)} vs ${show(byHand)}`).toBe(true)
        } else {
          answered.byHand++
        }
        const result = outcome(() => parseLosslessJson(text))
        expect(isDeepStrictEqual(result, byHand), `${show(text)}: ${show(result)} vs ${show(byHand)}`).toBe(true)
      }),
      { numRuns: 4000 },
    )
    // The property means little if either path was hardly taken.
    expect(answered.natively).toBeGreaterThan(600)
    expect(answered.byHand).toBeGreaterThan(600)
  })

  it('honours any nesting limit the same way', () => {
    fc.assert(
      fc.property(validTextArb, fc.integer({ min: 0, max: MAX_DEPTH + 2 }), (text, maxDepth) => {
        const byHand = outcome(() => parseJsonByHand(text, maxDepth))
        expect(isDeepStrictEqual(outcome(() => parseLosslessJson(text, maxDepth)), byHand), show(text)).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  it('keeps every own __proto__ key inert, with plain prototypes throughout', () => {
    fc.assert(
      fc.property(validTextArb, (text) => {
        const pending: unknown[] = [parseJsonNatively(text)]
        while (pending.length > 0) {
          const item = pending.pop()
          if (typeof item !== 'object' || item === null) continue
          expect([Object.prototype, Array.prototype]).toContain(Object.getPrototypeOf(item))
          for (const key of Object.keys(item)) pending.push(Object.getOwnPropertyDescriptor(item, key)?.value)
        }
      }),
      { numRuns: 1000 },
    )
  })
})
