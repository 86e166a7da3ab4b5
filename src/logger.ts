import { ListenerError, type RejectionReason, type ZegoCallbackError } from './errors.js'
import type { ZegoProduct } from './envelope.js'

/** What each line says besides its message; pino merges it into the line, console prints it first. */
export interface LogFields {
  /** The stable code of the refusal or failure. */
  reason: RejectionReason
  /** The HTTP status answered; absent for a failure reported after the answer. */
  status?: number
  /** What is known of the callback concerned. */
  product?: ZegoProduct | undefined
  event?: string | undefined
  appId?: number | undefined
  /** The callback's deduplication key. */
  key?: string | undefined
  /** Which delivery of the callback failed. */
  attempt?: number | undefined
  /** The failure underneath: what a listener threw, the store's error (pino's `err` key). */
  err?: unknown
  /** Lines of this reason left out by the rate limit since the last one written. */
  suppressed?: number
}

/**
 * Where zego-callbacks writes the refusals and failures an operator must see: pino, console and
 * most loggers fit (`logger: pino()`, `logger: console`). Each method gets the fields, then the message.
 */
export interface ZegoLogger {
  /** A shutdown refusal (503 closing). */
  info(fields: LogFields, message: string): void
  /** A refused request (4xx) and 503 overloaded. */
  warn(fields: LogFields, message: string): void
  /** A failed callback (5xx) and a failure no answer reports. */
  error(fields: LogFields, message: string): void
}

/** What the receiver knows of a callback when it refuses or reports it. */
export type CallbackFacts = Pick<LogFields, 'product' | 'event' | 'appId' | 'key' | 'attempt'>

type Level = keyof ZegoLogger

/** Lines of one reason written per window; the rest are counted and said on the next line. */
const LINES_PER_WINDOW = 10
const WINDOW_MS = 60_000

/**
 * Writes one JSON line per call to the console (warn and error to stderr), in the shape of a pino
 * line: `{"level":"warn","time":...,"name":"zego-callbacks","msg":...,...fields}`.
 */
const consoleJsonLogger: ZegoLogger = {
  info: (fields, message) => console.info(jsonLine('info', fields, message)),
  warn: (fields, message) => console.warn(jsonLine('warn', fields, message)),
  error: (fields, message) => console.error(jsonLine('error', fields, message)),
}

/** Checks the `logger` option: a logger with `info`, `warn` and `error`, or `false` for none. */
export function resolveLogger(option: unknown): ZegoLogger | undefined {
  if (option === undefined) return consoleJsonLogger
  if (option === false) return undefined
  const logger = option as Partial<Record<Level, unknown>> | null
  if (typeof logger?.info !== 'function' || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError(
      'zego-callbacks: the `logger` option must have info, warn and error methods (pino, console) or be false to log nothing',
    )
  }
  return option as ZegoLogger
}

/**
 * Logs each refusal and failure once, at most `LINES_PER_WINDOW` a minute for each reason, so a
 * flood of forged requests cannot flood the log; never throws, whatever the logger does.
 */
export class CallbackLog {
  readonly #logger: ZegoLogger | undefined
  readonly #now: () => number
  /** Whether a configured secret begins or ends with whitespace: a copy-paste slip worth naming on a 401. */
  readonly #paddedSecret: boolean
  readonly #windows = new Map<string, { start: number; lines: number; suppressed: number }>()

  constructor(logger: ZegoLogger | undefined, settings: { now: () => number; secrets: readonly string[] }) {
    this.#logger = logger
    this.#now = settings.now
    this.#paddedSecret = settings.secrets.some((secret) => secret !== secret.trim())
  }

  /** A request answered `status` (not 2xx) because of `error`. */
  refused(error: ZegoCallbackError, status: number, about: CallbackFacts | undefined): void {
    if (this.#logger === undefined) return
    const level: Level = error.code === 'closing' ? 'info' : status >= 500 && error.code !== 'overloaded' ? 'error' : 'warn'
    this.#write(level, { reason: error.code, status, ...about, err: failureOf(error) }, `${status} ${error.code}: ${error.message}${this.#hint(error.code)}`)
  }

  /** A failure no answer reports: an acknowledged listener failure, one after a deadline's 503, a store failure after delivery. */
  unreported(error: ZegoCallbackError, about: CallbackFacts): void {
    if (this.#logger === undefined) return
    this.#write('error', { reason: error.code, ...about, err: failureOf(error) }, `${error.code} after the answer to ZEGO: ${error.message}`)
  }

  #write(level: Level, fields: LogFields, message: string): void {
    const logger = this.#logger as ZegoLogger
    const now = this.#now()
    let window = this.#windows.get(fields.reason)
    if (window === undefined || !(now - window.start < WINDOW_MS)) {
      const suppressed = window?.suppressed ?? 0
      window = { start: now, lines: 0, suppressed: 0 }
      this.#windows.set(fields.reason, window)
      if (suppressed > 0) {
        fields.suppressed = suppressed
        message += ` (${suppressed} more ${fields.reason} lines were held back by the rate limit)`
      }
    }
    if (window.lines === LINES_PER_WINDOW) {
      window.suppressed++
      return
    }
    if (++window.lines === LINES_PER_WINDOW) {
      message += ` (${LINES_PER_WINDOW} ${fields.reason} lines this minute: the next ones are counted, not written, until ${new Date(window.start + WINDOW_MS).toISOString()})`
    }
    for (const key of Object.keys(fields) as Array<keyof LogFields>) if (fields[key] === undefined) delete fields[key]
    try {
      logger[level](fields, message)
    } catch {
      // A logger that throws must not change the answer to ZEGO.
    }
  }

  // What to check, said in the log only (the answer never helps a forger).
  #hint(reason: RejectionReason): string {
    if (reason === 'bad_signature') {
      const padded = this.#paddedSecret ? '; a configured secret begins or ends with whitespace' : ''
      return ` (check that \`secret\` / ZEGO_CALLBACK_SECRET is the project's CallbackSecret from the ZEGO console, not its ServerSecret or AppSign${padded})`
    }
    if (reason === 'stale_timestamp') return " (check this server's clock, e.g. NTP; a captured callback replayed later is stale too)"
    return ''
  }
}

// The failure underneath a refusal: what the listener threw (all of them when several), the
// store's error, a bug's cause; nothing for a refused request, whose message says it all.
function failureOf(error: ZegoCallbackError): unknown {
  if (error instanceof ListenerError) return error.errors.length === 1 ? error.errors[0] : error.cause
  return error.cause
}

function jsonLine(level: Level, fields: LogFields, message: string): string {
  const line = { level, time: new Date().toISOString(), name: 'zego-callbacks', msg: message, ...fields }
  if (fields.err !== undefined) line.err = serializeError(fields.err)
  try {
    return JSON.stringify(line)
  } catch {
    return JSON.stringify({ ...line, err: String(fields.err) })
  }
}

// An Error's own JSON is `{}`: keep what a reader needs, as pino's error serializer does.
function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return typeof value === 'bigint' ? value.toString() : value
  const code = (value as { code?: unknown }).code
  return {
    type: value.name,
    message: value.message,
    ...(code === undefined ? {} : { code }),
    stack: value.stack,
    ...(value instanceof AggregateError ? { errors: value.errors.map(serializeError) } : {}),
  }
}
