// A real redis-server on 127.0.0.1 for tests, benchmarks and soaks: started on a free port in a
// scratch directory, killed and restarted at will (with its AOF when asked), paused to play a hung
// server. Plain Node: the scripts import it too.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** How to get redis-server, for the error that says it is missing. */
export const INSTALL_REDIS =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis), or set REDIS_URL to a Redis 7 you can flush.'

/** Whether `redis-server` runs here. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

/** What to start. */
export interface RedisServerOptions {
  /** Append-only file, fsynced before every reply (so a SIGKILL loses no acknowledged write). */
  appendonly?: boolean
  /** Cluster mode, one node holding every slot. */
  cluster?: boolean
}

/** One redis-server process and its data directory. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** The server's log so far (its stdout and stderr). */
  readonly log: string
  /** Whether the process is running. */
  readonly running: boolean
  /** Starts it again on the same port and directory (after `kill`). */
  start(): Promise<void>
  /** Kills it (SIGKILL by default: no shutdown, no last save) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** Freezes it (SIGSTOP): connections stay open and nothing answers. */
  pause(): void
  /** Unfreezes it (SIGCONT). */
  resume(): void
  /** Kills it and removes its directory. */
  stop(): Promise<void>
}

/** Starts a redis-server on a free port of 127.0.0.1; throws with `INSTALL_REDIS` when there is none. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (!hasRedisServer()) throw new Error(INSTALL_REDIS)
  const dir = mkdtempSync(join(tmpdir(), 'zego-redis-'))
  let port = 0
  let child: ChildProcess | undefined
  let log = ''
  const args = () => [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', '',
    '--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'always',
    ...(options.cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] : []),
  ]
  const start = async (): Promise<void> => {
    const server = spawn('redis-server', args(), { stdio: ['ignore', 'pipe', 'pipe'] })
    child = server
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${log}`)), 10_000)
      const onData = (chunk: Buffer) => {
        log += chunk.toString()
        if (log.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      }
      server.stdout?.on('data', onData)
      server.stderr?.on('data', onData)
      server.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited with ${code}:\n${log}`))
      })
    })
  }
  // A port free a moment ago may be taken before redis-server binds it: try a few.
  for (let tries = 1; ; tries++) {
    port = await freePort()
    try {
      await start()
      break
    } catch (error) {
      if (tries === 3 || !log.includes('Address already in use')) throw error
    }
  }
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const running = child
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGCONT')
    running.kill(signal)
    await exited
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get log() {
      return log
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    start: () => {
      log += '\n--- restart ---\n'
      return start()
    },
    kill,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    stop: async () => {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * Counts the commands clients send a Redis while `run` runs, read from MONITOR (the commands a
 * script runs inside itself are not counted): resolves with them, each as its argument list.
 */
export async function monitorCommands(url: string, run: () => Promise<unknown>): Promise<string[][]> {
  const { port, hostname } = new URL(url)
  const socket = net.connect(Number(port), hostname)
  socket.setEncoding('utf8')
  const marker = `monitor-marker-${Math.random()}`
  let buffer = ''
  const lines: string[] = []
  let onMarker: () => void = () => {}
  socket.on('data', (chunk: string) => {
    buffer += chunk
    let end: number
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      if (line.includes(marker)) onMarker()
      else lines.push(line)
    }
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.write('MONITOR\r\n', () => resolve())
  })
  // MONITOR answers +OK once it is on.
  await until(() => lines.includes('+OK'))
  lines.length = 0
  try {
    await run()
    // Everything sent before the marker has been seen once the marker is.
    const seen = new Promise<void>((resolve) => (onMarker = resolve))
    const other = net.connect(Number(port), hostname)
    other.write(`ECHO ${marker}\r\n`)
    await seen
    other.destroy()
  } finally {
    socket.destroy()
  }
  return lines.filter((line) => !/^\+\d+\.\d+ \[\d+ lua\]/.test(line)).map(parseMonitorLine)
}

// `+1700000000.123456 [0 127.0.0.1:5555] "EVALSHA" "abc" "1" ...`
function parseMonitorLine(line: string): string[] {
  const args: string[] = []
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"/g)) args.push(match[1] as string)
  return args
}

async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 5_000) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
