// The worker: takes the callbacks the server queued, one job each, and does the slow work there
// (here it prints one line per job). Run: REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/queue/worker.ts
import { Worker } from 'bullmq'
import type { RawPayload } from 'zego-callbacks'
import { connectRedis, QUEUE } from './redis.js'

const client = await connectRedis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379')
const worker = new Worker<RawPayload>(
  QUEUE,
  async (job) => {
    // Your work: a database write, a push to your clients, a call to another service.
    console.log(JSON.stringify({ job: job.id, event: job.name, key: job.opts.deduplication?.id, streamId: job.data['stream_id'] }))
  },
  { connection: client },
)
worker.on('failed', (job, error) => console.error(`job ${job?.id} failed: ${error.message}`))
console.log('worker ready')
process.once('SIGTERM', () => void worker.close().then(() => client.close()))
