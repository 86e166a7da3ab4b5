import type { Struct } from 'superstruct'
import type { RawPayload } from '../raw.js'

// superstruct's runner (`create()` with its coercers) costs about 14 us for a stream_create, most of
// a callback's work: generators, a path and branch array per field, a copy of the payload. The
// schema stays superstruct's, but each field struct also carries the same check and coercion as one
// plain function, and a schema made only of such fields compiles into a single straight-line
// function. It answers only "valid: here are the fields" or "refused"; the refusal is then worded
// by running superstruct itself, so its errors stay the schema's own.

/** What a fast path returns for a value its struct refuses. */
export const REFUSED: unique symbol = Symbol('refused')

/** A field's check and coercion in one function: what `create` would make of the value, or `REFUSED`. */
export type FastPath<T> = (value: unknown) => T | typeof REFUSED

// Any struct: Struct is invariant in its value type, as in superstruct's own ObjectSchema.
type AnyStruct = Struct<any, any>

const fastPaths = new WeakMap<AnyStruct, FastPath<unknown>>()

/**
 * Returns `struct`, noting `fast` as its plain-function equivalent under `create` (same check, same
 * coercion); a differential test holds the two to the same answers.
 */
export function withFastPath<S extends AnyStruct>(struct: S, fast: FastPath<S['TYPE']>): S {
  fastPaths.set(struct, fast)
  return struct
}

/** The validated fields of a payload, or `undefined` when superstruct must decide (and word the refusal). */
export type CompiledSchema = (raw: RawPayload) => Record<string, unknown> | undefined

/**
 * Compiles the fields of a superstruct `type()` schema into one function returning, for each schema
 * key, what `create(raw, type(schema))` would hold under it; `undefined` when a field lacks a fast
 * path or has a name every object inherits (`constructor`, `__proto__`), where reading and writing it
 * plainly would differ from superstruct.
 *
 * Note: generates code with `new Function` (field names come from our own declarations, quoted by
 * `JSON.stringify`), about twice as fast as a loop over the fields; where code generation is
 * disallowed (Cloudflare Workers, a strict CSP) the loop serves.
 */
export function compileSchema(schema: Record<string, AnyStruct>, generate = canGenerate): CompiledSchema | undefined {
  const keys = Object.keys(schema)
  const fasts: Array<FastPath<unknown>> = []
  for (const key of keys) {
    const fast = fastPaths.get(schema[key] as AnyStruct)
    if (fast === undefined || key in Object.prototype) return undefined
    fasts.push(fast)
  }
  return generate ? generated(keys, fasts) : looped(keys, fasts)
}

/** One statement per field, then one object literal: V8 inlines each fast path and builds the result in a single shape. */
function generated(keys: readonly string[], fasts: ReadonlyArray<FastPath<unknown>>): CompiledSchema {
  const checks = keys.map(
    (key, i) => `const v${i} = f${i}(raw[${JSON.stringify(key)}]); if (v${i} === refused) return undefined;`,
  )
  const result = keys.map((key, i) => `${JSON.stringify(key)}: v${i}`)
  const body = [
    '"use strict"; return function validate(raw) {',
    'if (!isPayload(raw)) return undefined;',
    ...checks,
    `return { ${result.join(', ')} };`,
    '}',
  ].join('\n')
  const parameters = [...keys.map((_, i) => `f${i}`), 'refused', 'isPayload']
  const make = new Function(...parameters, body) as (...args: unknown[]) => CompiledSchema
  return make(...fasts, REFUSED, isPayload)
}

function looped(keys: readonly string[], fasts: ReadonlyArray<FastPath<unknown>>): CompiledSchema {
  return (raw) => {
    if (!isPayload(raw)) return undefined
    const fields: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const value = (fasts[i] as FastPath<unknown>)(raw[key])
      if (value === REFUSED) return undefined
      fields[key] = value
    }
    return fields
  }
}

/** Builds one event: the envelope's fields, then the normalized ones, then the raw payload. */
export type Assembler = (
  fields: Record<string, unknown>,
  normalized: Record<string, unknown>,
  raw: RawPayload,
) => Record<string, unknown>

/**
 * Compiles `{ [name]: fields[field] for each envelope entry, ...normalized, raw }` for normalized
 * objects whose own keys are exactly `keys`, in order: the same object, built as one literal. V8
 * adds a spread that follows other properties one property at a time (0.45 us for a
 * stream_create); the literal takes 0.04 us. Undefined where code generation is disallowed (known
 * at startup, or refused now), and for a `__proto__` key, which a literal would take as the prototype.
 */
export function compileAssembler(
  envelope: Readonly<Record<string, string>>,
  keys: readonly string[],
  generate = canGenerate,
): Assembler | undefined {
  if (!generate || keys.includes('__proto__')) return undefined
  const quoted = (key: string): string => JSON.stringify(key)
  const properties = [
    ...Object.entries(envelope).map(([name, field]) => `${quoted(name)}: fields[${quoted(field)}]`),
    ...keys.map((key) => `${quoted(key)}: normalized[${quoted(key)}]`),
    '"raw": raw',
  ]
  try {
    return new Function('fields', 'normalized', 'raw', `"use strict"; return { ${properties.join(', ')} };`) as Assembler
  } catch {
    // Compiled on a first callback: workerd allows code generation at startup, not in a request.
    return undefined
  }
}

// superstruct's type() refuses anything but a non-array object before it looks at a field.
function isPayload(raw: unknown): raw is RawPayload {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw)
}

const canGenerate = ((): boolean => {
  try {
    return new Function('return true')() === true
  } catch {
    return false
  }
})()
