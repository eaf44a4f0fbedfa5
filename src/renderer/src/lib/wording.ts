// Problems and messages as a person reads them: schema wording ("expected >=1, got -1000")
// turned into words ("expected at least 1 ms"), large numbers grouped (1,000,000), fields in
// the units the form shows (a timeout in seconds, not timeoutMs), and no Markdown backticks.
import type { FieldProblem } from '../../../shared/validate.ts'
import { formatCount } from './format.ts'

/** Fields the form shows in other units or words: how to name them and scale their numbers. */
const FIELD_UNITS: { match: RegExp; name: string; scale: (n: number) => string }[] = [
  { match: /(^|\.)timeoutMs$/, name: 'timeout', scale: (n) => `${formatSeconds(n / 1000)} s` },
]

function formatSeconds(s: number): string {
  return Math.abs(s) >= 1000 ? formatCount(s) : String(Math.round(s * 1000) / 1000)
}

/** 1000000 → 1,000,000 inside any text (years and ids of 4 digits stay as they are below 10,000). */
export function groupDigits(text: string): string {
  return text.replace(
    /(?<![\d.,])(-?)(\d{5,})(?![\d.])/g,
    (_, sign: string, digits: string) => `${sign}${formatCount(Number(digits))}`,
  )
}

/** `name` → “name”: messages are shown as text, not Markdown. */
export function unquoteCode(text: string): string {
  return text.replace(/`([^`]*)`/g, '“$1”')
}

/** Schema shorthand in words: "expected >=1" → "expected at least 1". */
function inWords(text: string): string {
  return text.replace(/\bexpected >=\s*/g, 'expected at least ').replace(/\bexpected <=\s*/g, 'expected at most ')
}

export function readableMessage(text: string): string {
  return groupDigits(unquoteCode(inWords(text)))
}

/** A problem's field name and message, as the user reads them. */
export function readableProblem(problem: FieldProblem): { name: string; message: string } {
  let name = problem.field.replace(/^template\./, '')
  let message = inWords(problem.message)
  const unit = FIELD_UNITS.find((u) => u.match.test(problem.field))
  if (unit) {
    name = name.replace(/timeoutMs$/, unit.name)
    message = message.replace(
      /(at least|at most|got) (-?\d+(?:\.\d+)?)/g,
      (_, words: string, n: string) => `${words} ${unit.scale(Number(n))}`,
    )
  }
  return { name, message: readableMessage(message) }
}
