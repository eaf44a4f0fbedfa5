// Who may talk to the web-mode server. Three checks, each against a different attack:
//   - the access token (>= 128 bits, compared in constant time): other local users and
//     processes, and any page that does not know it;
//   - the Host header must name this server: DNS rebinding (evil.example resolving to
//     127.0.0.1 would otherwise be same-origin with us);
//   - a browser's Origin on the WebSocket upgrade must be this server's own: cross-site
//     WebSocket hijacking (browsers do not apply CORS to WebSockets).
// The page itself can also be reopened with a per-run page cookie (see pageCookie below),
// which unlocks HTML only, never the WebSocket.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'

export function generateToken(): string {
  return randomBytes(32).toString('base64url')
}

/** A token given by the user must carry at least this much (estimated) entropy. */
export const MIN_TOKEN_BITS = 128

/**
 * The entropy a token carries, estimated from itself: its length times the Shannon entropy of
 * its characters' frequencies. 32 × `a` is 0 bits; a random base64url token of 43 characters
 * about 200; 64 random hex digits about 240. A low estimate is certain to be weak; a high one
 * is only as good as the generator behind it.
 */
export function tokenBits(token: string): number {
  const counts = new Map<string, number>()
  for (const char of token) counts.set(char, (counts.get(char) ?? 0) + 1)
  const length = [...token].length
  let perChar = 0
  for (const n of counts.values()) perChar -= (n / length) * Math.log2(n / length)
  return length * perChar
}

/** Why a user's token is refused, or null when it is strong enough. */
export function tokenProblem(token: string): string | null {
  if (token.length < 32) return 'must be at least 32 characters'
  if (token.length > 1024) return 'must be at most 1024 characters'
  if (!/^[\x21-\x7e]+$/.test(token)) return 'must be printable ASCII without spaces'
  // Runs like `abcdef` or `13579` have spread-out letters but no randomness: count steps that repeat the previous step.
  let patterned = 0
  for (let i = 2; i < token.length; i++) {
    if (token.charCodeAt(i) - token.charCodeAt(i - 1) === token.charCodeAt(i - 1) - token.charCodeAt(i - 2)) patterned++
  }
  if (patterned > token.length / 4)
    return 'looks guessable (it is mostly runs like `abcd` or `2468`): use a random one, e.g. `openssl rand -hex 32`'
  const bits = Math.floor(tokenBits(token))
  if (bits < MIN_TOKEN_BITS) {
    return `looks guessable (about ${bits} bits of entropy, at least ${MIN_TOKEN_BITS} needed): use a random one, e.g. \`openssl rand -hex 32\``
  }
  return null
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/** Constant-time comparison; hashing first makes the lengths equal, as timingSafeEqual requires. */
export function secretMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false
  return timingSafeEqual(digest(expected), digest(given))
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', ''])

function hostPort(host: string, port: number): string {
  const name = isIP(host) === 6 && !host.startsWith('[') ? `[${host}]` : host
  return `${name}:${port}`.toLowerCase()
}

export interface Access {
  readonly token: string
  /** Name of the cookie that lets a reload of the page through after the page removed ?token=. */
  readonly pageCookieName: string
  readonly pageCookieValue: string
  tokenMatches(given: string | null | undefined): boolean
  hostAllowed(hostHeader: string | undefined): boolean
  /** A missing Origin (a non-browser client) is allowed: the token still has to match. */
  originAllowed(originHeader: string | undefined, hostHeader: string | undefined): boolean
  pageCookieMatches(cookieHeader: string | undefined): boolean
}

export function createAccess(options: { token: string; host: string; port: number }): Access {
  const { token, host, port } = options
  // Bound to every interface, the server cannot know every name it is reached by: the
  // user asked for that exposure, and the token still guards everything that matters.
  const anyHost = WILDCARDS.has(host)
  const allowed = new Set([hostPort(host, port), hostPort('localhost', port), hostPort('127.0.0.1', port), hostPort('::1', port)])
  if (port === 80) for (const name of [host, 'localhost', '127.0.0.1', '[::1]']) allowed.add(name.toLowerCase())
  const pageCookieName = `corelane_page_${port}`
  // Not the token: a leaked page cookie opens the (secret-free) page, never the API.
  const pageCookieValue = randomBytes(32).toString('base64url')

  return {
    token,
    pageCookieName,
    pageCookieValue,
    tokenMatches: (given) => secretMatches(token, given),
    hostAllowed(hostHeader) {
      if (!hostHeader) return false
      return anyHost || allowed.has(hostHeader.toLowerCase())
    },
    originAllowed(originHeader, hostHeader) {
      if (originHeader === undefined) return true
      if (!hostHeader) return false
      const origin = originHeader.toLowerCase()
      const own = hostHeader.toLowerCase()
      return origin === `http://${own}` || origin === `https://${own}`
    },
    pageCookieMatches(cookieHeader) {
      if (!cookieHeader) return false
      for (const part of cookieHeader.split(';')) {
        const eq = part.indexOf('=')
        if (eq < 0 || part.slice(0, eq).trim() !== pageCookieName) continue
        if (secretMatches(pageCookieValue, part.slice(eq + 1).trim())) return true
      }
      return false
    },
  }
}
