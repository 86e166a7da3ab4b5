#!/usr/bin/env node
// `npx zego-callbacks send|verify|replay`: ZEGO's side of the callbacks, from a terminal.
import { didYouMean } from '../names.js'
import { UsageError } from './options.js'
import { replay } from './replay.js'
import { send } from './send.js'
import { verify } from './verify.js'

const usage = `Usage: zego-callbacks <command> [options]

  send <event>         post a signed callback built from ZEGO's example for <event> (ZEGO's
                       name: stream_create, mix_start, before_send_msg, AgentInstanceCreated, ...)
    --url <url>          where to post (default http://127.0.0.1:3000/zego/callback)
    --secret <secret>    the CallbackSecret (default: ZEGO_CALLBACK_SECRET)
    --product <product>  rtc, zim, ai_agent, asr, cloud_recording, cloud_player, digital_human, ...
                         (default: the product whose example has <event>, else rtc)
    --field <key=value>  set a field, by ZEGO's name; repeat it; --field <key> alone removes one
    --form               post application/x-www-form-urlencoded instead of JSON
    --count <n>          post n distinct callbacks (default 1)
    --retries            post again on ZEGO's schedule (2, 4, 8, 16, 32 s) until answered 2xx
    --retry-scale <x>    multiply those waits by x (0.01 to try it quickly)

  verify <file|->      check a captured body (a file, or - for standard input) as the receiver
                       would: signature, freshness, payload; print the event or the reason
    --secret <secret>    the CallbackSecret (default: ZEGO_CALLBACK_SECRET)
    --tolerance <s>      how old it may be, in seconds (default 300; Infinity for an old capture)
    --form               the body is form-encoded (default: JSON when it starts with '{')

  replay <file.jsonl>  post captured callbacks again, one JSON payload a line, byte for byte
    --url <url>          where to post (default http://127.0.0.1:3000/zego/callback)
    --resign             stamp and sign each anew, with --secret or ZEGO_CALLBACK_SECRET
    --form               post them form-encoded

Exit status: 0 when every callback was answered 2xx (verify: valid), 1 when not, 2 for a usage error.
`

const commands: Record<string, (args: string[]) => Promise<number>> = { send, verify, replay }

async function main([command, ...args]: string[]): Promise<number> {
  if (command === 'help' || [command, ...args].some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(usage)
    return 0
  }
  const run = command === undefined ? undefined : commands[command]
  if (run === undefined) {
    const wrong = command === undefined ? 'no command' : `no command '${command}'.${didYouMean(command, Object.keys(commands))}`
    process.stderr.write(`zego-callbacks: ${wrong}\n\n${usage}`)
    return 2
  }
  try {
    return await run(args)
  } catch (error) {
    // parseArgs' own mistakes (an unknown option, a missing value) are usage errors too.
    const usageError = error instanceof UsageError || error instanceof TypeError
    process.stderr.write(`zego-callbacks ${command}: ${(error as Error).message}\n${usageError ? "Run 'zego-callbacks help' for the options.\n" : ''}`)
    return usageError ? 2 : 1
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
