// The mutation score of the security core, from Stryker's JSON report, with the equivalent mutants of
// stryker.equivalent.json left out: prints the score of each file, every surviving mutant the list
// does not name (the ones to kill with a test, or to list with why), and every entry that names no
// surviving mutant any more (killed now, or its line changed: review it).
//
//   npm run mutation                 # stryker run, then this
//   npx tsx scripts/mutation-score.ts [report.json]
//
// Exit code 1 when the score is below 95%, when a mutant of the signature, envelope or freshness
// checks survives unlisted, or when an entry is stale.
import { readFileSync } from 'node:fs'

/** A mutant found equivalent: the same behaviour for every input, so no test can tell it apart. */
interface Equivalent {
  file: string
  /** The source line the mutant starts on, trimmed. */
  line: string
  /** The source text the mutant replaces, whitespace collapsed. */
  original: string
  replacement: string
  why: string
}

interface Mutant {
  mutatorName: string
  replacement: string
  status: string
  statusReason?: string
  location: { start: { line: number; column: number }; end: { line: number; column: number } }
}

interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>
}

const MIN_SCORE = 95
/** Every mutant of these files not listed as equivalent must be killed. */
const EVERY_MUTANT = ['src/signature.ts', 'src/envelope.ts', 'src/verify.ts']

const report = JSON.parse(readFileSync(process.argv[2] ?? 'reports/mutation/mutation.json', 'utf8')) as Report
const equivalents = JSON.parse(readFileSync('stryker.equivalent.json', 'utf8')) as Equivalent[]

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim()
const used = new Set<Equivalent>()
const unlisted: string[] = []
const rows: string[][] = [['file', 'mutants', 'killed', 'survived', 'no coverage', 'equivalent', 'score']]
let detected = 0
let undetected = 0
let failed = false

for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const lines = source.split('\n')
  const offset = ({ line, column }: Mutant['location']['start']): number =>
    lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + column - 1
  const count = { killed: 0, survived: 0, noCoverage: 0, equivalent: 0 }
  for (const mutant of mutants) {
    const { start, end } = mutant.location
    if (['Killed', 'Timeout', 'RuntimeError'].includes(mutant.status)) {
      count.killed++
      continue
    }
    if (mutant.status === 'Ignored') {
      count.equivalent++
      continue
    }
    const line = (lines[start.line - 1] ?? '').trim()
    const original = collapse(source.slice(offset(start), offset(end)))
    const listed = equivalents.find(
      (entry) => entry.file === file && entry.line === line && entry.original === original && entry.replacement === mutant.replacement,
    )
    if (listed !== undefined) {
      used.add(listed)
      count.equivalent++
      continue
    }
    if (mutant.status === 'NoCoverage') count.noCoverage++
    else count.survived++
    unlisted.push(`${file}:${start.line}:${start.column} ${mutant.status} ${mutant.mutatorName}: ${JSON.stringify(original)} -> ${JSON.stringify(mutant.replacement)}`)
    if (EVERY_MUTANT.includes(file)) failed = true
  }
  detected += count.killed
  undetected += count.survived + count.noCoverage
  const score = (100 * count.killed) / (count.killed + count.survived + count.noCoverage || 1)
  rows.push([file, String(mutants.length), String(count.killed), String(count.survived), String(count.noCoverage), String(count.equivalent), score.toFixed(2)])
}

const total = (100 * detected) / (detected + undetected || 1)
rows.push(['all', '', String(detected), '', '', '', total.toFixed(2)])
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
for (const row of rows) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '))

if (unlisted.length > 0) console.log(`\nSurviving, not listed in stryker.equivalent.json (${unlisted.length}):\n${unlisted.join('\n')}`)
const stale = equivalents.filter((entry) => !used.has(entry) && entry.file in report.files)
if (stale.length > 0) {
  failed = true
  console.log(`\nListed in stryker.equivalent.json but no longer surviving (review them):\n${stale.map((entry) => `${entry.file}: ${entry.line}`).join('\n')}`)
}
if (total < MIN_SCORE) failed = true
console.log(`\nScore ${total.toFixed(2)}% (at least ${MIN_SCORE}%; every mutant of ${EVERY_MUTANT.join(', ')} killed or listed): ${failed ? 'FAILED' : 'ok'}`)
process.exitCode = failed ? 1 : 0
