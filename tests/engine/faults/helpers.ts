// Real faults for the fault tests: the CLI as a real child process, a small real filesystem
// (a size-limited tmpfs, mounted for the test: root only, else the test is skipped with the
// reason), and a disk filled to its last pages.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const CLI = resolve(import.meta.dirname, '../../../src/cli/main.ts')

export interface CliRun {
  child: ChildProcessWithoutNullStreams
  readonly stdout: string
  readonly stderr: string
  /** Resolves when stderr (or stdout) matches. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  const watchers: { pattern: RegExp; stream: 'stdout' | 'stderr'; done: () => void }[] = []
  const check = () => {
    for (const w of [...watchers]) {
      if (w.pattern.test(w.stream === 'stdout' ? stdout : stderr)) {
        watchers.splice(watchers.indexOf(w), 1)
        w.done()
      }
    }
  }
  child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), check()))
  child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), check()))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  )
  return {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    waitFor(pattern, stream = 'stderr', timeoutMs = 30_000) {
      return new Promise<void>((done, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`timed out waiting for ${pattern} on ${stream}; stderr so far:\n${stderr}`)),
          timeoutMs,
        )
        watchers.push({ pattern, stream, done: () => (clearTimeout(timer), done()) })
        check()
        void exit.then(() =>
          setTimeout(() => fail(new Error(`the CLI exited before ${pattern} on ${stream}; stderr:\n${stderr}`)), 50),
        )
      })
    },
    exit,
  }
}

export async function tempDir(prefix: string, cleanup: (() => Promise<void>)[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A size-limited tmpfs at `dir`, or the reason there cannot be one here. */
export function mountTmpfs(dir: string, size: string): { ok: true; unmount: () => void } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'needs Linux (tmpfs)' }
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root to mount a tmpfs' }
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' })
  if (mounted.status !== 0)
    return { ok: false, reason: `cannot mount a tmpfs: ${(mounted.stderr || mounted.error?.message || '').trim()}` }
  return { ok: true, unmount: () => void spawnSync('umount', ['-l', dir]) }
}

/**
 * Fills the filesystem at `dir` so that exactly `pagesLeft` 4 KiB pages stay free: small
 * files are set aside first, the rest is filled until ENOSPC, then the small ones are removed.
 * Returns a function that frees the space again.
 */
export async function fillDisk(dir: string, pagesLeft: number): Promise<() => Promise<void>> {
  const reserve = Array.from({ length: pagesLeft }, (_, i) => join(dir, `reserve-${i}`))
  for (const file of reserve) await writeFile(file, Buffer.alloc(4096, 1))
  const filler = join(dir, 'filler')
  // dd stops at ENOSPC with a non-zero status; the file then holds every page that was left.
  spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4096'], { stdio: 'ignore' })
  for (const file of reserve) await rm(file)
  return () => rm(filler, { force: true })
}
