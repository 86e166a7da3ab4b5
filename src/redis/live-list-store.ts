import type { HeldCallback, LiveListStore, RoomRead, RoomSnapshot, RoomUpdate, StreamRecord } from '../live-list/store.js'
import { LuaScript, redisStoreOptions, unexpectedReply, wholeMs, type RedisScriptClient, type RedisStoreOptions } from './client.js'

// Per room, under one hash tag: `room` (a hash: version, header, gen), `live` (a hash of the live
// stream records by stream id), `held` (a hash of the held callbacks by id, each value stamped
// `<expiresAt>:<json>`, the key expiring with its latest item), and one key per tombstone,
// `gone:<streamId>`, stamped `<expiresAt>:<gen>:<json>` and expiring by PX. `gen` changes whenever
// the streams are cleared or the room is created, so tombstones of an earlier generation (a
// cleared or a forgotten room) read as absent while their keys wait for their TTL.
const CLOCK = `
local function clock(given)
  if given ~= '' then return tonumber(given) end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`

// KEYS: room, live, held, then the tombstone key of each stream id asked. ARGV: now ('' for
// Redis's clock), '1' to read every live record, '1' to read the held callbacks, then the stream ids.
// Answers {} for an unknown room, else {version, header, records, held}.
const READ = new LuaScript(`${CLOCK}
local room = redis.call('HMGET', KEYS[1], 'version', 'header', 'gen')
if not room[1] then return {} end
local now = clock(ARGV[1])
local every = ARGV[2] == '1'
local records = {}
for i = 4, #ARGV do
  local live = redis.call('HGET', KEYS[2], ARGV[i])
  if live then
    if not every then records[#records + 1] = live end
  else
    local gone = redis.call('GET', KEYS[i])
    if gone then
      local at, gen, from = string.match(gone, '^(%d+):(%x+):()')
      if gen == room[3] and tonumber(at) > now then records[#records + 1] = string.sub(gone, from) end
    end
  end
end
if every then
  for _, live in ipairs(redis.call('HVALS', KEYS[2])) do records[#records + 1] = live end
end
local held = {}
if ARGV[3] == '1' then
  for _, item in ipairs(redis.call('HVALS', KEYS[3])) do
    local at, from = string.match(item, '^(%d+):()')
    if tonumber(at) > now then held[#held + 1] = string.sub(item, from) end
  end
end
return {room[1], room[2], records, held}
`)

// KEYS: room, live, held, then the tombstone key of each record written. ARGV: now, '' (expect no
// room) or '=' .. the expected version, the header JSON ('' forgets the room), the new version,
// '1' to clear the streams, ttlMs, the record count, then per record its stream id, '1' if live
// and its JSON, then the held count, per held callback its id and JSON, then the ids to release.
// Answers 1 when applied, 0 when the version differed.
const WRITE = new LuaScript(`${CLOCK}
local room = redis.call('HMGET', KEYS[1], 'version', 'gen')
if ARGV[2] == '' then
  if room[1] then return 0 end
elseif room[1] ~= string.sub(ARGV[2], 2) then
  return 0
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return 1
end
local now = clock(ARGV[1])
local ttl = tonumber(ARGV[6])
local expires = string.format('%.0f', now + ttl)
local gen = room[2]
if not room[1] or ARGV[5] == '1' then
  gen = redis.sha1hex(ARGV[4])
  redis.call('DEL', KEYS[2])
end
local at = 8
for i = 1, tonumber(ARGV[7]) do
  if ARGV[at + 1] == '1' then
    redis.call('HSET', KEYS[2], ARGV[at], ARGV[at + 2])
    redis.call('DEL', KEYS[3 + i])
  else
    redis.call('HDEL', KEYS[2], ARGV[at])
    redis.call('SET', KEYS[3 + i], expires .. ':' .. gen .. ':' .. ARGV[at + 2], 'PX', ttl)
  end
  at = at + 3
end
local holds = tonumber(ARGV[at])
at = at + 1
if holds > 0 then
  local items = redis.call('HGETALL', KEYS[3])
  for i = 1, #items, 2 do
    if tonumber(string.match(items[i + 1], '^(%d+):')) <= now then redis.call('HDEL', KEYS[3], items[i]) end
  end
  for i = 1, holds do
    redis.call('HSET', KEYS[3], ARGV[at], expires .. ':' .. ARGV[at + 1])
    at = at + 2
  end
  if redis.call('PTTL', KEYS[3]) < ttl then redis.call('PEXPIRE', KEYS[3], ttl) end
end
for i = at, #ARGV do redis.call('HDEL', KEYS[3], ARGV[i]) end
redis.call('HSET', KEYS[1], 'version', ARGV[4], 'header', ARGV[3], 'gen', gen)
return 1
`)

// The index of room ids: a sorted set outside any room's slot, scored by when each was added.
// KEYS: index. ARGV: score, room id.
const INDEX_ADD = new LuaScript(`return redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])`)
// KEYS: index. Answers the room ids.
const INDEX_LIST = new LuaScript(`return redis.call('ZRANGE', KEYS[1], 0, -1)`)
// KEYS: index. ARGV: the latest score to drop, then room ids: drops each one added no later.
const INDEX_DROP = new LuaScript(`
local dropped = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[1]) then dropped = dropped + redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return dropped
`)
// KEYS: a room's hash. Answers 1 when the room is stored.
const EXISTS = new LuaScript(`return redis.call('EXISTS', KEYS[1])`)

// An index entry younger than this is never dropped, even when its room reads as absent: the
// room may be being created (its entry is added just before, and again after a slow creation).
const INDEX_GRACE_MS = 60_000

/** Options of a `RedisLiveListStore`. */
export interface RedisLiveListStoreOptions extends RedisStoreOptions {
  /**
   * The clock, in ms, that decides which tombstones and held callbacks reads skip as expired;
   * default the Redis server's own (`TIME`), one clock for every instance.
   *
   * Note: meant for tests. Redis still deletes each `ttlMs` after its write, on its own clock.
   */
  now?: (() => number) | undefined
}

/**
 * A `LiveListStore` on Redis shared by every instance: a read and a write are one Lua script each
 * (a write compares and sets the room's version), every key of a room carries the room's hash tag
 * (one Redis Cluster slot), and tombstones and held callbacks expire by Redis TTLs, never a sweep.
 *
 * Note: `roomIds()` reads an index of room ids kept beside the rooms (another slot, so it is
 * updated outside the room's write: a room is added before it is created and dropped once it is
 * gone); it checks that each room exists, one command per room.
 */
export class RedisLiveListStore implements LiveListStore {
  readonly #client: RedisScriptClient
  readonly #prefix: string
  readonly #index: string
  readonly #now: (() => number) | undefined

  /** Throws a `TypeError` when `client` cannot run scripts, has no `error` listener, or `prefix` has braces. */
  constructor(options: RedisLiveListStoreOptions) {
    const { client, prefix } = redisStoreOptions('RedisLiveListStore', options)
    this.#client = client
    this.#prefix = prefix
    this.#index = `${prefix}{rooms}`
    this.#now = options.now
  }

  async read(roomId: string, what: RoomRead): Promise<RoomSnapshot | undefined> {
    const room = this.#room(roomId)
    const keys = [room.hash, room.live, room.held, ...what.streamIds.map(room.gone)]
    const args = [this.#clock(), what.live ? '1' : '0', what.held ? '1' : '0', ...what.streamIds]
    const reply = await READ.run(this.#client, keys, args)
    if (!Array.isArray(reply)) return unexpectedReply(reply, 'a live list read')
    if (reply.length === 0) return undefined
    const [version, header, records, held] = reply as [string, string, string[], string[]]
    const waiting = held.map((item) => JSON.parse(item) as HeldCallback).sort((a, b) => a.id - b.id)
    return { version, header: JSON.parse(header), streams: records.map((record) => JSON.parse(record) as StreamRecord), held: waiting }
  }

  async write(roomId: string, expected: string | undefined, update: RoomUpdate): Promise<boolean> {
    const room = this.#room(roomId)
    const creating = expected === undefined && update.header !== null
    const startedAt = Date.now()
    if (creating) await INDEX_ADD.run(this.#client, [this.#index], [String(startedAt), roomId])
    const keys = [room.hash, room.live, room.held, ...update.streams.map((record) => room.gone(record.streamId))]
    const args = [
      this.#clock(),
      expected === undefined ? '' : `=${expected}`,
      update.header === null ? '' : JSON.stringify(update.header),
      update.version,
      update.clearStreams ? '1' : '0',
      wholeMs(update.ttlMs),
      String(update.streams.length),
      ...update.streams.flatMap((record) => [record.streamId, record.live ? '1' : '0', JSON.stringify(record)]),
      String(update.hold.length),
      ...update.hold.flatMap((item) => [String(item.id), JSON.stringify(item)]),
      ...update.release.map(String),
    ]
    const applied = Number(await WRITE.run(this.#client, keys, args)) === 1
    if (!applied) return false
    // A creation slow enough for a reader to have dropped its index entry adds it again.
    if (creating && Date.now() - startedAt > INDEX_GRACE_MS / 2) await INDEX_ADD.run(this.#client, [this.#index], [String(Date.now()), roomId])
    if (update.header === null) await this.#dropFromIndex([roomId])
    return true
  }

  async roomIds(): Promise<string[]> {
    const reply = await INDEX_LIST.run(this.#client, [this.#index], [])
    if (!Array.isArray(reply)) return unexpectedReply(reply, 'the room index')
    const ids = reply.map(String)
    const exists = await Promise.all(ids.map((roomId) => EXISTS.run(this.#client, [this.#room(roomId).hash], [])))
    const gone = ids.filter((_, i) => Number(exists[i]) !== 1)
    if (gone.length > 0) await this.#dropFromIndex(gone)
    return ids.filter((_, i) => Number(exists[i]) === 1)
  }

  // Drops index entries added before the grace period: a room being created now keeps its own.
  async #dropFromIndex(roomIds: string[]): Promise<void> {
    await INDEX_DROP.run(this.#client, [this.#index], [String(Date.now() - INDEX_GRACE_MS), ...roomIds])
  }

  #clock(): string {
    return this.#now === undefined ? '' : String(Math.max(0, Math.floor(this.#now())))
  }

  // Braces in the id are escaped so the hash tag is the room's, whatever its id.
  #room(roomId: string) {
    const base = `${this.#prefix}{room:${roomId.replace(/[%{}]/g, (c) => encodeURIComponent(c))}}`
    return { hash: `${base}:room`, live: `${base}:live`, held: `${base}:held`, gone: (streamId: string) => `${base}:gone:${streamId}` }
  }
}
