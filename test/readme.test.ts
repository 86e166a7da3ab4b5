import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

// A README snippet marked `<!-- the file path -->` is that file, which runs as a test: they cannot drift.
const readme = readFileSync('README.md', 'utf8')
const snippets = [...readme.matchAll(/<!-- the file (\S+) -->\n```ts\n([\s\S]*?)```\n/g)].map((match) => [match[1] as string, match[2] as string])

it('shows at least the "Testing your app" test file', () => {
  expect(snippets.map(([file]) => file)).toContain('examples/express.test.ts')
})

it.each(snippets)('shows %s exactly as it is', (file, snippet) => {
  expect(snippet).toBe(readFileSync(file, 'utf8'))
})
