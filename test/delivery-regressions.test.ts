// Regression tests from a review of the delivery guarantees. Each test marked `// Was a defect,
// found in review:` failed before its fix; the others are edge cases the review checked and found
// sound, kept so they stay that way.
import { afterEach, describe, expect, it } from 'vitest'
import {
  MemoryDeliveryStore,
  ZegoReceiver,
  type DeliveryStore,
  type KeyValueStore,
} from '../src/index.js'
import { toJsonBody } from '../src/testing/index.js'
import { deferred, deliveryHarness } from './support/delivery.js'
import { MapKeyValueStore } from './support/kv-store.js'

const secret = 'review-secret'
const harness = deliveryHarness(secret)
const { clock, setup, sign } = harness
const { resign } = harness

afterEach(() => {
  harness.reset()
})

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const HUNG = Symbol('hung')
const orHang = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, sleep(ms).then(() => HUNG)])

/** The memory store's protocol as plain functions, to replace one step. */
const protocol = (): DeliveryStore => {
  const inner = new MemoryDeliveryStore({ now: () => clock.now })
  return {
    claim: (request) => inner.claim(request),
    complete: (request) => inner.complete(request),
    renew: (key, token, ms) => inner.renew(key, token, ms),
    release: (key, token) => inner.release(key, token),
  }
}

describe('review: defects', () => {
  // Was a defect, found in review: src/delivery/deliverer.ts:290-296 `within()` hands listenerTimeoutMs straight to
  // setTimeout. Node clamps any delay above 2^31-1 ms (~24.8 days) to 1 ms (TimeoutOverflowWarning),
  // and resolveOptions (src/options.ts:117) accepts any finite positive number. So a user who
  // writes "practically no deadline" as a large number (2 ** 31, 1e10, 30 days) gets
  // 503 listener_timeout after 1 ms for every callback whose listeners await anything.
  // Fixed by refusing such values at creation (Infinity still waits for ever); bodyTimeoutMs had the same overflow.
  it('a listenerTimeoutMs or bodyTimeoutMs above 2^31-1 ms is refused at creation, not answered 503 after 1 ms', async () => {
    expect(() => setup({ listenerTimeoutMs: 2 ** 31 })).toThrow(/listenerTimeoutMs.*at most 2147483647/)
    expect(() => setup({ bodyTimeoutMs: 2 ** 31 })).toThrow(/bodyTimeoutMs.*at most 2147483647/)
    const { receiver, post } = setup({ listenerTimeoutMs: 2 ** 31 - 1 })
    receiver.on('mixStarted', () => sleep(20))
    expect((await post(sign('mix_start'))).status).toBe(200)
  })

  // Was a defect, found in review: src/delivery/deliverer.ts:104 awaits #checkSignature (store.setIfAbsent / get) BEFORE
  // the listener deadline starts (line 115). A store call that stalls (a Redis connection stuck
  // mid-failover, a SQL lock) in the signature check hangs the request for ever: no 503, the
  // request stays in inFlight (so maxInFlight of them refuse everything with 503 overloaded), and
  // close() never resolves. The same stall one step later (taking the lock, inside #run) is
  // answered 503 listener_timeout after listenerTimeoutMs: the control below passes.
  it('a store that stalls is answered 503 after listenerTimeoutMs, wherever it stalls', async () => {
    const hang = new Promise<never>(() => {})
    // A 1.0 store stalling while the signature is checked, or while the lock is taken.
    const stallOn = (prefix: string): KeyValueStore => {
      const inner = new MapKeyValueStore(() => clock.now)
      return {
        get: (key) => inner.get(key),
        setIfAbsent: (key, value, ttl) => (key.startsWith(prefix) ? hang : inner.setIfAbsent(key, value, ttl)),
        delete: (key) => inner.delete(key),
      }
    }
    for (const store of [stallOn('zego:lock:'), stallOn('zego:sig:'), { ...protocol(), claim: () => hang }]) {
      const { post, receiver } = setup({ store, listenerTimeoutMs: 50 })
      const answer = await orHang(post(sign('mix_start')), 1_000)
      expect(answer).toMatchObject({ status: 503, body: { reason: 'store_failed' } })
      expect(receiver.inFlight).toBe(0)
    }
  })

  // Was a defect, found in review: src/delivery/deliverer.ts:102-104 + 202. The `done` record of a key lives for the TTL
  // computed from the timestamp of the request that RAN; a duplicate answered by key (a retry ZEGO
  // re-signed later) only records its own triple, for the freshness of ITS later timestamp, and
  // never extends the `done` record. Once `done` expires, an exact replay of that retry (its triple
  // is still fresh, so it passes the freshness check and the signature check says "same body")
  // runs the listeners again. With the default retentionMs (365 s) this happens whenever ZEGO's
  // clock is more than ~64 s ahead of ours (fresh > retention, allowed by the 300 s tolerance);
  // with a shorter retentionMs it happens at any skew. README: "not delivered again while it is
  // remembered (retentionMs, and at least as long as its signature is fresh)".
  it("a replay of a duplicate retry is still a duplicate while the retry's signature is fresh (default retention)", async () => {
    const { post, seen } = setup()
    // ZEGO's clock 200 s ahead of ours: within the 300 s tolerance.
    const first = sign('mix_start', {}, 200)
    expect((await post(first)).status).toBe(200)
    clock.now += 32_000 // ZEGO's retry, 32 s later (its answer was lost), re-signed
    const retry = resign(first, 200)
    expect((await post(retry)).body).toEqual({ ok: true, duplicate: true })
    clock.now += 478_000 // 510 s after the first: first's record expired (501 s), the retry's triple is fresh until 533 s
    const replay = await post(retry)
    expect(replay.status).toBe(200)
    expect(replay.body).toEqual({ ok: true, duplicate: true })
    expect(seen.delivered).toHaveLength(1)
  })

  // Was a defect, found in review: same cause, shown with a short retentionMs and no clock skew.
  it('a replay of a duplicate retry is still a duplicate while its signature is fresh (short retentionMs)', async () => {
    const { post, seen } = setup({ retentionMs: 1_000 })
    const first = sign('mix_start')
    await post(first)
    clock.now += 10_000
    const retry = resign(first)
    expect((await post(retry)).body).toEqual({ ok: true, duplicate: true })
    clock.now += 295_000 // the retry's timestamp is 295 s old: fresh; the first's record expired at 301 s
    expect((await post(retry)).body).toEqual({ ok: true, duplicate: true })
    expect(seen.delivered).toHaveLength(1)
  })

  // Was a defect, found in review: src/delivery/deliverer.ts:164-173 + src/receiver.ts:150,343-351. Reports are
  // fire-and-forget (`void this.#report(...)`), and close() waits only for answers and runs
  // (receiver.ts:194-198), not for the `error` listeners it has just called. A failure after a
  // deadline's 503 (README: "the failure goes to error") whose `error` listener is async (log
  // shipping, a DB write, Sentry) is cut off by `await zego.close(); process.exit()` on SIGTERM.
  // close() is documented to resolve "once every one in flight has been answered and its
  // listeners have finished".
  it("close() waits for the error listeners of failures it reports", async () => {
    const receiver = new ZegoReceiver({ secret, now: () => clock.now, listenerTimeoutMs: 20 })
    const gate = deferred()
    receiver.on('mixStarted', async () => {
      await gate.promise
      throw new Error('late failure')
    })
    let reported = false
    receiver.on('error', async () => {
      await sleep(30)
      reported = true
    })
    const answer = await receiver.receive({ method: 'POST', contentType: 'application/json', body: toJsonBody(sign('mix_start')) })
    expect(answer.status).toBe(503)
    gate.resolve()
    await receiver.close()
    expect(reported).toBe(true)
  })

  // Was a defect, found in review: src/delivery/deliverer.ts:184,265 + 211-214. The lock is taken once with lockTtlMs
  // (30 s) and never renewed, although the run deliberately outlives the request (the deadline's
  // 503: "the listeners go on"). Past lockTtlMs another instance sharing the store takes the lock
  // (setIfAbsent on an expired key) while the first is still running: the listeners run twice at
  // once and both runs succeed, silently (no `error`, no warning). The first instance then deletes
  // the lock the second one holds (`store.delete(lockKey)` with no owner check), so a third
  // could join too. With the defaults (deadline 10 s, lock 30 s, ZEGO retries at +12/16/24/40 s)
  // any listener slower than 30 s is delivered twice when the 40 s retry lands elsewhere.
  // Fixed by renewing the lock while the listeners run; this test runs on real time so the renewal can happen.
  it('two receivers sharing a store never run one callback at once, even when its listeners outlive lockTtlMs', async () => {
    const store = new MemoryDeliveryStore() // the real clock: the lock must expire in real time
    const a = setup({ store, listenerTimeoutMs: 20, lockTtlMs: 60 })
    const b = setup({ store, listenerTimeoutMs: 20, lockTtlMs: 60 })
    const gate = deferred()
    let running = 0
    let overlap = false
    const slow = async () => {
      running++
      overlap ||= running > 1
      await gate.promise
      running--
    }
    a.receiver.on('mixStarted', slow)
    b.receiver.on('mixStarted', slow)
    const first = sign('mix_start')
    expect((await a.post(first)).status).toBe(503) // deadline; a's listeners go on
    await sleep(200) // past lockTtlMs (60 ms) three times over; a is still delivering
    const retry = b.post(resign(first))
    await sleep(10)
    gate.resolve()
    await retry
    await a.receiver.close()
    expect(overlap).toBe(false)
    expect(a.seen.delivered.length + b.seen.delivered.length).toBe(1)
  })

  it("a listener cannot change the attempt count the deliverer records and the policy sees", async () => {
    const policySaw: number[] = []
    const { receiver, post, seen } = setup({
      failurePolicy: (_error, delivery) => {
        policySaw.push(delivery.attempt)
        return 500
      },
    })
    let fail = true
    const refused: unknown[] = []
    receiver.on('mixStarted', (_event, delivery) => {
      // The type says readonly now; a JavaScript caller can still try, and the frozen context refuses.
      try {
        ;(delivery as { attempt: number }).attempt += 100
      } catch (error) {
        refused.push(error)
      }
      if (fail) throw new Error('transient')
    })
    const first = sign('mix_start')
    expect((await post(first)).status).toBe(500)
    fail = false
    expect((await post(resign(first, 2))).status).toBe(200)
    expect(policySaw).toEqual([1])
    expect(seen.delivered.map((d) => d.delivery.attempt)).toEqual([1, 2])
    expect(refused).toHaveLength(2)
  })

  // Was a defect, found in review: src/delivery/deliverer.ts:249-251 + 226 + 209. When a failurePolicy function returns a
  // value whose String() throws (a null-prototype object, e.g. a status table built with
  // Object.create(null) and returned by mistake), #statusFor throws outside its try, #runListeners
  // rethrows, and #run's catch labels it `store_failed`: 503 "the delivery store failed reading
  // delivery records", although the store is fine and the listeners DID run (README: store_failed =
  // "nothing was delivered"). No `error` (internal_error) is reported, unlike a policy that throws
  // or returns a non-status (deliverer.ts:239-255).
  it('a failurePolicy returning an unprintable value answers 500 and reports internal_error, not store_failed', async () => {
    const { receiver, post, seen } = setup({ failurePolicy: () => Object.create(null) as number })
    receiver.on('mixStarted', () => {
      throw new Error('listener')
    })
    const answer = await post(sign('mix_start'))
    expect(answer.body).not.toMatchObject({ reason: 'store_failed' })
    expect(answer.status).toBe(500)
    expect(seen.errors.map((e) => e.error.code)).toEqual(['internal_error'])
  })
})

describe('review: edge cases checked and sound', () => {
  it('inFlight returns to 0 after a deadline orphan is joined by a retry that times out too, then fails', async () => {
    const { receiver, post, seen } = setup({ listenerTimeoutMs: 20 })
    const gate = deferred()
    receiver.on('mixStarted', async () => {
      await gate.promise
      throw new Error('late')
    })
    const first = sign('mix_start')
    expect((await post(first)).status).toBe(503)
    expect(receiver.inFlight).toBe(1)
    expect((await post(resign(first, 2))).status).toBe(503)
    expect(receiver.inFlight).toBe(1)
    gate.resolve()
    await receiver.close()
    expect(receiver.inFlight).toBe(0)
    expect(seen.errors.map((e) => e.error.code)).toEqual(['listener_failed'])
    expect(seen.delivered).toHaveLength(1)
  })

  it('a swapped body racing its genuine retry across two receivers sharing a store is refused, and the listeners run once', async () => {
    const store = new MemoryDeliveryStore({ now: () => clock.now })
    const a = setup({ store })
    const b = setup({ store })
    const genuine = sign('stream_create', { stream_sid: 's1', stream_seq: '1' })
    const swapped = { ...genuine, stream_sid: 's2' }
    const answers = await Promise.all([a.post(genuine), b.post(swapped), a.post(genuine), b.post(genuine)])
    expect(answers.map((x) => x.status).sort()).toEqual([200, 200, 200, 401])
    expect(a.seen.delivered.length + b.seen.delivered.length).toBe(1)
  })
})
