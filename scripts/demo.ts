// The demo: starts examples/express.ts as a real server and posts signed callbacks to it as ZEGO
// would, then shows what the app received. Run: npm run demo
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { createCallback, signCallback, toFormBody, toJsonBody, withBadSignature } from 'zego-callbacks/testing'

const secret = randomBytes(16).toString('hex')
const port = await freePort()
const base = `http://127.0.0.1:${port}`

const server = spawn(process.execPath, ['--import', 'tsx', 'examples/express.ts'], {
  env: { ...process.env, ZEGO_CALLBACK_SECRET: secret, PORT: String(port) },
  stdio: ['ignore', 'pipe', 'pipe'],
})
const listening = new Promise<void>((resolve, reject) => {
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      console.log(`  [server] ${line}`)
      if (line.startsWith('listening')) resolve()
    }
  }
  server.stdout.on('data', onLine)
  server.stderr.on('data', onLine)
  server.once('exit', (code) => reject(new Error(`the example server exited with ${code}`)))
})

const post = async (label: string, contentType: string, body: string): Promise<number> => {
  console.log(`\n> POST /zego/callback  ${label}`)
  const response = await fetch(`${base}/zego/callback`, { method: 'POST', headers: { 'content-type': contentType }, body })
  const text = await response.text()
  await new Promise((resolve) => setTimeout(resolve, 50)) // let the server's log lines arrive first
  console.log(`< ${response.status} ${text}`)
  return response.status
}

let failed = false
const mix = createCallback('mix_start', {}, { secret })
try {
  await listening
  const statuses = [
    await post(
      'stream_create (JSON, room_session_id as a bare 19-digit number)',
      'application/json',
      toJsonBody(createCallback('stream_create', { room_session_id: 6085791336856668982n }, { secret })),
    ),
    await post(
      'stream_create again, a newer stream_seq (form-encoded, as ZEGO form posts)',
      'application/x-www-form-urlencoded',
      toFormBody(createCallback('stream_create', { stream_seq: '02', room_session_id: '6085791336856668982' }, { secret })),
    ),
    await post('mix_start (JSON)', 'application/json', toJsonBody(mix)),
    await post(
      "the same mix_start again, signed anew, as ZEGO's retry after a lost answer (absorbed: no listener runs)",
      'application/json',
      toJsonBody(signCallback({ ...mix }, { secret })),
    ),
    await post(
      'the first mix_start signature replayed with a swapped body',
      'application/json',
      toJsonBody({ ...mix, rtmp_url: 'rtmp://attacker.example/live' }),
    ),
    await post(
      'room_create (room_session_id as ZEGO sends it: a bare 64-bit number)',
      'application/json',
      toJsonBody(createCallback('room_create', { room_session_id: 6085791336856668982n }, { secret })),
    ),
    await post('room_user_update (an event this version does not model)', 'application/json', toJsonBody(createCallback('room_user_update', {}, { secret }))),
    await post(
      'mix_start with a forged signature',
      'application/json',
      toJsonBody(withBadSignature(createCallback('mix_start', {}, { secret }))),
    ),
  ]
  const streams = await (await fetch(`${base}/streams`)).json()
  console.log('\n> GET /streams  (what the app stored)')
  console.log(JSON.stringify(streams, null, 2))
  const expected = [200, 200, 200, 200, 401, 200, 200, 401]
  failed = statuses.some((status, i) => status !== expected[i])
  console.log(`\nanswers ${statuses.join(', ')} (expected ${expected.join(', ')}): ${failed ? 'UNEXPECTED' : 'as expected'}`)
  console.log('\n> SIGTERM  (the server drains: zego.close(), then server.close())')
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve))
  server.kill('SIGTERM')
  const code = await exited
  console.log(`< the server exited with ${code}`)
  failed ||= code !== 0
} catch (error) {
  failed = true
  console.error(error)
} finally {
  server.kill()
}
process.exitCode = failed ? 1 : 0

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number }
      probe.close(() => resolve(free))
    })
    probe.once('error', reject)
  })
}
