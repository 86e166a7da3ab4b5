import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { createCallback } from '../src/testing/index.js'
import { frameworks, type Framework } from './support/frameworks.js'

const secret = 'no-body-answers-secret'

// A failurePolicy may acknowledge a failed callback with any status from 200 to 599. HTTP gives
// 204, 205 and 304 no content: each adapter sends them without a body or a content type (the fetch
// adapter's Response.json threw on them, so the answer became a 500).
describe.each(frameworks)('$name: a status without content', (framework: Framework) => {
  it.each([204, 205, 304])('answers %i from a failurePolicy with no body and no content type', async (status) => {
    const { server, zego } = framework.build({ secret, failurePolicy: () => status, logger: false })
    zego.on('error', () => {})
    zego.on('streamCreated', () => {
      throw new Error('listener failed')
    })
    const response = await request(server).post('/zego/callback').send(createCallback('stream_create', {}, { secret }))
    expect(response.status).toBe(status)
    expect(response.headers['content-type']).toBeUndefined()
    expect(response.text ?? '').toBe('')
  })
})
