import { create, StructError, type, type Struct } from 'superstruct'
import { keyOf } from '../delivery/keys.js'
import type { ZegoProduct } from '../envelope.js'
import { PayloadError } from '../errors.js'
import type { RawPayload } from '../raw.js'
import { type Assembler, compileAssembler, compileSchema } from './compile.js'
import { anyString, id, quantity } from './fields.js'

/** The fields every ZEGO callback carries, normalized. */
export interface CallbackEnvelope {
  /** ZEGO's own event name, such as `'stream_create'`. */
  event: string
  /** The project's AppID. */
  appId: number
  /** When ZEGO sent the callback, in Unix seconds. */
  timestamp: number
  /** ZEGO's random nonce, as an exact string (often 19 digits). */
  nonce: string
  /** ZEGO's signature of the timestamp and nonce (already verified). */
  signature: string
  /** The payload exactly as received: ZEGO's snake_case keys, numbers as exact strings, unknown fields kept. */
  raw: RawPayload
}

const envelopeSchema = {
  event: anyString(),
  appid: quantity(),
  timestamp: quantity(),
  nonce: id(),
  signature: anyString(),
}

// The event's property for each envelope field, in the event's order (as `spread` in defineEvent).
const envelopeNames = { event: 'event', appId: 'appid', timestamp: 'timestamp', nonce: 'nonce', signature: 'signature' }

function sameKeys(keys: readonly string[], expected: readonly string[]): boolean {
  if (keys.length !== expected.length) return false
  for (let i = 0; i < keys.length; i++) if (keys[i] !== expected[i]) return false
  return true
}

/** The fields of one event, as superstruct structs keyed by ZEGO's snake_case names. */
// Internal only: Struct is invariant in its value type, so a schema of mixed structs needs `any`
// here, as superstruct's own ObjectSchema does.
export type EventSchema = Record<string, Struct<any, any>>

/** What a schema validates to, after its coercions ran. */
export type Validated<S extends EventSchema> = {
  [K in keyof S]: S[K] extends Struct<infer T, any> ? T : never
}

/** The fields of an answer body a product reads, for the events whose answer listeners can shape. */
export type AnswerFields = Record<string, string | number>

/**
 * One modeled ZEGO event: our camelCase name, ZEGO's name and product, how to validate and
 * normalize it, and (for the few whose answer the product reads) how listeners shape the answer.
 */
export interface EventDefinition<Name extends string = string, Payload = unknown, Answer = never> {
  /** The name listeners subscribe to, such as `'streamCreated'`. */
  readonly name: Name
  /** The product whose callback this is. */
  readonly product: ZegoProduct
  /** ZEGO's `event` value, such as `'stream_create'`. */
  readonly zegoEvent: string
  /** Validates a verified raw payload and returns the typed event; throws a `PayloadError` naming the field. */
  readonly parse: (raw: RawPayload) => Payload
  /** The deduplication key of a parsed callback: the same for every delivery of one callback, retries with a new nonce included. */
  readonly key: (payload: Payload) => string
  /**
   * Turns what the listeners returned (in registration order, `undefined` for no say) into the
   * answer's fields, or `undefined` to answer as usual; throws a `TypeError` for an unusable one.
   */
  readonly answer?: ((returned: readonly unknown[]) => AnswerFields | undefined) | undefined
  /** Only a type: what a listener of this event may return. */
  readonly answerType?: Answer
}

/** The fields an event adds to the envelope: what its normalizer returns. */
export type EventFields<Payload extends CallbackEnvelope> = Omit<Payload, keyof CallbackEnvelope>

/** How an event file declares its event: the schema of its own fields and how to normalize and identify them. */
export interface EventDeclaration<Name extends string, S extends EventSchema, Payload extends CallbackEnvelope> {
  name: Name
  /** Default `'rtc'`. */
  product?: ZegoProduct
  zegoEvent: string
  schema: S
  normalize: (fields: Validated<S>) => EventFields<Payload>
  /** The fields that identify one callback of this event (the event name and AppID are added). */
  identity: (payload: Payload) => ReadonlyArray<string | number>
  /** For an event whose answer the product reads: see `EventDefinition.answer`. */
  answer?: (returned: readonly unknown[]) => AnswerFields | undefined
}

// The declaration's own keys, spelled out: a generic `keyof EventDeclaration<Name, S, Payload>` here
// left the type parameters' names unresolved in the published declarations (`Cannot find name 'S'`
// without skipLibCheck), and a `keyof` of it would publish `EventSchema`'s internal `any`.
type DeclarationKey = 'name' | 'product' | 'zegoEvent' | 'schema' | 'normalize' | 'identity' | 'answer'
// Holds the list to the interface: a key added there and not here fails to compile.
type ExactKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never
const declarationKeysMatch: ExactKeys<DeclarationKey, keyof EventDeclaration<string, EventSchema, CallbackEnvelope>> = true
void declarationKeysMatch
// What a declaration brings besides its own keys, resolved (not an `Omit` of the whole declaration).
type ExtraOf<Extra> = { [K in Exclude<keyof Extra, DeclarationKey>]: Extra[K] }

/** The superstruct side of a definition: what its compiled path is held to. */
interface SchemaPath<Payload> {
  /** The envelope and the event's own fields, as validated together. */
  readonly schema: EventSchema
  /** Parses with superstruct's `create` only, as before compilation. */
  readonly parse: (raw: RawPayload) => Payload
  /** Whether the schema compiled (every field has a fast path); if not, `parse` is the only path. */
  readonly compiled: boolean
}

const schemaPaths = new WeakMap<object, SchemaPath<unknown>>()

/** The superstruct-only path of a definition made by `defineEvent`, for tests that hold the compiled path to it. */
export function schemaPathOf<D extends Pick<EventDefinition, 'parse'>>(definition: D): SchemaPath<ReturnType<D['parse']>> | undefined {
  return schemaPaths.get(definition) as SchemaPath<ReturnType<D['parse']>> | undefined
}

/**
 * Defines a modeled event of type `Payload` from a superstruct schema of its own fields (the
 * envelope is added) and a normalizer to its camelCase fields:
 * `defineEvent<StreamCreatedEvent>()({ name, zegoEvent, schema, normalize, identity })`. Any other
 * property of the declaration is passed through to the definition as it is.
 *
 * Note: the schema is what `create` would validate (its coercions run, unknown fields are allowed),
 * compiled into one plain function when every field has a fast path; a payload it refuses goes
 * through superstruct, whose error names the field.
 */
export function defineEvent<Payload extends CallbackEnvelope, Answer = never>() {
  return <Name extends string, S extends EventSchema, Extra extends object = object>(
    definition: EventDeclaration<Name, S, Payload> & Extra,
  ): EventDefinition<Name, Payload, Answer> & ExtraOf<Extra> => {
    const { schema, normalize, identity, ...rest } = definition
    // One schema for the envelope and the event's own fields: a single validation pass.
    const fullSchema: EventSchema = { ...envelopeSchema, ...schema }
    const struct = type(fullSchema)
    const compiled = compileSchema(fullSchema)
    const bySchema = (raw: RawPayload): Record<string, unknown> => {
      try {
        return create(raw, struct)
      } catch (error) {
        if (!(error instanceof StructError)) throw error
        const message = error.message.length > 200 ? `${error.message.slice(0, 200)}...` : error.message
        throw new PayloadError(`invalid ${definition.zegoEvent} payload: ${message}`, error.path.map(String), {
          cause: error,
        })
      }
    }
    const spread = (fields: Record<string, unknown>, normalized: object, raw: RawPayload): Payload => {
      const envelope = fields as Validated<typeof envelopeSchema>
      // Literal properties first, then the spread: V8 builds `{ ...a, ...many }` one slow
      // property at a time (45 us here), this shape in under 1 us.
      return {
        event: envelope.event,
        appId: envelope.appid,
        timestamp: envelope.timestamp,
        nonce: envelope.nonce,
        signature: envelope.signature,
        ...normalized,
        raw,
      } as Payload
    }
    // The same object, from a literal compiled for the keys of the first normalized object (each
    // normalizer returns one object literal); `null` when none compiles.
    let shape: { keys: string[]; assemble: Assembler } | null | undefined
    const payloadOf = (raw: RawPayload, validated: Record<string, unknown>): Payload => {
      const normalized = normalize(validated as Validated<S>) as Record<string, unknown>
      const keys = Object.keys(normalized)
      if (shape === undefined) {
        const assemble = Object.getOwnPropertySymbols(normalized).length === 0 ? compileAssembler(envelopeNames, keys) : undefined
        shape = assemble === undefined ? null : { keys, assemble }
      }
      return shape !== null && sameKeys(keys, shape.keys)
        ? (shape.assemble(validated, normalized, raw) as Payload)
        : spread(validated, normalized, raw)
    }
    // `rest` holds the name, ZEGO's name and whatever else the declaration brought.
    const result = {
      product: 'rtc' as ZegoProduct,
      ...rest,
      key: (payload: Payload) => keyOf(definition.zegoEvent, [payload.appId, ...identity(payload)]),
      parse: (raw: RawPayload) => payloadOf(raw, compiled?.(raw) ?? bySchema(raw)),
    }
    schemaPaths.set(result, {
      schema: fullSchema,
      parse: (raw: RawPayload) => {
        const validated = bySchema(raw)
        return spread(validated, normalize(validated as Validated<S>), raw)
      },
      compiled: compiled !== undefined,
    })
    return result as EventDefinition<Name, Payload, Answer> & ExtraOf<Extra>
  }
}
