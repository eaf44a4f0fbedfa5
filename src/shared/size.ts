// Sizes and durations written as GNU parallel takes them, for --mem-free and --delay.
//
// Sizes: GNU parallel's multiply_binary_prefix: K M G T P (and Ki, Mi, …, any case) are
// powers of 1024; k m g t p are powers of 1000 (so 1G = 1073741824, 1g = 1000000000).
// Durations: a number of milliseconds (Corelane's unit, as its other times), or with a unit
// of GNU parallel's: s, m, h, d (so `--delay 0.5s` means what `parallel --delay 0.5` means).

const BINARY: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 }
const DECIMAL: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 }

export const SIZE_MESSAGE = 'must be a size in bytes, optionally with K, M, G, T (1024-based) or k, m, g, t (1000-based), e.g. 2G'

/** Bytes, or null when the text is not a size. */
export function parseSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(?:([KMGTPkmgtp])(i?)|)[bB]?$/.exec(text.trim())
  if (!match) return null
  const [, amount, prefix, binary] = match
  const factor = !prefix ? 1 : binary || prefix in BINARY ? BINARY[prefix.toUpperCase()]! : DECIMAL[prefix]!
  return Math.round(Number(amount) * factor)
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export const DURATION_MESSAGE = 'must be milliseconds, or a number with s, m, h or d (as GNU parallel: 0.5s, 2m)'

/** Milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim())
  if (!match) return null
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']!)
}
