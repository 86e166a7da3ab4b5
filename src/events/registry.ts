import { mixStarted } from './mix-started.js'
import { mixStopped } from './mix-stopped.js'
import { roomClosed } from './room-closed.js'
import { roomCreated } from './room-created.js'
import { streamClosed } from './stream-closed.js'
import { streamCreated } from './stream-created.js'
import { userLoggedIn } from './user-logged-in.js'
import { userLoggedOut } from './user-logged-out.js'

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
] as const

type Definition = (typeof eventDefinitions)[number]

/** Each modeled event name mapped to its typed payload, built from the registry. */
export type ModeledEventMap = {
  [D in Definition as D['name']]: ReturnType<D['parse']>
}

/** The name of a modeled event, such as `'streamCreated'`. */
export type ModeledEventName = keyof ModeledEventMap

/** Finds the definition for ZEGO's `event` value, if this version models it. */
export const definitionFor: (zegoEvent: string) => Definition | undefined = (() => {
  const byZegoName = new Map<string, Definition>(eventDefinitions.map((d) => [d.zegoEvent, d]))
  return (zegoEvent) => byZegoName.get(zegoEvent)
})()
