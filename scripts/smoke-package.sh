#!/usr/bin/env bash
# Installs the packed package into a scratch project and uses it the way consumers do:
# ESM import and CommonJS require of every entry point, and a real signed callback through Express;
# one app mixing both (one copy of the classes); TypeScript with `moduleResolution: node`; the CLI;
# the fetch handler from the packed package in Bun and Deno (the binaries npm installed in the repo).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
tarball="$(cd "$root" && npm pack --silent --pack-destination "$scratch" | tail -n 1)"
cd "$scratch"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "./$tarball" express@5 koa@3 fastify@5 typescript@5 @types/node@20 @types/express@5 @types/koa@3 >/dev/null
cat > esm.mjs <<'JS'
import { ZegoReceiver, computeSignature } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/express'
import { zegoCallbacks as koaCallbacks } from 'zego-callbacks/koa'
import { createCallback } from 'zego-callbacks/testing'
import { zegoCallbacks as fetchCallbacks } from 'zego-callbacks/fetch'
import { zegoCallbacks as nodeCallbacks } from 'zego-callbacks/node'
import { zegoCallbacks as fastifyCallbacks } from 'zego-callbacks/fastify'
import { RedisDeliveryStore, RedisLiveListStore } from 'zego-callbacks/redis'
import express from 'express'
import Fastify from 'fastify'
if (computeSignature('secret', '1470820198', '123412') !== '5bd59fd62953a8059fb7eaba95720f66d19e4517') throw new Error('signature')
if (typeof koaCallbacks({ secret: 's' }).on !== 'function' || !(new ZegoReceiver({ secret: 's' }))) throw new Error('exports')
// The redis subpath loads without the 'redis' package installed: it takes the app's client.
const client = { evalSha: async () => [], eval: async () => [] }
if (!(new RedisDeliveryStore({ client })) || !(new RedisLiveListStore({ client }))) throw new Error('redis exports')
const app = express()
let seen = ''
app.use(zegoCallbacks({ secret: 's' }).on('streamCreated', (e) => { seen = e.roomSessionId }))
const server = app.listen(0, '127.0.0.1')
await new Promise((r) => server.once('listening', r))
const res = await fetch(`http://127.0.0.1:${server.address().port}/zego/callback`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify(createCallback('stream_create', { room_session_id: '6085791336856668982' }, { secret: 's' })),
})
server.close()
if (res.status !== 200 || seen !== '6085791336856668982') throw new Error(`esm: ${res.status} ${seen}`)
const mix = () => JSON.stringify(createCallback('mix_start', {}, { secret: 's' }))
const answer = await fetchCallbacks({ secret: 's' })(new Request('http://localhost/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: mix() }))
const fastify = Fastify().register(fastifyCallbacks({ secret: 's' }))
const injected = await fastify.inject({ method: 'POST', url: '/zego/callback', headers: { 'content-type': 'application/json' }, payload: mix() })
if (answer.status !== 200 || injected.statusCode !== 200 || typeof nodeCallbacks({ secret: 's' }).on !== 'function') {
  throw new Error(`esm adapters: fetch ${answer.status}, fastify ${injected.statusCode}`)
}
console.log('ESM consumer: ok (Express, fetch, Fastify, node)')
JS
cat > cjs.cjs <<'JS'
const { computeSignature, ZegoReceiver, MemoryDeliveryStore } = require('zego-callbacks')
const { zegoCallbacks } = require('zego-callbacks/express')
const koa = require('zego-callbacks/koa')
const adapters = ['fetch', 'node', 'fastify'].map((name) => require(`zego-callbacks/${name}`).zegoCallbacks)
const { createCallback, toFormBody } = require('zego-callbacks/testing')
const { RedisDeliveryStore } = require('zego-callbacks/redis')
if (typeof RedisDeliveryStore !== 'function') throw new Error('redis exports')
if (computeSignature('secret', '1470820198', '9') !== '7fcc89f1cc4457f1871f8359c7d8121cf94e872e') throw new Error('signature')
if (typeof zegoCallbacks({ secret: 's' }) !== 'function' || typeof koa.zegoCallbacks !== 'function') throw new Error('exports')
if (adapters.some((create) => typeof create({ secret: 's' }).on !== 'function')) throw new Error('adapter exports')
const store = new MemoryDeliveryStore()
const [one, two] = [new ZegoReceiver({ secret: 's', store }), new ZegoReceiver({ secret: 's', store })]
const body = toFormBody(createCallback('mix_start', {}, { secret: 's' }))
const post = (receiver) => receiver.receive({ method: 'POST', contentType: 'application/x-www-form-urlencoded', body })
post(one).then((first) => post(two).then((second) => {
  if (first.status !== 200 || second.body.duplicate !== true) throw new Error(`cjs: ${first.status} ${JSON.stringify(second.body)}`)
  console.log('CommonJS consumer: ok (a shared store absorbed the repeat)')
}))
JS
cat > runtime.mjs <<'JS'
import { zegoCallbacks } from 'zego-callbacks/fetch'
import { createCallback } from 'zego-callbacks/testing'
const body = JSON.stringify(createCallback('stream_create', {}, { secret: 's' }))
const zego = zegoCallbacks({ secret: 's' })
const first = await zego(new Request('http://localhost/', { method: 'POST', headers: { 'content-type': 'application/json' }, body }))
const again = await zego(new Request('http://localhost/', { method: 'POST', headers: { 'content-type': 'application/json' }, body }))
if (first.status !== 200 || (await again.json()).duplicate !== true) throw new Error(`fetch handler: ${first.status}`)
console.log(`${globalThis.Bun ? 'Bun' : 'Deno'} consumer: ok`)
JS
node esm.mjs
node cjs.cjs
cat > mixed.mjs <<'JS'
// One app, both module systems: `import` and `require` get the same classes (no dual-package hazard).
import { createRequire } from 'node:module'
import { ZegoCallbackError, VerificationError, ZegoReceiver } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/express'
const require = createRequire(import.meta.url)
const cjs = require('zego-callbacks')
if (cjs.ZegoCallbackError !== ZegoCallbackError || require('zego-callbacks/express').zegoCallbacks !== zegoCallbacks) throw new Error('two copies')
const rejected = []
const esmReceiver = new ZegoReceiver({ secret: 's', logger: false }).on('rejected', ({ error }) => rejected.push(error))
const cjsReceiver = new cjs.ZegoReceiver({ secret: 's', logger: false }).on('rejected', ({ error }) => rejected.push(error))
for (const receiver of [esmReceiver, cjsReceiver]) await receiver.receive({ method: 'POST', contentType: 'application/json', body: '{"event":"x"}' })
if (!rejected.every((error) => error instanceof ZegoCallbackError && error instanceof cjs.VerificationError && error instanceof VerificationError)) {
  throw new Error('instanceof failed across import and require')
}
console.log('import + require in one app: ok (one ZegoCallbackError class)')
JS
node mixed.mjs
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "commonjs", "moduleResolution": "node", "target": "es2022", "strict": true, "noEmit": true, "types": ["node"], "skipLibCheck": true } }
JSON
# The published declarations themselves, checked too (@types/koa 3 has errors of its own: not it).
cat > tsconfig.dts.json <<'JSON'
{ "compilerOptions": { "module": "nodenext", "target": "es2022", "strict": true, "noEmit": true, "types": ["node"], "skipLibCheck": false },
  "include": ["node_modules/zego-callbacks/dist/*.d.ts", "node_modules/zego-callbacks/dist/*.d.cts"], "exclude": ["node_modules/zego-callbacks/dist/koa.d.*"] }
JSON
npx tsc -p tsconfig.dts.json
cat > node10.ts <<'TS'
// TypeScript's `moduleResolution: node` (node10) ignores `exports`: every subpath still has types.
import { ZegoReceiver, type StreamCreatedEvent } from 'zego-callbacks'
import { zegoCallbacks, type ZegoExpressMiddleware, type MixStartedEvent } from 'zego-callbacks/express'
import { zegoCallbacks as koa, type RejectedEvent } from 'zego-callbacks/koa'
import { createCallback, type CallbackPayload, type ZegoEventMap } from 'zego-callbacks/testing'
const zego: ZegoExpressMiddleware = zegoCallbacks({ secret: 's' })
zego.on('streamCreated', (event: StreamCreatedEvent) => event.streamSeq.toFixed())
zego.on('mixStarted', (event: MixStartedEvent) => event.taskId.toUpperCase())
koa({ secret: 's' }).on('rejected', (event: RejectedEvent) => event.status)
const payload: CallbackPayload = createCallback('stream_create', {}, { secret: 's' })
const created: ZegoEventMap['streamCreated'] | undefined = undefined
void [payload, created, new ZegoReceiver({ secret: 's' })]
TS
npx tsc -p tsconfig.json
echo 'TypeScript, moduleResolution node: ok'
cat > cli.mjs <<'JS'
// The CLI as `npx zego-callbacks`, posting to a real server of the packed package.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import express from 'express'
import { zegoCallbacks } from 'zego-callbacks/express'
const streams = []
const app = express().use(zegoCallbacks({ secret: 's', logger: false }).on('streamCreated', (e) => streams.push(e.streamId)))
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const url = `http://127.0.0.1:${server.address().port}/zego/callback`
const { stdout } = await promisify(execFile)('npx', ['--no', 'zego-callbacks', 'send', 'stream_create', '--url', url, '--secret', 's', '--field', 'stream_id=cam-1', '--count', '2'])
server.close()
if (!/stream_create #2: 200 \{"ok":true\}/.test(stdout) || streams.join() !== 'cam-1,cam-1') throw new Error(`cli: ${stdout} ${streams}`)
console.log('npx zego-callbacks send: ok')
JS
node cli.mjs
"$root/node_modules/.bin/bun" runtime.mjs
DENO_NO_UPDATE_CHECK=1 "$root/node_modules/.bin/deno" run runtime.mjs
