import type { RequestListener } from 'node:http'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { describe, expectTypeOf, it } from 'vitest'
import { zegoCallbacks as fastifyCallbacks, type ZegoFastifyPlugin } from '../adapters/fastify.js'
import { zegoCallbacks as fetchCallbacks, type ZegoFetchHandler } from '../adapters/fetch.js'
import { zegoCallbacks as nodeCallbacks, type ZegoNodeHandler } from '../adapters/node.js'
import type { StreamCreatedEvent, ZegoReceiver } from '../src/index.js'

describe('the fetch handler', () => {
  const zego = fetchCallbacks({ secret: 's' })

  it('is a Request -> Promise<Response> function, as Next.js, Bun, Deno, Workers and Hono take it', () => {
    expectTypeOf(zego).toBeCallableWith(new Request('http://localhost/'))
    expectTypeOf(zego).returns.toEqualTypeOf<Promise<Response>>()
    expectTypeOf(zego).toExtend<(request: Request) => Promise<Response>>()
    new Hono().all('/zego/callback', (c) => zego(c.req.raw))
  })

  it('narrows payloads and chains to itself', () => {
    zego.on('streamCreated', (event) => {
      expectTypeOf(event).toEqualTypeOf<StreamCreatedEvent>()
    })
    expectTypeOf(zego.on('callback', () => {}).once('mixStarted', () => {}).off('callback')).toEqualTypeOf<ZegoFetchHandler>()
    expectTypeOf(zego.receiver).toEqualTypeOf<ZegoReceiver>()
    // @ts-expect-error 'nope' is not an event name
    zego.on('nope', () => {})
  })
})

describe('the node:http handler', () => {
  it('is a request listener and chains to itself', () => {
    const zego = nodeCallbacks({ secret: 's' })
    expectTypeOf(zego).toExtend<RequestListener>()
    expectTypeOf(zego.on('streamCreated', () => {})).toEqualTypeOf<ZegoNodeHandler>()
  })
})

describe('the Fastify plugin', () => {
  it('registers on a Fastify app and chains to itself', () => {
    const zego = fastifyCallbacks({ secret: 's' })
    Fastify().register(zego, { prefix: '/hooks' })
    expectTypeOf(zego.on('streamCreated', () => {})).toEqualTypeOf<ZegoFastifyPlugin>()
  })
})
