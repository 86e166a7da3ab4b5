import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { zegoCallbacks } from '../adapters/express.js'
import type { CallbackEvent, DeliveryContext } from '../src/index.js'
import { createCallback, toFormBody, toJsonBody } from '../src/testing/index.js'

// The CLI as users run it: a real process posting to a real server. Its source is bundled once
// (as tsdown does for the bin, which scripts/smoke-package.sh runs through npx), so that each run
// starts in a tenth of the time `--import tsx` takes.
const secret = 'cli-secret-0123456789'
const scratch = mkdtempSync(join(tmpdir(), 'zego-cli-'))
const bin = join(scratch, 'cli.cjs')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function cli(args: string[], options: { env?: Record<string, string | undefined>; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ZEGO_CALLBACK_SECRET: undefined, ...options.env }
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.stdin ?? '')
  })
}

const received: Array<{ callback: CallbackEvent; delivery: DeliveryContext; contentType: string | undefined }> = []
let failuresLeft = 0
let url = ''
let close: () => void = () => {}

beforeAll(async () => {
  await build({ entryPoints: ['src/cli/main.ts'], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: bin, logLevel: 'error' })
  const zego = zegoCallbacks({ secret, logger: false }).on('callback', (callback, delivery) => {
    if (failuresLeft > 0) {
      failuresLeft--
      throw new Error('db down')
    }
    received.push({ callback, delivery, contentType: lastContentType })
  })
  let lastContentType: string | undefined
  const app = express()
  app.use((req, _res, next) => {
    lastContentType = req.headers['content-type']
    next()
  })
  app.use(zego)
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/zego/callback`
  close = () => server.close()
})

afterAll(() => {
  close()
  rmSync(scratch, { recursive: true, force: true })
})

const newOnes = (run: () => Promise<Run>) => async () => {
  const before = received.length
  const result = await run()
  return { ...result, delivered: received.slice(before) }
}

describe('zego-callbacks send', () => {
  it('posts a signed callback of ZEGO\'s example with the fields given, and prints the answer', async () => {
    const { code, stdout, delivered } = await newOnes(() =>
      cli(['send', 'stream_create', '--url', url, '--field', 'stream_id=cam-9', '--field', 'room_session_id=6085791336856668982'], {
        env: { ZEGO_CALLBACK_SECRET: secret },
      }),
    )()
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`^POST ${url} stream_create: 200 \\{"ok":true\\} \\(\\d+ ms\\)\\n$`))
    expect(delivered).toHaveLength(1)
    expect(delivered[0]?.callback.raw).toMatchObject({ stream_id: 'cam-9', room_session_id: '6085791336856668982', room_id: 'room1' })
    expect(delivered[0]?.contentType).toBe('application/json')
  })

  it('--count posts distinct callbacks, --form form-encoded, --secret instead of the environment', async () => {
    const { code, stdout, delivered } = await newOnes(() => cli(['send', 'mix_start', '--url', url, '--secret', secret, '--count', '3', '--form']))()
    expect(code).toBe(0)
    expect(stdout.trim().split('\n')).toEqual([1, 2, 3].map((i) => expect.stringMatching(new RegExp(`mix_start #${i}: 200 \\{"ok":true\\}`))))
    expect(new Set(delivered.map((d) => d.delivery.key)).size).toBe(3)
    expect(delivered.every((d) => d.contentType === 'application/x-www-form-urlencoded')).toBe(true)
  })

  it('builds another product\'s callback, in its own key case', async () => {
    const { code, delivered } = await newOnes(() => cli(['send', 'AgentInstanceCreated', '--url', url, '--secret', secret]))()
    expect(code).toBe(0)
    expect(delivered.map((d) => [d.callback.product, d.callback.event])).toEqual([['ai_agent', 'AgentInstanceCreated']])
  })

  it('--field key alone removes the field: the refusal is printed and the exit status is 1', async () => {
    const { code, stdout, stderr } = await cli(['send', 'stream_create', '--url', url, '--secret', secret, '--field', 'stream_sid'])
    expect(code).toBe(1)
    expect(stdout).toContain('stream_create: 400 {"ok":false,"reason":"invalid_payload"')
    expect(stderr).toBe('1 of 1 callback(s) were not answered 2xx\n')
  })

  it("--retries follows ZEGO's schedule until a 2xx: the listeners run again, attempt 3", async () => {
    failuresLeft = 2
    const started = performance.now()
    const { code, stdout, delivered } = await newOnes(() =>
      cli(['send', 'room_login', '--url', url, '--secret', secret, '--retries', '--retry-scale', '0.01']),
    )()
    expect(performance.now() - started).toBeGreaterThanOrEqual(60)
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toContain('room_login: 500 {"ok":false,"reason":"listener_failed"')
    expect(lines[1]).toMatch(/^ {2}retry 1 after 0\.02 s: 500 /)
    expect(lines[2]).toMatch(/^ {2}retry 2 after 0\.04 s: 200 \{"ok":true\}/)
    expect(lines).toHaveLength(3)
    expect(delivered.map((d) => d.delivery.attempt)).toEqual([3])
  })

  it('says when nothing answers, and a wrong secret', async () => {
    const probe = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => probe.once('listening', resolve))
    const { port } = probe.address() as AddressInfo
    await new Promise((resolve) => probe.close(resolve))
    const nobody = await cli(['send', 'stream_create', '--url', `http://127.0.0.1:${port}/zego/callback`, '--secret', secret])
    expect(nobody.code).toBe(1)
    expect(nobody.stdout).toMatch(/stream_create: no answer: ECONNREFUSED/)
    const wrong = await cli(['send', 'stream_create', '--url', url, '--secret', 'the-server-secret'])
    expect(wrong.code).toBe(1)
    expect(wrong.stdout).toContain('401 {"ok":false,"reason":"bad_signature"')
  })

  it.each([
    [['send', 'stream_create'], 'zego-callbacks send: send needs the CallbackSecret: pass --secret or set ZEGO_CALLBACK_SECRET'],
    [['send', 'streamCreated', '--secret', 's'], "'streamCreated' is this package's name for ZEGO's 'stream_create' callback"],
    [['send', 'stream_create', '--secret', 's', '--product', 'zimm'], "there is no product 'zimm'. Did you mean 'zim'?"],
    [['send', 'stream_create', '--secret', 's', '--count', '0'], '--count takes a whole number from 1'],
    [['send', 'stream_create', '--bogus'], "Unknown option '--bogus'"],
    [['sned'], "zego-callbacks: no command 'sned'. Did you mean 'send'?"],
    [[], 'zego-callbacks: no command'],
  ])('%j is a usage error (2): %s', async (args, message) => {
    const { code, stderr } = await cli(args)
    expect(code).toBe(2)
    expect(stderr).toContain(message)
  })

  it.each([['help'], ['send', '--help'], ['-h']])('%j prints the usage', async (...args) => {
    const { code, stdout } = await cli(args)
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Usage: zego-callbacks <command> \[options\]\n/)
    for (const word of ['send <event>', 'verify <file|->', 'replay <file.jsonl>', '--retries', '--resign', '--tolerance']) expect(stdout).toContain(word)
  })
})

describe('zego-callbacks verify', () => {
  const file = (name: string, text: string) => {
    const path = join(scratch, name)
    writeFileSync(path, text)
    return path
  }

  it('prints the normalized event of a valid capture, 19-digit ids exact', async () => {
    const body = toJsonBody(createCallback('stream_create', { room_session_id: 6085791336856668982n }, { secret }))
    const { code, stdout } = await cli(['verify', file('valid.json', body), '--secret', secret])
    expect(code).toBe(0)
    const [first, ...json] = stdout.split('\n')
    expect(first).toMatch(/^valid: rtc stream_create callback, AppID 1, signed -?\d+ s ago; listeners of 'streamCreated' get:$/)
    expect(JSON.parse(json.join('\n'))).toMatchObject({ roomSessionId: '6085791336856668982', streamSeq: 1, codec: 'H.264' })
  })

  it('reads standard input, form bodies told apart by their first character', async () => {
    const body = toFormBody(createCallback('mix_start', {}, { secret }))
    const { code, stdout } = await cli(['verify', '-'], { env: { ZEGO_CALLBACK_SECRET: secret }, stdin: body })
    expect(code).toBe(0)
    expect(stdout).toMatch(/^valid: rtc mix_start callback, AppID 111111, .*'mixStarted' get:\n/)
  })

  it('prints an unmodeled callback as sent', async () => {
    const body = toJsonBody(createCallback('room_user_update', { user_list: ['a'] }, { secret }))
    const { code, stdout } = await cli(['verify', file('unmodeled.json', body), '--secret', secret])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^valid: \w+ room_user_update callback, .*not modeled: listeners of 'callback' get it as sent:\n/)
    expect(stdout).toContain('"user_list": [\n    "a"\n  ]')
  })

  it.each([
    ['a wrong secret, with what to check', 'stream_create', {}, {}, ['--secret', 'the-server-secret'], /^refused: 401 bad_signature: .*CallbackSecret from the ZEGO console, not its ServerSecret/],
    ['an invalid field, with its path', 'stream_create', { stream_seq: 'x' }, {}, [], /^refused: 400 invalid_payload: .*At path: stream_seq -- .*received: "x"/],
    ['an old capture, and how to check it anyway', 'mix_start', {}, { timestamp: 1687981272 }, [], /^refused: 401 stale_timestamp: .*\n\(a capture older than 300 s: pass --tolerance Infinity to check the rest\)\n$/],
  ] as const)('refuses %s (exit 1)', async (_name, event, fields, sign, args, output) => {
    const body = toJsonBody(createCallback(event, fields, { secret, ...sign }))
    const { code, stdout } = await cli(['verify', file(`${event}-${args.length}.json`, body), ...args], { env: { ZEGO_CALLBACK_SECRET: secret } })
    expect(code).toBe(1)
    expect(stdout).toMatch(output)
  })

  it('--tolerance Infinity checks an old capture', async () => {
    const body = toJsonBody(createCallback('mix_start', {}, { secret, timestamp: 1687981272 }))
    const { code, stdout } = await cli(['verify', file('old.json', body), '--secret', secret, '--tolerance', 'Infinity'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^valid: rtc mix_start callback, AppID 111111, signed \d+ s ago/)
  })

  it('a missing file is a usage error', async () => {
    const { code, stderr } = await cli(['verify', join(scratch, 'nothing.json'), '--secret', secret])
    expect(code).toBe(2)
    expect(stderr).toContain('cannot read')
  })
})

describe('zego-callbacks replay', () => {
  it('posts each captured line byte for byte, then as duplicates; --resign makes a stale capture fresh', async () => {
    const fresh = toJsonBody(createCallback('stream_create', { room_session_id: 6085791336856668982n }, { secret }))
    const stale = toJsonBody(createCallback('room_create', { room_session_id: 6085791336856668983n }, { secret, timestamp: 1687981272 }))
    const path = join(scratch, 'captured.jsonl')
    writeFileSync(path, `${fresh}\n\n${stale}\n`)

    const first = await newOnes(() => cli(['replay', path, '--url', url]))()
    expect(first.code).toBe(1)
    expect(first.stdout).toMatch(/^line 1 stream_create: 200 \{"ok":true\} .*\nline 3 room_create: 401 \{"ok":false,"reason":"stale_timestamp"/)
    expect(first.stderr).toBe('1 of 2 callback(s) were not answered 2xx\n')
    expect(first.delivered.map((d) => d.callback.raw['room_session_id'])).toEqual(['6085791336856668982'])

    const again = await newOnes(() => cli(['replay', path, '--url', url, '--resign'], { env: { ZEGO_CALLBACK_SECRET: secret } }))()
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^line 1 stream_create: 200 \{"ok":true,"duplicate":true\} .*\nline 3 room_create: 200 \{"ok":true\} /)
    // Re-signed, the bare 19-digit number is still sent with every digit.
    expect(again.delivered.map((d) => d.callback.raw['room_session_id'])).toEqual(['6085791336856668983'])
  })

  it('says which line is not a callback', async () => {
    const path = join(scratch, 'broken.jsonl')
    writeFileSync(path, '[1, 2]\n{"event": \n')
    const { code, stdout } = await cli(['replay', path, '--url', url])
    expect(code).toBe(1)
    expect(stdout).toMatch(/^line 1: not a captured callback \(not a JSON object\)\nline 2: not a captured callback \(/)
  })
})
