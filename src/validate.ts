import { definitionFor, type eventDefinitions } from './events/registry.js'
import type { VerifiedCallback } from './verify.js'

/** A verified callback of a modeled event, validated and normalized. */
export interface Modeled {
  /** The event's definition. */
  definition: (typeof eventDefinitions)[number]
  /** The typed, normalized event. */
  payload: unknown
  /** Its deduplication key, from the event's identifying fields. */
  key: string
}

/**
 * Validates a verified callback when this version models its product's `event` (throwing a
 * `PayloadError` that names the field), or returns undefined: every other callback reaches the
 * `callback` listeners as it came.
 */
export function validate(verified: VerifiedCallback, event: string): Modeled | undefined {
  const definition = definitionFor(verified.product, event)
  if (definition === undefined) return undefined
  const payload = definition.parse(verified.raw)
  return { definition, payload, key: definition.key(payload as never) }
}
