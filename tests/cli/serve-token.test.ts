// A token the user chooses for `corelane serve` (issue 16, item 13): judged by its randomness,
// not its length (32 × `a` is refused), and readable from a file or the environment so it
// does not show in `ps`.
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MIN_TOKEN_BITS, tokenBits, tokenProblem } from '../../src/cli/web/access.ts'
import { runCli, tempDir } from '../engine/faults/helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

describe('token strength', () => {
  it('refuses long but guessable tokens and accepts random ones', () => {
    expect(tokenProblem('a'.repeat(32))).toMatch(/guessable/)
    expect(tokenProblem('ab'.repeat(40))).toMatch(/guessable/)
    expect(tokenProblem('abcdefghijklmnopqrstuvwxyz0123456789')).toMatch(/runs like/)
    expect(tokenProblem('short')).toBe('must be at least 32 characters')
    expect(tokenProblem(randomBytes(32).toString('base64url'))).toBeNull()
    expect(tokenProblem(randomBytes(32).toString('hex'))).toBeNull()
    expect(tokenBits(randomBytes(32).toString('base64url'))).toBeGreaterThan(MIN_TOKEN_BITS)
  })
})

async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ReturnType<typeof runCli>> {
  const dir = await tempDir('corelane-token-', cleanup)
  const web = join(dir, 'web')
  await mkdir(web)
  await writeFile(join(web, 'index.html'), '<!doctype html>')
  const run = runCli(['serve', '--port', '0', '--data-dir', join(dir, 'data'), ...args], { CORELANE_WEB_ROOT: web, ...env })
  cleanup.push(async () => void run.child.kill('SIGKILL'))
  return run
}

async function stop(run: ReturnType<typeof runCli>): Promise<void> {
  run.child.kill('SIGTERM')
  expect((await run.exit).code).toBe(0)
}

describe('corelane serve with a chosen token', () => {
  it('refuses --token with 32 × a (exit 2, naming the flag)', async () => {
    const run = await serve(['--token', 'a'.repeat(32)])
    expect((await run.exit).code).toBe(2)
    expect(run.stderr).toMatch(/--token: looks guessable/)
  })

  it('reads the token from --token-file, shows it nowhere on the command line', async () => {
    const dir = await tempDir('corelane-token-file-', cleanup)
    const token = randomBytes(32).toString('base64url')
    await writeFile(join(dir, 'token'), `${token}\n`)
    const run = await serve(['--token-file', join(dir, 'token')])
    await run.waitFor(/Corelane web mode: /, 'stdout')
    expect(run.stdout).toContain(`?token=${token}`)
    expect(run.stderr).not.toMatch(/visible to other local users/)
    await stop(run)
  })

  it('reads the token from CORELANE_TOKEN, and refuses a weak one there too', async () => {
    const token = randomBytes(32).toString('hex')
    const run = await serve([], { CORELANE_TOKEN: token })
    await run.waitFor(/Corelane web mode: /, 'stdout')
    expect(run.stdout).toContain(`?token=${token}`)
    await stop(run)
    const weak = await serve([], { CORELANE_TOKEN: 'x'.repeat(40) })
    expect((await weak.exit).code).toBe(2)
    expect(weak.stderr).toMatch(/CORELANE_TOKEN: looks guessable/)
  })

  it('warns that --token is visible in ps', async () => {
    const run = await serve(['--token', randomBytes(32).toString('base64url')])
    await run.waitFor(/visible to other local users/)
    await stop(run)
  })
})
