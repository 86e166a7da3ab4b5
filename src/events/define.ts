import { create, string, StructError, type, type Struct } from 'superstruct'
import { PayloadError } from '../errors.js'
import type { RawPayload } from '../raw.js'
import { id, quantity } from './fields.js'

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
  event: string(),
  appid: quantity(),
  timestamp: quantity(),
  nonce: id(),
  signature: string(),
}

/** The fields of one event, as superstruct structs keyed by ZEGO's snake_case names. */
export type EventSchema = Record<string, Struct<any, any>>

/** What a schema validates to, after its coercions ran. */
export type Validated<S extends EventSchema> = {
  [K in keyof S]: S[K] extends Struct<infer T, any> ? T : never
}

/** One modeled ZEGO event: our camelCase name, ZEGO's name, and how to validate and normalize it. */
export interface EventDefinition<Name extends string = string, Payload = unknown> {
  /** The name listeners subscribe to, such as `'streamCreated'`. */
  readonly name: Name
  /** ZEGO's `event` value, such as `'stream_create'`. */
  readonly zegoEvent: string
  /** Validates a verified raw payload and returns the typed event; throws a `PayloadError` naming the field. */
  readonly parse: (raw: RawPayload) => Payload
}

/**
 * Defines a modeled event from a superstruct schema of its own fields (the envelope is added) and
 * a normalizer to the camelCase event type.
 *
 * Note: the schema validates with `create`, so its coercions run and unknown fields are allowed.
 */
export function defineEvent<Name extends string, S extends EventSchema, Payload>(definition: {
  name: Name
  zegoEvent: string
  schema: S
  normalize: (fields: Validated<S>, envelope: CallbackEnvelope) => Payload
}): EventDefinition<Name, Payload> {
  // One struct for the envelope and the event's own fields: a single validation pass.
  const struct = type({ ...envelopeSchema, ...definition.schema })
  return {
    name: definition.name,
    zegoEvent: definition.zegoEvent,
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
      const envelope: CallbackEnvelope = {
        event: fields.event,
        appId: fields.appid,
        timestamp: fields.timestamp,
        nonce: fields.nonce,
        signature: fields.signature,
        raw,
      }
      return definition.normalize(fields, envelope)
    },
  }
}
