// The "inputs" box of the job form: one input per line, read the way a person means it.
// A line holding a JSON object is merged into params (applyTemplate's object rule); a number
// stays a number when the template feeds `{}` straight into a numeric field; else it is text.

export function parseInputLines(text: string, numericPlaceholder: boolean): unknown[] {
  const inputs: unknown[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line) continue
    if (line.startsWith('{') && line.endsWith('}') && line !== '{}') {
      try {
        const value = JSON.parse(line) as unknown
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          inputs.push(value)
          continue
        }
      } catch {
        // not JSON: fall through and use the text
      }
    }
    if (numericPlaceholder && line !== '' && Number.isFinite(Number(line))) inputs.push(Number(line))
    else inputs.push(line)
  }
  return inputs
}
