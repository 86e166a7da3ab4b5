// The examples a user copies, run as they would run them: Fastify in-process and on a real port, and
// Bun, Deno, workerd (wrangler dev) and Next.js (next build, next start) as real server processes.
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { createApp as createFastifyApp } from '../examples/fastify.js'
import { createCallback, withBadSignature } from '../src/testing/index.js'
import { bun, deno, next, wrangler, type ServerProcess } from './support/runtimes.js'

const secret = 'runtime-example-secret'
const env = { ZEGO_CALLBACK_SECRET: secret, PORT: '0' }

describe('examples/fastify.ts', () => {
  it('stores the newest version of each stream, refuses a forged callback, and waits for callbacks on close', async () => {
    const { app } = createFastifyApp({ secret })
    const send = (payload: object) => app.inject({ method: 'POST', url: '/zego/callback', payload })
    expect((await send(createCallback('stream_create', { stream_seq: '3', title: 'newer' }, { secret }))).statusCode).toBe(200)
    expect((await send(createCallback('stream_create', { stream_seq: '2', title: 'older' }, { secret }))).statusCode).toBe(200)
    expect((await send(withBadSignature(createCallback('stream_create', { stream_id: 'forged' }, { secret })))).statusCode).toBe(401)
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const streams = (await (await fetch(`${address}/streams`)).json()) as Array<Record<string, unknown>>
    expect(streams).toEqual([expect.objectContaining({ streamId: 'stream_id', streamSeq: 3, title: 'newer' })])
    await app.close()
  })
})

const examples: Array<{ name: string; path: string; start: () => Promise<ServerProcess> }> = [
  { name: 'examples/bun.ts (Bun)', path: '/zego/callback', start: () => bun('examples/bun.ts', env) },
  {
    name: 'examples/deno.ts (Deno, with the permissions its comment gives)',
    path: '/zego/callback',
    start: () => deno('examples/deno.ts', env, ['--allow-net=127.0.0.1', '--allow-env=ZEGO_CALLBACK_SECRET,PORT']),
  },
  {
    name: 'examples/worker.ts (workerd, examples/wrangler.jsonc)',
    path: '/zego/callback',
    start: () => wrangler('examples/wrangler.jsonc', ['--var', `ZEGO_CALLBACK_SECRET:${secret}`]),
  },
  { name: 'examples/next (built without the secret)', path: '/zego/callback', start: () => next('examples/next', { ZEGO_CALLBACK_SECRET: secret }) },
]
let starting: Map<string, Promise<ServerProcess>> | undefined
// Started together when the first is needed, so their start-up times overlap.
const started = (name: string): Promise<ServerProcess> => {
  starting ??= new Map(examples.map((example) => [example.name, example.start()]))
  for (const server of starting.values()) server.catch(() => {})
  return starting.get(name)!
}
// Stops every one started, also those whose tests a filter left out.
afterAll(async () => {
  await Promise.all([...(starting?.values() ?? [])].map((server) => server.then((started) => started.stop(), () => {})))
})

describe.each(examples)('$name', ({ name, path }) => {
  let server: ServerProcess | undefined
  beforeAll(async () => {
    server = await started(name)
  }, 180_000)

  it('delivers a callback once (its listener logs it), answers the repeat as a duplicate, and refuses a forged one', async () => {
    onTestFailed(() => console.log(`${name} printed:\n${server?.output().slice(-4_000)}`))
    const payload = createCallback('stream_create', { room_id: 'room-9', stream_id: 'stream-9', stream_seq: '4' }, { secret })
    const first = await request(server!.url).post(path).send(payload)
    expect(first.status).toBe(200)
    expect(first.body).toEqual({ ok: true })
    const repeat = await request(server!.url).post(path).send(payload)
    expect(repeat.body).toEqual({ ok: true, duplicate: true })
    const forged = await request(server!.url).post(path).send(withBadSignature(createCallback('mix_start', {}, { secret })))
    expect(forged.status).toBe(401)
    expect(forged.body).toMatchObject({ ok: false, reason: 'bad_signature' })
    // What the listeners printed reaches this process a little after the answers.
    await expect.poll(() => server!.output()).toContain('rejected 401 bad_signature')
    expect(server!.output()).toContain('streamCreated room=room-9 stream=stream-9 seq=4 attempt=1')
    expect(server!.output().match(/streamCreated room=room-9/g)).toHaveLength(1)
  })

  it('answers other methods on the callback path 405, and other paths 404', async () => {
    onTestFailed(() => console.log(`${name} printed:\n${server?.output().slice(-4_000)}`))
    expect((await request(server!.url).get(path)).status).toBe(405)
    expect((await request(server!.url).post('/elsewhere').send(createCallback('mix_start', {}, { secret }))).status).toBe(404)
  })
})
