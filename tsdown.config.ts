import { readdir, rm, writeFile } from 'node:fs/promises'
import { defineConfig } from 'tsdown'

// The command line (package.json `bin`): CommonJS only, nothing imports it.
const bin = 'cli'
const entry = {
  index: 'src/index.ts',
  express: 'adapters/express.ts',
  koa: 'adapters/koa.ts',
  fetch: 'adapters/fetch.ts',
  node: 'adapters/node.ts',
  fastify: 'adapters/fastify.ts',
  testing: 'src/testing/index.ts',
  redis: 'src/redis/index.ts',
  cli: 'src/cli/main.ts',
}

export default defineConfig({
  entry,
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: false,
  external: ['express', 'koa', 'fastify', 'redis'],
  hooks: {
    // One copy of the code for `import` and `require` alike (no dual-package hazard: one
    // ZegoCallbackError class, one tracing channel's publisher): each ESM entry re-exports its
    // CommonJS build, as Node's docs advise for packages with state; the ESM types stay.
    'build:done': async ({ options }) => {
      const dist = options.outDir
      for (const name of Object.keys(entry)) {
        if (name !== bin) await writeFile(`${dist}/${name}.js`, `export * from './${name}.cjs'\n`)
      }
      for (const file of await readdir(dist)) {
        const unused = (file.endsWith('.js') && !(file.slice(0, -3) in entry)) || file.startsWith(`${bin}.`) && !file.endsWith('.cjs')
        if (unused) await rm(`${dist}/${file}`)
      }
    },
  },
})
