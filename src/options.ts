/** Options of `zegoCallbacks()` and `ZegoReceiver`; every one is optional. */
export interface ZegoCallbacksOptions {
  /**
   * The project's CallbackSecret from the ZEGO console (not the ServerSecret); several during a
   * rotation. Defaults to `process.env.ZEGO_CALLBACK_SECRET`.
   */
  secret?: string | readonly string[] | undefined
  /** The path answered when mounted with `app.use()`; default `'/zego/callback'`. */
  path?: string | undefined
  /** How far `timestamp` may be from now, in seconds, either way; default 300. `Infinity` turns the check off. */
  toleranceSeconds?: number | undefined
  /** The largest body accepted, in bytes; default 102400 (100 KiB). */
  bodyLimit?: number | undefined
  /** How long the whole body may take to arrive, in milliseconds; default 10000. */
  bodyTimeoutMs?: number | undefined
  /** Only callbacks of these AppIDs are accepted (403 otherwise); default: every AppID. */
  appId?: number | string | ReadonlyArray<number | string> | undefined
  /** The clock, in milliseconds since the epoch; default `Date.now`. Tests can pin it. */
  now?: (() => number) | undefined
}

/** Options after defaults and checks. */
export interface ResolvedOptions {
  secrets: readonly string[]
  path: string
  toleranceSeconds: number
  bodyLimit: number
  bodyTimeoutMs: number
  appIds: ReadonlySet<string> | undefined
  now: () => number
}

/** Applies defaults and throws a `TypeError` naming the option and the fix for anything unusable. */
export function resolveOptions(options: ZegoCallbacksOptions = {}): ResolvedOptions {
  const secretOption = options.secret ?? process.env['ZEGO_CALLBACK_SECRET']
  const secrets = typeof secretOption === 'string' ? [secretOption] : [...(secretOption ?? [])]
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret === '')) {
    throw new TypeError(
      'zego-callbacks: no callback secret. Pass the `secret` option (your CallbackSecret from the ZEGO console) or set ZEGO_CALLBACK_SECRET.',
    )
  }
  const path = options.path ?? '/zego/callback'
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`zego-callbacks: the \`path\` option must be a string starting with '/', got ${String(path)}`)
  }
  return {
    secrets,
    path,
    toleranceSeconds: nonNegative('toleranceSeconds', options.toleranceSeconds, 300, true),
    bodyLimit: nonNegative('bodyLimit', options.bodyLimit, 100 * 1024, false),
    bodyTimeoutMs: nonNegative('bodyTimeoutMs', options.bodyTimeoutMs, 10_000, false),
    appIds: appIds(options.appId),
    now: options.now ?? Date.now,
  }
}

function nonNegative(name: string, value: number | undefined, fallback: number, infinite: boolean): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!infinite && !Number.isFinite(value))) {
    throw new TypeError(
      `zego-callbacks: the \`${name}\` option must be a ${infinite ? 'number >= 0 (or Infinity)' : 'finite number >= 0'}, got ${String(value)}`,
    )
  }
  return value
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
