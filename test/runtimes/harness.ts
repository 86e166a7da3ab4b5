// The shared table's server, run inside Bun, Deno, workerd and Next.js: a fetch app that mounts a fresh
// zego-callbacks/fetch handler per case (POST /__mount with the options), routes /<id>/... to it, and
// reports what its listeners received (GET /<id>/__events), so the test process can check them.
import { zegoCallbacks, type ZegoFetchHandler } from '../../adapters/fetch.js'
import type { ZegoCallbacksOptions, ZegoEventName } from '../../src/index.js'

/** The events the shared table checks. */
export const recorded = [
  'streamCreated',
  'streamClosed',
  'mixStarted',
  'mixStopped',
  'roomCreated',
  'roomClosed',
  'userLoggedIn',
  'userLoggedOut',
  'callback',
  'rejected',
] as const satisfies readonly ZegoEventName[]

interface Mounted {
  zego: ZegoFetchHandler
  events: Array<{ name: ZegoEventName; payload: unknown }>
}

const mounted = new Map<string, Mounted>()
const prototypeKeys = [Object.prototype, Array.prototype].map((proto) => Reflect.ownKeys(proto).length)

// What a body could have polluted in this process: the test process cannot see it.
function pollution(): string[] {
  const found: string[] = []
  if (({} as Record<string, unknown>)['polluted'] !== undefined) found.push('({}).polluted is set')
  ;[Object.prototype, Array.prototype].forEach((proto, i) => {
    if (Reflect.ownKeys(proto).length !== prototypeKeys[i]) found.push(`prototype #${i} gained keys`)
  })
  return found
}

const notFound = (): Response => Response.json({ fallthrough: true }, { status: 404 })

/** The harness app; every runtime's entry serves it. */
export async function harness(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url)
  if (pathname === '/__mount' && request.method === 'POST') {
    const id = `m${mounted.size + 1}`
    const entry: Mounted = { zego: zegoCallbacks((await request.json()) as ZegoCallbacksOptions), events: [] }
    for (const name of recorded) {
      entry.zego.on(name, (payload: unknown) => {
        entry.events.push({ name, payload })
      })
    }
    mounted.set(id, entry)
    return Response.json({ id })
  }
  const [, id = '', ...rest] = pathname.split('/')
  const entry = mounted.get(id)
  if (entry === undefined) return notFound()
  const path = `/${rest.join('/')}`
  if (path === '/__events') return Response.json({ events: entry.events, pollution: pollution() })
  // Routed as a host app routes: the callback path to the handler, anything else 404.
  return entry.zego.receiver.matchesPath(path) ? entry.zego(request) : notFound()
}
