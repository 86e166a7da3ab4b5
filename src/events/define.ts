import { create, StructError, type, type Struct } from 'superstruct'
import { keyOf } from '../delivery/keys.js'
import type { ZegoProduct } from '../envelope.js'
import { PayloadError } from '../errors.js'
import type { RawPayload } from '../raw.js'
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

/**
 * Defines a modeled event of type `Payload` from a superstruct schema of its own fields (the
 * envelope is added) and a normalizer to its camelCase fields:
 * `defineEvent<StreamCreatedEvent>()({ name, zegoEvent, schema, normalize, identity })`.
 *
 * Note: the schema validates with `create`, so its coercions run and unknown fields are allowed.
 */
export function defineEvent<Payload extends CallbackEnvelope, Answer = never>() {
  return <Name extends string, S extends EventSchema>(definition: {
    name: Name
    /** Default `'rtc'`. */
    product?: ZegoProduct
    zegoEvent: string
    schema: S
    normalize: (fields: Validated<S>) => EventFields<Payload>
    /** The fields that identify one callback of this event (the event name and AppID are added). */
    identity: (payload: Payload) => ReadonlyArray<string | number>
    answer?: (returned: readonly unknown[]) => AnswerFields | undefined
  }): EventDefinition<Name, Payload, Answer> => {
    // One struct for the envelope and the event's own fields: a single validation pass.
    const struct = type({ ...envelopeSchema, ...definition.schema })
    return {
      name: definition.name,
      product: definition.product ?? 'rtc',
      zegoEvent: definition.zegoEvent,
      answer: definition.answer,
      key: (payload) => keyOf(definition.zegoEvent, [payload.appId, ...definition.identity(payload)]),
      parse(raw) {
        let fields
        try {
          fields = create(raw, struct) as unknown as Validated<typeof envelopeSchema> & Validated<S>
        } catch (error) {
          if (!(error instanceof StructError)) throw error
          const message = error.message.length > 200 ? `${error.message.slice(0, 200)}...` : error.message
          throw new PayloadError(`invalid ${definition.zegoEvent} payload: ${message}`, error.path.map(String), {
            cause: error,
          })
        }
        // Literal properties first, then the spread: V8 builds `{ ...a, ...many }` one slow
        // property at a time (45 us here), this shape in under 1 us.
        return {
          event: fields.event,
          appId: fields.appid,
          timestamp: fields.timestamp,
          nonce: fields.nonce,
          signature: fields.signature,
          ...definition.normalize(fields),
          raw,
        } as Payload
      },
    }
  }
}
