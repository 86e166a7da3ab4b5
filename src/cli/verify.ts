import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { eventDefinitions } from '../events/registry.js'
import type { LogFields, ZegoLogger } from '../logger.js'
import { ZegoReceiver, type CallbackEvent } from '../receiver.js'
import { numberFrom, secretFrom, UsageError } from './options.js'

/**
 * `verify <file|->`: checks a captured body as the receiver would (signature, freshness, payload)
 * and prints the normalized event, or the precise reason it is refused; 1 when refused.
 */
export async function verify(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { secret: { type: 'string' }, form: { type: 'boolean' }, tolerance: { type: 'string' } },
  })
  const [source, ...extra] = positionals
  if (source === undefined || extra.length > 0) throw new UsageError("verify takes one file, or '-' for standard input")
  const secret = secretFrom(values.secret, 'verify')
  const toleranceSeconds = numberFrom('tolerance', values.tolerance, 300, true)
  const body = source === '-' ? await readStdin() : await readFile(source, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${source}: ${error.code ?? error.message}`)
  })
  const form = values.form ?? !body.trimStart().startsWith('{')
  const said: string[] = []
  const say = (_fields: LogFields, message: string) => said.push(message)
  const logger: ZegoLogger = { info: say, warn: say, error: say }
  const receiver = new ZegoReceiver({ secret, toleranceSeconds, logger })
  let callback: CallbackEvent | undefined
  let modeled: { name: string; payload: unknown } | undefined
  receiver.on('callback', (event) => {
    callback = event
  })
  for (const { name } of eventDefinitions) {
    receiver.on(name, (payload: unknown) => {
      modeled = { name, payload }
    })
  }
  const answer = await receiver.receive({ method: 'POST', contentType: form ? 'application/x-www-form-urlencoded' : 'application/json', body })
  if (answer.status !== 200 || callback === undefined) {
    const reason = said[0] ?? `${answer.status} ${JSON.stringify(answer.body)}`
    const stale = answer.body.ok === false && answer.body.reason === 'stale_timestamp'
    process.stdout.write(`refused: ${reason}\n`)
    if (stale) process.stdout.write(`(a capture older than ${toleranceSeconds} s: pass --tolerance Infinity to check the rest)\n`)
    return 1
  }
  const age = Math.round((Date.now() - callback.timestampMs) / 1000)
  const when = age >= 0 ? `${age} s ago` : `${-age} s in the future`
  const about = `${callback.product} ${callback.event} callback, AppID ${callback.appId ?? 'none'}, signed ${when}`
  if (modeled === undefined) {
    process.stdout.write(`valid: ${about}; not modeled: listeners of 'callback' get it as sent:\n${JSON.stringify(callback.raw, null, 2)}\n`)
  } else {
    const { raw: _raw, ...fields } = modeled.payload as Record<string, unknown>
    process.stdout.write(`valid: ${about}; listeners of '${modeled.name}' get:\n${JSON.stringify(fields, null, 2)}\n`)
  }
  return 0
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
