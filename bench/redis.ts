// The Redis side of `npm run bench -- --redis`: a redis-server of its own, the two apps of
// bench/redis-apps.mjs beside the others, and Redis commands per callback counted with MONITOR.
import { monitorCommands, startRedisServer } from '../test/support/redis-server.js'

export async function redisBench() {
  const server = await startRedisServer()
  return {
    appNames: ['zego-callbacks + Redis', 'hand-rolled SET NX PX'],
    file: 'bench/redis-apps.mjs',
    env: { REDIS_URL: server.url },
    /** Commands the app sends Redis per new callback, then per repeat of the same ones (`count` each). */
    async commandsPerCallback(port: number, nextBody: () => string, count = 200) {
      const bodies = Array.from({ length: count }, nextBody)
      const send = async () => {
        for (const body of bodies) {
          const answer = await fetch(`http://127.0.0.1:${port}/zego/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
          if (answer.status !== 200) throw new Error(`answered ${answer.status}`)
        }
      }
      const fresh = await monitorCommands(server.url, send)
      const repeated = await monitorCommands(server.url, send)
      return { fresh: fresh.length / count, repeated: repeated.length / count }
    },
    stop: () => server.stop(),
  }
}
