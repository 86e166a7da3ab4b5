import { createServer } from 'node:http'
import connect from 'connect'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { zegoCallbacks } from '../adapters/node.js'
import { createCallback } from '../src/testing/index.js'

const secret = 'node-adapter-secret'

describe('zego-callbacks/node as http.createServer(zego)', () => {
  it('answers the callback path, 405 for other methods there, and 404 elsewhere', async () => {
    const seen: string[] = []
    const server = createServer(
      zegoCallbacks({ secret }).on('mixStarted', (event) => {
        seen.push(event.taskId)
      }),
    )
    expect((await request(server).post('/zego/callback?from=zego').send(createCallback('mix_start', { task_id: '111111:1111' }, { secret }))).status).toBe(200)
    expect(seen).toEqual(['111111:1111'])
    const get = await request(server).get('/zego/callback')
    expect(get.status).toBe(405)
    expect(get.headers['allow']).toBe('POST')
    const elsewhere = await request(server).post('/other').send(createCallback('mix_start', {}, { secret }))
    expect(elsewhere.status).toBe(404)
    expect(seen).toHaveLength(1)
  })

  it('leaves the answer alone when another handler in the stack answered first (a timeout guard)', async () => {
    const app = connect()
    app.use((_req, res, next) => {
      setTimeout(() => {
        if (!res.headersSent) res.writeHead(503).end('timeout')
      }, 20)
      next()
    })
    app.use(zegoCallbacks({ secret }).on('mixStarted', () => new Promise((resolve) => setTimeout(resolve, 80))))
    const response = await request(app).post('/zego/callback').send(createCallback('mix_start', {}, { secret }))
    expect(response.status).toBe(503)
    // The late answer would have thrown ERR_HTTP_HEADERS_SENT here.
    await new Promise((resolve) => setTimeout(resolve, 120))
  })
})
