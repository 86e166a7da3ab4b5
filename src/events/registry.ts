import type { ZegoProduct } from '../envelope.js'
import { mixStarted } from './mix-started.js'
import { mixStopped } from './mix-stopped.js'
import { roomClosed } from './room-closed.js'
import { roomCreated } from './room-created.js'
import { streamClosed } from './stream-closed.js'
import { streamCreated } from './stream-created.js'
import { userLoggedIn } from './user-logged-in.js'
import { userLoggedOut } from './user-logged-out.js'
import { zimBeforeSendMessage } from './zim-before-send-message.js'

/** Every modeled event; adding one is a new file in this folder plus one entry here. */
export const eventDefinitions = [
  streamCreated,
  streamClosed,
  mixStarted,
  mixStopped,
  roomCreated,
  roomClosed,
  userLoggedIn,
  userLoggedOut,
  zimBeforeSendMessage,
] as const

type Definition = (typeof eventDefinitions)[number]

/** Each modeled event name mapped to its typed payload, built from the registry. */
export type ModeledEventMap = {
  [D in Definition as D['name']]: ReturnType<D['parse']>
}

/** The name of a modeled event, such as `'streamCreated'`. */
export type ModeledEventName = keyof ModeledEventMap

/** Each modeled event whose answer listeners shape, mapped to what a listener may return. */
export type ModeledAnswerMap = {
  [D in Definition as D['answerType'] extends undefined ? never : D['name']]: NonNullable<D['answerType']>
}

/** Finds the definition for a product's event name, if this version models it. */
export const definitionFor: (product: ZegoProduct, zegoEvent: string) => Definition | undefined = (() => {
  // By product, then by name: a joined key would be a new string to hash on every callback.
  const byProduct = new Map<string, Map<string, Definition>>()
  for (const d of eventDefinitions) {
    const byName = byProduct.get(d.product) ?? new Map<string, Definition>()
    byProduct.set(d.product, byName.set(d.zegoEvent, d))
  }
  return (product, zegoEvent) => byProduct.get(product)?.get(zegoEvent)
})()
