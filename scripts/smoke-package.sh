#!/usr/bin/env bash
# Installs the packed package into a scratch project and uses it the way consumers do:
# ESM import and CommonJS require of every entry point, and a real signed callback through Express.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
tarball="$(cd "$root" && npm pack --silent --pack-destination "$scratch" | tail -n 1)"
cd "$scratch"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "./$tarball" express@5 koa@3 >/dev/null
cat > esm.mjs <<'JS'
import { ZegoReceiver, computeSignature } from 'zego-callbacks'
import { zegoCallbacks } from 'zego-callbacks/express'
import { zegoCallbacks as koaCallbacks } from 'zego-callbacks/koa'
import { createCallback } from 'zego-callbacks/testing'
import { RedisDeliveryStore, RedisLiveListStore } from 'zego-callbacks/redis'
import express from 'express'
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
console.log('ESM consumer: ok')
JS
cat > cjs.cjs <<'JS'
const { computeSignature, ZegoReceiver, MemoryDeliveryStore } = require('zego-callbacks')
const { zegoCallbacks } = require('zego-callbacks/express')
const koa = require('zego-callbacks/koa')
const { createCallback, toFormBody } = require('zego-callbacks/testing')
const { RedisDeliveryStore } = require('zego-callbacks/redis')
if (typeof RedisDeliveryStore !== 'function') throw new Error('redis exports')
if (computeSignature('secret', '1470820198', '9') !== '7fcc89f1cc4457f1871f8359c7d8121cf94e872e') throw new Error('signature')
if (typeof zegoCallbacks({ secret: 's' }) !== 'function' || typeof koa.zegoCallbacks !== 'function') throw new Error('exports')
const store = new MemoryDeliveryStore()
const [one, two] = [new ZegoReceiver({ secret: 's', store }), new ZegoReceiver({ secret: 's', store })]
const body = toFormBody(createCallback('mix_start', {}, { secret: 's' }))
const post = (receiver) => receiver.receive({ method: 'POST', contentType: 'application/x-www-form-urlencoded', body })
post(one).then((first) => post(two).then((second) => {
  if (first.status !== 200 || second.body.duplicate !== true) throw new Error(`cjs: ${first.status} ${JSON.stringify(second.body)}`)
  console.log('CommonJS consumer: ok (a shared store absorbed the repeat)')
}))
JS
node esm.mjs
node cjs.cjs
