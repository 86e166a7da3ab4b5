import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LiveStreamList, type LiveListMode } from '../src/index.js'
import type { ListEvent } from './support/live-history.js'
import { finalList, historyArbitrary, historyToEvents, permutations } from './support/live-history.js'

// Delivers the events in order, sweeping before the ones whose index is in `sweeps` (the list's
// clock moves 1 ms a call: nothing it holds may expire yet).
async function deliver(mode: LiveListMode, events: readonly ListEvent[], sweeps: readonly number[] = []) {
  let clock = 1_000
  const list = new LiveStreamList({ mode, now: () => clock++, sweepEveryMs: 0 })
  for (const [index, event] of events.entries()) {
    if (sweeps.includes(index)) await list.sweep()
    await list.apply(event)
  }
  return finalList(list)
}

describe.each<LiveListMode>(['rooms', 'streams'])('LiveStreamList in %s mode', (mode) => {
  it('converges to the in-order list for any delivery order, with duplicates, sweeps and a clock a day off', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArbitrary(mode).chain((history) => {
          const events = historyToEvents(history, mode)
          return fc.record({
            events: fc.constant(events),
            delivered: fc
              .array(fc.nat({ max: Math.max(events.length - 1, 0) }), { maxLength: 6 })
              .map((duplicates) => [...events, ...duplicates.flatMap((i) => (events[i] ? [events[i]] : []))])
              .chain((all) => fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length })),
            sweeps: fc.array(fc.nat({ max: events.length + 6 }), { maxLength: 4 }),
          })
        }),
        async ({ events, delivered, sweeps }) => {
          expect(await deliver(mode, delivered, sweeps)).toEqual(await deliver(mode, events))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('converges for every order of two room sessions, one with a recreated stream', async () => {
    const history = {
      rooms: [
        {
          roomId: 'r1',
          sessions: [
            { id: '6085791336856668982', streams: [{ id: 's1', steps: ['create', 'recreate', 'close'] as const }] },
            { id: '6085791336856669001', streams: [{ id: 's2', steps: ['create'] as const }] },
          ],
          lastOpen: true,
        },
      ],
    }
    const events = historyToEvents(history, mode)
    const expected = await deliver(mode, events)
    expect(expected.streams.map((stream) => stream.streamId)).toEqual(['s2'])
    // Room mode: 7 callbacks, 5040 orders; stream mode: 4 callbacks, 24 orders.
    const orders = permutations(events)
    expect(orders).toHaveLength(mode === 'rooms' ? 5040 : 24)
    for (const order of orders) expect(await deliver(mode, order)).toEqual(expected)
  })
})
