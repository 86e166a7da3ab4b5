import { eventDefinitions } from './events/registry.js'
import { didYouMean } from './names.js'

/** The events that observe callbacks rather than deliver a modeled one (`ZegoEventMap`'s other keys). */
export const observerEvents = ['callback', 'rejected', 'duplicate', 'delivered', 'error'] as const

const eventNames: readonly string[] = [...eventDefinitions.map((definition) => definition.name), ...observerEvents]
const known: ReadonlySet<string> = new Set(eventNames)
const byZegoName: ReadonlyMap<string, string> = new Map(eventDefinitions.map((definition) => [definition.zegoEvent, definition.name]))

/**
 * Throws a `TypeError` naming the event meant when `event` is not one listeners can use: ZEGO's own
 * name (`'stream_create'` is `'streamCreated'`) or a misspelling, which would otherwise never fire.
 */
export function assertEventName(event: unknown): void {
  if (typeof event === 'string' && known.has(event)) return
  const text = String(event)
  const ours = byZegoName.get(text)
  const hint = ours === undefined ? didYouMean(text, eventNames) : ` ZEGO's '${text}' arrives as '${ours}'.`
  throw new TypeError(
    `zego-callbacks: there is no '${text}' event, so a listener of it would never run.${hint} Events: ${eventNames.join(', ')}; 'callback' gets every callback, unmodeled ones included.`,
  )
}
