// A job written as one line of text, the way GNU parallel writes its commands in --dry-run
// output and in the joblog's Command column, so scripts that read either keep working.
//
// A shell job with `"shell": true` runs its argv joined by spaces through /bin/sh (Node's
// spawn joins it so), so its line is exactly that. A shell job without it runs argv directly:
// its line is argv with each word quoted for a Bourne shell by GNU parallel's own rule
// (shell_quote_scalar_default: words of only `-_.+a-z0-9/` stay bare, the empty word is '',
// anything else is '-quoted with each ' written as '"'"'), so pasting it into sh runs the same
// program with the same arguments. Other kinds have no command line; they are written as
// `<kind> <params as JSON>`.

const BARE_WORD = /^[-_.+a-zA-Z0-9/]+$/

/** One word quoted as GNU parallel quotes it for sh, bash, dash and other Bourne shells. */
export function shellQuote(word: string): string {
  if (word === '') return "''"
  if (BARE_WORD.test(word)) return word
  let quoted = `'${word.replace(/'/g, `'"'"'`)}'`
  if (quoted.startsWith("''")) quoted = quoted.slice(2)
  if (quoted.endsWith("''")) quoted = quoted.slice(0, -2)
  return quoted
}

/** The params this needs: a kind and its params (a JobSpec, a stored job). */
export interface CommandSource {
  kind: string
  params: Record<string, unknown>
}

/** The job as one line (a shell command line may hold newlines of its own; the joblog replaces them). */
export function commandLine(job: CommandSource): string {
  const argv = job.params.argv
  if (job.kind === 'shell' && Array.isArray(argv) && argv.every((word) => typeof word === 'string')) {
    return job.params.shell === true ? argv.join(' ') : argv.map(shellQuote).join(' ')
  }
  return `${job.kind} ${JSON.stringify(job.params)}`
}
