// The tree shows the pipeline: imports flow one way, adapters stay thin, and the root entry never
// loads a framework or a client library.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(root, dir, name)
    if (statSync(path).isDirectory()) return sources(relative(root, path))
    return path.endsWith('.ts') ? [path] : []
  })
}

/** A file's imports: relative ones resolved to files, the rest by package name. */
function importsOf(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8')
  const specifiers = [...text.matchAll(/^(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map(
    (match) => match[1] as string,
  )
  return {
    local: specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts'))),
    packages: specifiers.filter((s) => !s.startsWith('.')),
  }
}

const files = [...sources('src'), ...sources('adapters')]
const graph = new Map(files.map((file) => [file, importsOf(file)]))

describe('the source tree', () => {
  it('has no import circles', () => {
    const circles: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'visiting') {
        circles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(' -> '))
        return
      }
      state.set(file, 'visiting')
      for (const next of graph.get(file)?.local ?? []) visit(next, [...path, file])
      state.set(file, 'done')
    }
    for (const file of files) visit(file, [])
    expect(circles).toEqual([])
  })

  it('loads no framework or client library from the root entry', () => {
    const optional = /^(express|koa|@koa\/|fastify|hono|redis|ioredis|next|bullmq)(\/|$)/
    const reached = new Set<string>()
    const walk = (file: string): void => {
      if (reached.has(file)) return
      reached.add(file)
      for (const next of graph.get(file)?.local ?? []) walk(next)
    }
    walk(join(root, 'src/index.ts'))
    const offenders = [...reached].flatMap((file) => (graph.get(file)?.packages ?? []).filter((name) => optional.test(name)).map((name) => `${relative(root, file)}: ${name}`))
    expect(offenders).toEqual([])
  })

  it('keeps every framework adapter thin (at most 60 lines, no pipeline of its own)', () => {
    for (const file of sources('adapters')) {
      const lines = readFileSync(file, 'utf8').split('\n').length
      expect(lines, relative(root, file)).toBeLessThanOrEqual(60)
      const local = graph.get(file)?.local.map((f) => relative(root, f)) ?? []
      // An adapter reaches the core through the middleware helper and the receiver's contract only.
      for (const dependency of local) expect(dependency, relative(root, file)).toMatch(/^src\/(middleware|options|receiver|index|read-web-body)\.ts$|^src\/redis\//)
    }
  })
})
