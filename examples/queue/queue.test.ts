import { spawn, type ChildProcess } from 'node:child_process'
import { Queue } from 'bullmq'
import request from 'supertest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createCallback, signCallback, type CallbackPayload } from 'zego-callbacks/testing'
import { describeRedisServer, useRedis } from '../../test/support/redis.js'
import { QUEUE } from './redis.js'
import { createQueueApp } from './server.js'

const secret = 'queue-example-secret'

describeRedisServer('examples/queue: callbacks handed to BullMQ, a worker process doing the work', () => {
  const redis = useRedis({ own: true })
  let server: Awaited<ReturnType<typeof createQueueApp>>
  let queue: Queue
  let worker: ChildProcess | undefined
  const processed: Array<{ job: string; event: string; key: string; streamId: string }> = []
  beforeAll(async () => {
    server = await createQueueApp(redis.url, { secret })
    queue = new Queue(QUEUE, { connection: redis.client })
  })
  afterAll(async () => {
    worker?.kill('SIGTERM')
    await queue?.close()
    await server?.close()
  })
  const post = (payload: CallbackPayload) => request(server.app).post('/zego/callback').send(payload)
  const waiting = () => queue.getJobCountByTypes('wait', 'active', 'completed')

  it('answers ZEGO once the job is stored, one job per callback however often ZEGO sends it', async () => {
    const callbacks = Array.from({ length: 4 }, (_, i) => createCallback('stream_create', { stream_id: `cam-${i}`, stream_sid: `sid-${i}` }, { secret }))
    for (const [i, payload] of callbacks.entries()) {
      expect((await post(payload)).status).toBe(200)
      expect(await waiting()).toBe(i + 1) // stored before the answer
      // The same bytes again, and a retry ZEGO re-signed: duplicates, no new job.
      expect((await post(payload)).body).toEqual({ ok: true, duplicate: true })
      expect((await post(signCallback({ ...payload }, { secret }))).body).toEqual({ ok: true, duplicate: true })
    }
    expect(await waiting()).toBe(4)
  })

  it('lets a separate worker process consume each job once', async () => {
    worker = spawn(process.execPath, ['--import', 'tsx', 'examples/queue/worker.ts'], {
      env: { ...process.env, REDIS_URL: redis.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    worker.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.startsWith('{')) processed.push(JSON.parse(line))
    })
    const started = Date.now()
    while (processed.length < 4 && Date.now() - started < 15_000) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(processed.map((job) => job.streamId).sort()).toEqual(['cam-0', 'cam-1', 'cam-2', 'cam-3'])
    expect(processed.every((job) => job.event === 'stream_create' && job.key.startsWith('stream_create:'))).toBe(true)
  }, 20_000)

  it('keeps one job when a delivery whose outcome Redis lost is delivered again', async () => {
    const lost = processed[0]
    if (lost === undefined) throw new Error('no job processed')
    // As if the store's completion had failed after the job was stored: the outcome is gone.
    expect(await redis.client.del(`zego:{delivery}:done:${lost.key}`)).toBe(1)
    const again = createCallback('stream_create', { stream_id: lost.streamId, stream_sid: `sid-${lost.streamId.slice(4)}` }, { secret })
    expect((await post(again)).body).toEqual({ ok: true }) // the listener ran again
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await waiting()).toBe(4)
    expect(processed).toHaveLength(4)
  })
})
