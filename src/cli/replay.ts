import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { signCallback, toFormBody, toJsonBody, type CallbackPayload } from '../testing/index.js'
import { parseExactJson } from './exact-json.js'
import { DEFAULT_URL, secretFrom, UsageError } from './options.js'
import { delivered, describeAnswer, post } from './post.js'

/**
 * `replay <file.jsonl>`: posts captured callbacks again, one JSON payload a line, as they were
 * (byte for byte) or signed anew (`--resign`); 1 when one was not answered 2xx.
 */
export async function replay(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { url: { type: 'string' }, secret: { type: 'string' }, resign: { type: 'boolean' }, form: { type: 'boolean' } },
  })
  const [file, ...extra] = positionals
  if (file === undefined || extra.length > 0) throw new UsageError('replay takes one file of captured callbacks, one JSON payload a line')
  const secret = values.resign ? secretFrom(values.secret, 'replay --resign') : undefined
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code ?? error.message}`)
  })
  const url = values.url ?? DEFAULT_URL
  let sent = 0
  let failed = 0
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    sent++
    let payload: CallbackPayload
    try {
      const parsed = parseExactJson(line)
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('not a JSON object')
      payload = parsed as CallbackPayload
    } catch (error) {
      failed++
      process.stdout.write(`line ${index + 1}: not a captured callback (${(error as Error).message})\n`)
      continue
    }
    const outgoing = secret === undefined ? payload : signCallback(payload, { secret })
    // Unchanged and as JSON: the line itself, so every byte is as captured.
    const body = values.form ? toFormBody(outgoing) : secret === undefined ? line : toJsonBody(outgoing)
    const answer = await post(url, values.form ? 'application/x-www-form-urlencoded' : 'application/json', body)
    if (!delivered(answer)) failed++
    const event = String(payload['event'] ?? payload['Event'] ?? payload['event_type'] ?? payload['EventType'] ?? '?')
    process.stdout.write(`line ${index + 1} ${event}: ${describeAnswer(answer)}\n`)
  }
  if (failed > 0) process.stderr.write(`${failed} of ${sent} callback(s) were not answered 2xx\n`)
  return failed > 0 ? 1 : 0
}
