// Real server processes of other runtimes (Bun, Deno, workerd through wrangler, Next.js), started
// from the binaries npm installed. A missing runtime fails the test loudly: none is ever skipped.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The repository's root directory. */
export const root = fileURLToPath(new URL('../..', import.meta.url))

/** A server process started by a test file, listening on 127.0.0.1. */
export interface ServerProcess {
  /** Its origin, `http://127.0.0.1:<port>`. */
  url: string
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** Stops it and everything it started. */
  stop(): Promise<void>
}

/** The path of a binary an npm package installed; throws when it is missing. */
export function bin(name: string): string {
  const path = join(root, 'node_modules', '.bin', name)
  if (!existsSync(path)) throw new Error(`${name} is not installed: run \`npm ci\` (it comes from npm, as a devDependency)`)
  return path
}

interface Start {
  args: string[]
  /** Matches the line announcing the server; its first group is the URL. */
  ready: RegExp
  cwd?: string
  env?: Record<string, string>
  timeoutMs?: number
}

/** Runs `command` in its own process group and resolves once it prints the URL it listens on. */
export function startServer(command: string, { args, ready, cwd = root, env = {}, timeoutMs = 90_000 }: Start): Promise<ServerProcess> {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal)
    } catch {
      // Already gone.
    }
  }
  // If the test process ends without stopping it (a crash), do not leave it running.
  const onExit = (): void => killGroup('SIGKILL')
  process.once('exit', onExit)
  const stop = async (): Promise<void> => {
    process.off('exit', onExit)
    killGroup('SIGTERM')
    const timer = setTimeout(() => killGroup('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer)
      void stop().then(() => reject(new Error(`${command} ${args.join(' ')}: ${why}\n${output}`)))
    }
    const timer = setTimeout(() => fail(`no server after ${timeoutMs} ms`), timeoutMs)
    const onData = (data: Buffer): void => {
      output += data.toString()
      const url = ready.exec(output.replace(/\x1b\[[0-9;]*m/g, ''))?.[1]
      if (url === undefined) return
      child.stdout.off('data', onData)
      child.stderr.off('data', onData)
      child.stdout.on('data', (more: Buffer) => (output += more.toString()))
      child.stderr.on('data', (more: Buffer) => (output += more.toString()))
      clearTimeout(timer)
      resolve({ url: url.replace(/\/$/, ''), output: () => output, stop })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before listening`))
  })
}

/** Runs `command` to completion; rejects with its output when it fails. */
export function run(command: string, args: string[], cwd = root, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (data: Buffer) => (output += data.toString()))
    child.stderr.on('data', (data: Buffer) => (output += data.toString()))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${output}`))))
  })
}

// Examples import the package by name; in this repository the names point at the source, as in vitest.config.ts.
const packageSource: Record<string, string> = {
  'zego-callbacks': 'src/index.ts',
  'zego-callbacks/fetch': 'adapters/fetch.ts',
  'zego-callbacks/testing': 'src/testing/index.ts',
}

/** Serves `entry` (a file of this repository) with Bun; it prints `listening on <url>`. */
export function bun(entry: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  // Bun reads tsconfig.json's `paths` for the package's own name.
  return startServer(bin('bun'), { args: [join(root, entry)], env, ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/ })
}

/** Serves `entry` with Deno (by default 127.0.0.1 and the environment allowed); it prints `listening on <url>`. */
export function deno(
  entry: string,
  env: Record<string, string> = {},
  permissions = ['--allow-net=127.0.0.1', '--allow-env'],
): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'zego-deno-'))
  const imports = Object.fromEntries(Object.entries(packageSource).map(([name, file]) => [name, pathToFileURL(join(root, file)).href]))
  writeFileSync(join(dir, 'import-map.json'), JSON.stringify({ imports }))
  return cleanedUp(
    startServer(bin('deno'), {
      // --sloppy-imports: the source imports `./x.js` for `./x.ts`, as TypeScript's NodeNext wants.
      args: ['run', '--sloppy-imports', `--import-map=${join(dir, 'import-map.json')}`, ...permissions, join(root, entry)],
      env: { DENO_NO_UPDATE_CHECK: '1', ...env },
      ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    }),
    dir,
  )
}

/**
 * Serves `entry` as a Cloudflare Worker in workerd through `wrangler dev` (local mode, no network),
 * with `nodejs_compat`; `vars` become the Worker's environment (and `process.env`).
 */
export function workerd(entry: string, vars: Record<string, string> = {}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'zego-workerd-'))
  const config = { name: 'zego-callbacks-test', main: join(root, entry), compatibility_date: '2025-09-01', compatibility_flags: ['nodejs_compat'] }
  writeFileSync(join(dir, 'wrangler.json'), JSON.stringify(config))
  const varArgs = Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`])
  return cleanedUp(wrangler(join(dir, 'wrangler.json'), varArgs), dir)
}

/** Runs `wrangler dev` on a config file, on a free port of 127.0.0.1. */
export function wrangler(config: string, extra: string[] = []): Promise<ServerProcess> {
  return startServer(bin('wrangler'), {
    args: ['dev', '--config', config, '--ip', '127.0.0.1', '--port', '0', '--inspector-port', '0', '--show-interactive-dev-session=false', ...extra],
    // No metrics, and no fetch of Cloudflare's `request.cf` data: tests reach 127.0.0.1 only.
    env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_D1_WARNING: 'true' },
    ready: /Ready on (http:\/\/127\.0\.0\.1:\d+)/,
  })
}

/** Builds the Next.js app in `dir` (`next build`, without `env`) and serves it (`next start`, with `env`). */
export async function next(dir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const cwd = join(root, dir)
  await run(bin('next'), ['build'], cwd, { NEXT_TELEMETRY_DISABLED: '1' })
  return startServer(bin('next'), {
    args: ['start', '-H', '127.0.0.1', '-p', '0'],
    cwd,
    env: { NEXT_TELEMETRY_DISABLED: '1', ...env },
    ready: /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/,
  })
}

async function cleanedUp(started: Promise<ServerProcess>, dir: string): Promise<ServerProcess> {
  try {
    const server = await started
    return { ...server, stop: () => server.stop().finally(() => rmSync(dir, { recursive: true, force: true })) }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

/** What the listeners of a handler mounted in the harness received, and what polluted that process. */
export interface Received {
  events: Array<{ name: string; payload: unknown }>
  pollution: string[]
}

/** A fresh zego-callbacks/fetch handler mounted in the harness (test/runtimes/harness.ts) a runtime serves. */
export interface RemoteMount {
  /** The base URL its routes hang from: `${url}/zego/callback`. */
  url: string
  received(): Promise<Received>
}

/** Mounts a handler with `options` (JSON) in the harness `server` serves. */
export async function mount(server: ServerProcess, options: object): Promise<RemoteMount> {
  const response = await fetch(`${server.url}/__mount`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(options),
  })
  if (!response.ok) throw new Error(`mounting in ${server.url} failed: ${response.status} ${await response.text()}\n${server.output()}`)
  const { id } = (await response.json()) as { id: string }
  const url = `${server.url}/${id}`
  return { url, received: async () => (await (await fetch(`${url}/__events`)).json()) as Received }
}
