// Instructions per request of each app in bench/apps.mjs, counted by valgrind's callgrind (which
// load on the machine does not change): the app runs under callgrind, takes a warm-up, then its
// counters are zeroed, it answers --requests distinct signed stream_create callbacks over 32
// connections, and its counters are dumped (twice, to show the figure is stable).
// Run: npm run build && node bench/instructions.mjs [--apps 'zego-callbacks,express.json() only'] [--requests 1500] [--warmup 3000]
// (about 5 minutes an app; APPS=other-apps.mjs counts the apps of another file of the same shape).
// Each dump is kept in /tmp/callgrind.<app>.<pid>.<n> for callgrind_annotate; the first dump of a
// run can still hold a major GC or a recompilation: compare the second dumps, and runs of one app
// differ by up to 10%.
import { execFileSync } from 'node:child_process'
import { fork } from 'node:child_process'
import { openSync, readFileSync, readdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { signedBodies } from './bodies.mjs'

const { values } = parseArgs({
  options: {
    apps: { type: 'string', default: 'zego-callbacks,express.json() only,@octokit/webhooks' },
    requests: { type: 'string', default: '1500' },
    warmup: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '32' },
  },
})
const secret = 'bench-secret-0123456789abcdef'
const requests = Number(values.requests)
const connections = Number(values.connections)

const { nextBody, octokitRequest } = signedBodies(secret)

const send = (name, port, amount) =>
  new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/zego/callback`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest: name === '@octokit/webhooks' ? octokitRequest : (req) => ({ ...req, body: nextBody() }) }],
        connections,
        amount,
        timeout: 600,
      },
      (error, result) => {
        if (error) return reject(error)
        if (result.non2xx > 0 || result['2xx'] < amount * 0.99) {
          return reject(new Error(`${name}: ${result['2xx']} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors`))
        }
        resolve(result['2xx'])
      },
    )
  })

// callgrind_control talks to the process when it runs code: a request in flight wakes it.
const control = async (pid, flag, name, port) => {
  const nudge = setInterval(() => void send(name, port, 1).catch(() => {}), 200)
  try {
    execFileSync('callgrind_control', [flag, String(pid)], { stdio: 'ignore' })
  } finally {
    clearInterval(nudge)
  }
}
const totalOf = (file) => Number(/^summary: (\d+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'))?.[1])

for (const name of values.apps.split(',')) {
  const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')
  const child = fork(process.env.APPS ?? 'bench/apps.mjs', [name], {
    execPath: 'valgrind',
    execArgv: ['--tool=callgrind', `--callgrind-out-file=/tmp/callgrind.${slug}.%p`, process.execPath],
    env: { ...process.env, ZEGO_CALLBACK_SECRET: secret },
    stdio: ['ignore', 'ignore', openSync(`/tmp/callgrind.${slug}.stderr`, 'w'), 'ipc'],
  })
  const { port } = await new Promise((resolve) => child.once('message', resolve))
  await send(name, port, Number(values.warmup))
  // Nudges may add a request or so to a dump; against thousands they do not show.
  await control(child.pid, '-z', name, port)
  const figures = []
  for (let dump = 1; dump <= 2; dump++) {
    // A connection left idle past keepAliveTimeout while callgrind dumps is reset: count what was answered.
    const answered = await send(name, port, requests)
    await control(child.pid, '-d', name, port)
    const files = readdirSync('/tmp').filter((file) => file.startsWith(`callgrind.${slug}.${child.pid}.`)).sort()
    figures.push(Math.round(totalOf(`/tmp/${files.at(-1)}`) / answered))
  }
  child.kill()
  console.log(`${name.padEnd(24)} ${figures.map((n) => `${n.toLocaleString('en')} instructions/request`).join('  ')}`)
}
