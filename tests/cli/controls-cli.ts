// Shared by the batch-controls tests: the real `corelane` CLI in a child process, batch files
// in a fresh folder, and GNU parallel (Debian's package) to compare with where it is installed.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts')

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function collect(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, stdin = ''): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

export interface Sandbox {
  dir: string
  dataDir: string
  corelane(args: string[], stdin?: string): Promise<Run>
  parallel(args: string[]): Promise<Run>
  batch(name: string, content: unknown): Promise<string>
  remove(): Promise<void>
}

export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'corelane-controls-'))
  const dataDir = join(dir, 'data')
  const env = { ...process.env, CORELANE_DATA_DIR: dataDir }
  return {
    dir,
    dataDir,
    corelane: (args, stdin) => collect(process.execPath, [CLI, ...args], dir, env, stdin),
    // /bin/sh runs GNU parallel's commands, as it runs Corelane's "shell": true jobs.
    parallel: (args) => collect('parallel', ['--will-cite', ...args], dir, { ...env, PARALLEL_SHELL: '/bin/sh' }),
    async batch(name, content) {
      const path = join(dir, name)
      await writeFile(path, JSON.stringify(content))
      return path
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

/** Why the GNU parallel comparisons cannot run here, or null when they can. */
export function parallelMissing(): string | null {
  const probe = spawnSync('parallel', ['--version'], { encoding: 'utf8' })
  if (probe.error) return `GNU parallel is not installed (${(probe.error as NodeJS.ErrnoException).code})`
  if (!/GNU parallel/.test(probe.stdout)) return 'the `parallel` on PATH is not GNU parallel (moreutils has one of that name)'
  return null
}

export const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)

/** A finished job's `--json` line, as far as the dependency tests read it. */
export type JobLine = {
  name: string
  state: string
  startedAt: string | null
  endedAt: string
  error?: { code: string; message: string }
}

/** The jobs' `--json` lines by name (the summary line, which has no state, left out). */
export const jobsOf = (stdout: string): Record<string, JobLine> =>
  Object.fromEntries((jsonLines(stdout).filter((l) => 'state' in l) as unknown as JobLine[]).map((l) => [l.name, l]))

/** An ISO time of a `--json` line, in ms. */
export const t = (iso: string | null): number => Date.parse(iso!)

/** A shell job run through /bin/sh, like one of GNU parallel's commands. */
export const sh = (command: string, extra: Record<string, unknown> = {}) => ({
  kind: 'shell',
  params: { argv: [command], shell: true },
  ...extra,
})
