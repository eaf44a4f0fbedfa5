// Runs an outside program for the benches that compare Corelane with command-line peers (GNU
// parallel, xargs, the corelane CLI itself): the wall time from spawn to exit, measured here,
// and a check that it succeeded, so a fast number never comes from a failed run.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface CommandRun {
  ms: number
  stdout: string
  /** The last 4 KiB of its standard error. */
  stderr: string
  pid: number
}

export interface CommandOptions {
  /** Written to the program's standard input, which is then closed. */
  input?: string
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Called with the child's pid once it has started (e.g. to sample its memory). */
  onStart?: (pid: number) => void
}

export function runCommand(program: string, args: string[], options: CommandOptions = {}): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(program, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk).slice(-4000)))
    child.once('error', reject)
    child.once('spawn', () => options.onStart?.(child.pid!))
    child.once('close', (code, signal) => {
      const ms = performance.now() - t0
      if (code !== 0) reject(new Error(`${program} ${args.join(' ').slice(0, 200)} exited ${code ?? signal}: ${stderr}`))
      else resolve({ ms, stdout, stderr, pid: child.pid! })
    })
    child.stdin.end(options.input ?? '')
  })
}

/** Whether a program is on the PATH (for `unavailable`). */
export function hasProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
}

/** The node binary the benches run on (the repo's Node 24). */
export const NODE = process.execPath

/**
 * How the installed `corelane` command starts: the repo's Node with the flags of the entry's
 * shebang (`#!/usr/bin/env -S node --flag…`), then the entry. The benches run exactly that.
 */
export function corelaneCommand(): string[] {
  const entry = fileURLToPath(new URL('../../src/cli/corelane.mjs', import.meta.url))
  const shebang = readFileSync(entry, 'utf8').split('\n', 1)[0]!
  const flags = /^#!\/usr\/bin\/env -S node(.*)$/.exec(shebang)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? []
  return [...flags, entry]
}
