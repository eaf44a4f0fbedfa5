// A shell-like split of one line into argv for the `shell` kind: whitespace separates words,
// single or double quotes keep spaces, a backslash escapes the next character. No expansion.

export function splitArgv(text: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (quote) {
      if (ch === quote) quote = null
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) word += text[++i]
      else word += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      inWord = true
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i]
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += ch
      inWord = true
    }
  }
  if (inWord) words.push(word)
  return words
}

/** What splitArgv would silently guess at: an unterminated quote or a trailing backslash. */
export function argvProblem(text: string): string | null {
  let quote: '"' | "'" | null = null
  let openedAt = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (quote) {
      if (ch === quote) quote = null
      else if (ch === '\\' && quote === '"') i++
    } else if (ch === '"' || ch === "'") {
      quote = ch
      openedAt = i + 1
    } else if (ch === '\\') {
      if (i + 1 >= text.length) return 'ends with a backslash that escapes nothing'
      i++
    }
  }
  return quote ? `has an unterminated ${quote === '"' ? 'double' : 'single'} quote (opened at character ${openedAt})` : null
}

/** The inverse of splitArgv, quoting only the words that need it. */
export function joinArgv(argv: readonly string[]): string {
  return argv.map((arg) => (arg !== '' && !/[\s'"\\]/.test(arg) ? arg : `'${arg.replace(/'/g, `'"'"'`)}'`)).join(' ')
}
