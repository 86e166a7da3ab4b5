import { MAX_TIMER_MS } from './delivery/deadline.js'
import type { FailurePolicy } from './delivery/deliverer.js'
import { isKeyValueStore, keyValueDeliveryStore, type KeyValueStore } from './delivery/key-value.js'
import { MemoryDeliveryStore, type DeliveryStore } from './delivery/store.js'
import { resolveLogger, type ZegoLogger } from './logger.js'
import { didYouMean } from './names.js'
import type { CallbackEvent } from './verify.js'

export type { FailurePolicy } from './delivery/deliverer.js'

/** Options of `zegoCallbacks()` and `ZegoReceiver`; every one is optional. */
export interface ZegoCallbacksOptions {
  /**
   * The project's CallbackSecret from the ZEGO console (not the ServerSecret); several during a
   * rotation. Defaults to `process.env.ZEGO_CALLBACK_SECRET`.
   */
  secret?: string | readonly string[] | undefined
  /** The path answered when mounted with `app.use()`; default `'/zego/callback'`. */
  path?: string | undefined
  /**
   * How far `timestamp` may be from now, in seconds, either way; default 300. `Infinity` turns the
   * check off (then a signature is remembered for `retentionMs` only).
   */
  toleranceSeconds?: number | undefined
  /** The largest body accepted, in bytes; default 102400 (100 KiB). */
  bodyLimit?: number | undefined
  /** How long the whole body may take to arrive, in milliseconds; default 10000. */
  bodyTimeoutMs?: number | undefined
  /** Only callbacks of these AppIDs are accepted (403 otherwise); default: every AppID. */
  appId?: number | string | ReadonlyArray<number | string> | undefined
  /** The clock, in milliseconds since the epoch; default `Date.now`. Tests can pin it. */
  now?: (() => number) | undefined
  /**
   * Where delivery records live; default a `MemoryDeliveryStore` in this process. Share one between
   * instances. A 1.0 store (`get`, `setIfAbsent`, `delete`) is still accepted.
   */
  store?: DeliveryStore | KeyValueStore | undefined
  /**
   * Your own deduplication key for a callback; return `undefined` to keep the default (the event
   * name, AppID and the event's identifying fields, or the signature for unmodeled events).
   */
  dedupeKey?: ((callback: CallbackEvent) => string | undefined) | undefined
  /**
   * How long a delivered callback is remembered, in milliseconds; default the timestamp tolerance
   * plus ZEGO's retry tail (300 s + 65 s), or one hour when the tolerance is `Infinity`.
   */
  retentionMs?: number | undefined
  /**
   * How long one instance may hold a callback it is delivering before another may take it over,
   * in milliseconds; default 30000. Keep listeners well within it.
   */
  lockTtlMs?: number | undefined
  /** What to answer when a listener fails; default `'retry'` (500). */
  failurePolicy?: FailurePolicy | undefined
  /**
   * How long the answer waits for the listeners, in milliseconds, before a 503 (they go on
   * running; a success answers ZEGO's retry as a duplicate); default 10000, `Infinity` to wait.
   */
  listenerTimeoutMs?: number | undefined
  /**
   * Most verified callbacks handled at once (listeners still running after a deadline included);
   * beyond it the answer is 503; default 512, `Infinity` for no cap. Bodies still arriving do not count.
   */
  maxInFlight?: number | undefined
  /**
   * Where each refusal and failure is written, one line each, at most 10 a minute per reason:
   * pino, console or any `{ info, warn, error }`; `false` for nothing. Default: a JSON line on the
   * console (stderr for warnings and errors).
   */
  logger?: ZegoLogger | false | undefined
}

// Every option, to name the one meant when an unknown one is passed (plain JavaScript, a typo).
// `Listed` makes tsc refuse the list when an option is missing from it.
type Listed<Names extends readonly string[]> = [Exclude<keyof ZegoCallbacksOptions, Names[number]>] extends [never] ? Names : never
const allOptions = [
  'secret',
  'path',
  'toleranceSeconds',
  'bodyLimit',
  'bodyTimeoutMs',
  'appId',
  'now',
  'store',
  'dedupeKey',
  'retentionMs',
  'lockTtlMs',
  'failurePolicy',
  'listenerTimeoutMs',
  'maxInFlight',
  'logger',
] as const satisfies ReadonlyArray<keyof ZegoCallbacksOptions>
const optionNames: readonly string[] = allOptions satisfies Listed<typeof allOptions>

/** Options after defaults and checks. */
export interface ResolvedOptions {
  secrets: readonly string[]
  path: string
  toleranceSeconds: number
  bodyLimit: number
  bodyTimeoutMs: number
  appIds: ReadonlySet<string> | undefined
  now: () => number
  store: DeliveryStore
  dedupeKey: ((callback: CallbackEvent) => string | undefined) | undefined
  retentionMs: number
  lockTtlMs: number
  failurePolicy: FailurePolicy
  listenerTimeoutMs: number
  maxInFlight: number
  logger: ZegoLogger | undefined
}

/** Applies defaults and throws a `TypeError` naming the option and the fix for anything unusable. */
export function resolveOptions(options: ZegoCallbacksOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`zego-callbacks: the options must be an object, got ${describe(options)}`)
  }
  for (const name of Object.keys(options)) {
    if (!optionNames.includes(name)) {
      throw new TypeError(`zego-callbacks: there is no \`${name}\` option.${didYouMean(name, optionNames)} Options: ${optionNames.join(', ')}.`)
    }
  }
  const secretOption: unknown = options.secret ?? process.env['ZEGO_CALLBACK_SECRET']
  if (secretOption !== undefined && typeof secretOption !== 'string' && !Array.isArray(secretOption)) {
    throw new TypeError(
      `zego-callbacks: the \`secret\` option must be a string (your CallbackSecret from the ZEGO console) or an array of them, got ${describe(secretOption)}`,
    )
  }
  const secrets: unknown[] = typeof secretOption === 'string' ? [secretOption] : [...(secretOption ?? [])]
  const notText = secrets.find((secret) => typeof secret !== 'string')
  if (notText !== undefined) {
    throw new TypeError(`zego-callbacks: every secret in the \`secret\` array must be a string, got ${describe(notText)}`)
  }
  if (secrets.length === 0 || secrets.some((secret) => secret === '')) {
    throw new TypeError(
      'zego-callbacks: no callback secret. Pass the `secret` option (your CallbackSecret from the ZEGO console) or set ZEGO_CALLBACK_SECRET.',
    )
  }
  const path = options.path ?? '/zego/callback'
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`zego-callbacks: the \`path\` option must be a string starting with '/', got ${describe(path)}`)
  }
  const toleranceSeconds = nonNegative('toleranceSeconds', options.toleranceSeconds, 300, true)
  const now = options.now ?? Date.now
  const { store, dedupeKey, failurePolicy = 'retry' } = options
  if (store !== undefined && !isStore(store) && !isKeyValueStore(store)) {
    throw new TypeError(
      'zego-callbacks: the `store` option must have claim, complete, renew and release methods (see DeliveryStore), or get, setIfAbsent and delete (a 1.0 store)',
    )
  }
  if (dedupeKey !== undefined && typeof dedupeKey !== 'function') {
    throw new TypeError('zego-callbacks: the `dedupeKey` option must be a function returning a string or undefined')
  }
  if (failurePolicy !== 'retry' && failurePolicy !== 'acknowledge' && typeof failurePolicy !== 'function') {
    throw new TypeError(
      `zego-callbacks: the \`failurePolicy\` option must be 'retry', 'acknowledge' or a function returning a status, got ${describe(failurePolicy)}`,
    )
  }
  const retentionDefault = Number.isFinite(toleranceSeconds) ? toleranceSeconds * 1000 + 65_000 : 3_600_000
  return {
    secrets: secrets as string[],
    path,
    toleranceSeconds,
    bodyLimit: nonNegative('bodyLimit', options.bodyLimit, 100 * 1024, false),
    bodyTimeoutMs: timer('bodyTimeoutMs', nonNegative('bodyTimeoutMs', options.bodyTimeoutMs, 10_000, false)),
    appIds: appIds(options.appId),
    now,
    store: store === undefined ? new MemoryDeliveryStore({ now }) : isStore(store) ? store : keyValueDeliveryStore(store, { now }),
    dedupeKey,
    retentionMs: positive('retentionMs', options.retentionMs, retentionDefault, false),
    lockTtlMs: positive('lockTtlMs', options.lockTtlMs, 30_000, false),
    failurePolicy,
    listenerTimeoutMs: timer('listenerTimeoutMs', positive('listenerTimeoutMs', options.listenerTimeoutMs, 10_000, true)),
    maxInFlight: positive('maxInFlight', options.maxInFlight, 512, true),
    logger: resolveLogger(options.logger),
  }
}

function isStore(value: unknown): value is DeliveryStore {
  const store = value as Partial<Record<keyof DeliveryStore, unknown>> | null
  return (
    typeof store?.claim === 'function' &&
    typeof store.complete === 'function' &&
    typeof store.renew === 'function' &&
    typeof store.release === 'function'
  )
}

function positive(name: string, value: number | undefined, fallback: number, infinite: boolean): number {
  const result = nonNegative(name, value, fallback, infinite)
  if (result === 0) throw new TypeError(`zego-callbacks: the \`${name}\` option must be above 0, got 0`)
  return result
}

// Node runs a setTimeout longer than 2^31 - 1 ms after 1 ms.
function timer(name: string, value: number): number {
  if (value > MAX_TIMER_MS && value !== Infinity) {
    throw new TypeError(
      `zego-callbacks: the \`${name}\` option must be at most ${MAX_TIMER_MS} (about 24.8 days)${name === 'listenerTimeoutMs' ? ' or Infinity' : ''}, got ${value}`,
    )
  }
  return value
}

function nonNegative(name: string, value: number | undefined, fallback: number, infinite: boolean): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!infinite && !Number.isFinite(value))) {
    throw new TypeError(
      `zego-callbacks: the \`${name}\` option must be a ${infinite ? 'number >= 0 (or Infinity)' : 'finite number >= 0'}, got ${describe(value)}`,
    )
  }
  return value
}

// A value as the caller wrote it, its type said when it is not a number: `'300'` is a string.
function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

function appIds(option: ZegoCallbacksOptions['appId']): ReadonlySet<string> | undefined {
  if (option === undefined) return undefined
  const list = Array.isArray(option) ? option : [option]
  const ids = list.map((appId: unknown) => {
    const text = String(appId)
    if ((typeof appId !== 'number' && typeof appId !== 'string') || !/^\d+$/.test(text)) {
      throw new TypeError(`zego-callbacks: the \`appId\` option takes AppIDs (digits), got ${JSON.stringify(appId)}`)
    }
    return text.replace(/^0+(?=\d)/, '')
  })
  return new Set(ids)
}
