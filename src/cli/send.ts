import { parseArgs } from 'node:util'
import { createCallback, toFormBody, toJsonBody, type CallbackValue } from '../testing/index.js'
import { countFrom, DEFAULT_URL, numberFrom, productFrom, secretFrom, UsageError } from './options.js'
import { describeAnswer, postWithRetries } from './post.js'

/** `send <event>`: posts signed callbacks built from ZEGO's example for the event; 1 when one was never answered 2xx. */
export async function send(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      product: { type: 'string' },
      field: { type: 'string', multiple: true },
      form: { type: 'boolean' },
      count: { type: 'string' },
      retries: { type: 'boolean' },
      'retry-scale': { type: 'string' },
    },
  })
  const [event, ...extra] = positionals
  if (event === undefined || extra.length > 0) throw new UsageError('send takes one event name, ZEGO\'s: send stream_create')
  const secret = secretFrom(values.secret, 'send')
  const product = productFrom(values.product)
  const fields = fieldsFrom(values.field ?? [])
  const count = countFrom('count', values.count, 1, 1)
  const scale = numberFrom('retry-scale', values['retry-scale'], 1)
  const url = values.url ?? DEFAULT_URL
  const contentType = values.form ? 'application/x-www-form-urlencoded' : 'application/json'
  let failed = 0
  for (let index = 1; index <= count; index++) {
    // Each call builds a new callback (its own identity), signed now.
    const payload = createCallback(event, fields, { secret, product })
    const body = values.form ? toFormBody(payload) : toJsonBody(payload)
    const label = count > 1 ? `${event} #${index}` : event
    const ok = await postWithRetries(url, contentType, body, {
      retries: values.retries ?? false,
      scale,
      report: (answer, retry, waitedS) => {
        const what = retry === 0 ? `POST ${url} ${label}` : `  retry ${retry} after ${waitedS} s`
        process.stdout.write(`${what}: ${describeAnswer(answer)}\n`)
      },
    })
    if (!ok) failed++
  }
  if (failed > 0) process.stderr.write(`${failed} of ${count} callback(s) were not answered 2xx\n`)
  return failed > 0 ? 1 : 0
}

// `key=value` sets ZEGO's field `key` to the string `value`; a bare `key` removes the field.
function fieldsFrom(specs: readonly string[]): Record<string, CallbackValue | undefined> {
  const fields: Record<string, CallbackValue | undefined> = {}
  for (const spec of specs) {
    const equals = spec.indexOf('=')
    const key = equals === -1 ? spec : spec.slice(0, equals)
    if (key === '') throw new UsageError(`--field takes key=value (or key alone, to remove it), got '${spec}'`)
    Object.defineProperty(fields, key, { value: equals === -1 ? undefined : spec.slice(equals + 1), enumerable: true, writable: true, configurable: true })
  }
  return fields
}
