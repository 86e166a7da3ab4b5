/**
 * The name among `names` closest to `wrong` (case, `_` and `-` aside, then by edit distance), if
 * it is close enough to be what was meant.
 */
export function closestName(wrong: string, names: readonly string[]): string | undefined {
  const plain = (name: string): string => name.toLowerCase().replace(/[_-]/g, '')
  const wanted = plain(wrong)
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(wanted.length / 3)) + 1
  for (const name of names) {
    // A name cut short (`tolerance` for `toleranceSeconds`) is as close as one typo.
    const distance = wanted.length >= 4 && plain(name).startsWith(wanted) ? 1 : editDistance(wanted, plain(name))
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  return best
}

/** ` Did you mean 'x'?` when a name is close, else an empty string. */
export function didYouMean(wrong: string, names: readonly string[]): string {
  const closest = closestName(wrong, names)
  return closest === undefined ? '' : ` Did you mean '${closest}'?`
}

// Levenshtein distance, with a swap of two neighbours counting one (optimal string alignment).
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity
  let before: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (before[j - 2] as number) + 1)
      current.push(value)
    }
    before = previous
    previous = current
  }
  return previous[b.length] as number
}
