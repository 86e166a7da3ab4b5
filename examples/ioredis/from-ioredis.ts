// The Redis stores take a node-redis client as it is; an ioredis client (or Cluster) needs these
// few lines, mapping the two calls the stores make onto ioredis's own.
import type { Cluster, Redis } from 'ioredis'
import type { RedisScriptClient } from 'zego-callbacks/redis'

export function fromIoredis(redis: Redis | Cluster): RedisScriptClient {
  return {
    evalSha: (sha1, { keys, arguments: args }) => redis.evalsha(sha1, keys.length, ...keys, ...args),
    eval: (script, { keys, arguments: args }) => redis.eval(script, keys.length, ...keys, ...args),
  }
}
