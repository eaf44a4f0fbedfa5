// Runs a program as a child process. Its stdout and stderr come to the worker through two
// pipes and are appended to the job's log as they are read (a chunk at a time: a program
// that floods output waits on its pipe, it costs no memory here), each chunk marked with its
// stream (log-streams.ts). The order across the two streams is the order they were read in:
// exact for writes apart in time, and within each stream always. Output of processes the
// program leaves running after it exits is not kept (the job is over). Programs
// are started by a small shell server where there is one (shell-server.ts: a fork of a tiny
// process instead of the whole worker), by Node's spawn otherwise. The only kind allowed to
// start processes.
import { spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { resolve } from 'node:path'
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { abortError } from './pace.ts'
import { afterReads, commandLine, findProgram, serverExec, startOnServer, type ServerRun } from './shell-server.ts'
import { TAG_VARIABLE } from '../tagged-processes.ts'

/** After SIGTERM, how long a child gets to exit before SIGKILL. */
export const KILL_GRACE_MS = 2000

/** A program that ran but did not succeed; the runtime maps `code` to the job's error code. */
export class ExitCodeError extends Error {
  readonly code = 'exit-code'
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  constructor(exitCode: number | null, signal: NodeJS.Signals | null) {
    super(signal ? `killed by ${signal}` : `exited with code ${exitCode}`)
    this.name = 'ExitCodeError'
    this.exitCode = exitCode
    this.signal = signal
  }
}

/**
 * Signals the child's whole process group (it leads one), so the grandchildren a shell or
 * build tool starts stop too. A program a shell server has just started may not lead its
 * group yet (under sh, setsid runs a moment after the pid is reported): then the process
 * itself, which has no children yet. Windows has no groups: the child only.
 */
function signalTree(pid: number, signal: NodeJS.Signals): void {
  try {
    if (process.platform === 'win32') process.kill(pid, signal)
    else process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      // Already gone.
    }
  }
}

export const shell: KindRunner<KindParams<'shell'>> = async ({ argv, cwd, env: extraEnv, shell: useShell }, ctx) => {
  const { signal } = ctx
  throwIfAborted(signal)
  const [program, ...args] = argv
  const dir = cwd === undefined ? undefined : resolve(cwd)
  // spawn reports a missing cwd as ENOENT of the program, which would blame the wrong thing.
  if (dir !== undefined && !(await stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new Error(`working directory not found: ${dir}`)
  }
  const log = await ctx.logFile()
  throwIfAborted(signal)

  // Its tag goes with it explicitly, on the server's path too (the server itself carries none).
  const env = ctx.tag === undefined ? extraEnv : { ...extraEnv, [TAG_VARIABLE]: ctx.tag }
  const exec = await serverExec()
  const line = exec === null ? null : commandLine({ argv, cwd: dir, env, useShell: useShell === true }, exec)
  const sink = (stream: 'stdout' | 'stderr', chunk: Buffer) => ctx.logOutput(stream, chunk)
  if (line !== null) {
    let run: ServerRun | null = null
    try {
      run = await startOnServer(line, sink)
    } catch {
      // The server died before starting it: Node's spawn below does the job.
    }
    if (run) return onServer(run, program!, useShell === true, env, log.path, ctx)
  }

  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, args, {
      cwd: dir,
      env: { ...process.env, ...env },
      shell: useShell === true,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true,
    })
    child.stdout.on('data', (chunk: Buffer) => sink('stdout', chunk))
    child.stderr.on('data', (chunk: Buffer) => sink('stderr', chunk))
    let closed = false
    child.once('close', () => (closed = true))
    let killTimer: NodeJS.Timeout | undefined
    const onAbort = () => {
      if (child.pid === undefined) return
      signalTree(child.pid, 'SIGTERM')
      killTimer = setTimeout(() => signalTree(child.pid!, 'SIGKILL'), KILL_GRACE_MS)
    }
    const settle = () => {
      signal.removeEventListener('abort', onAbort)
      clearTimeout(killTimer)
    }
    signal.addEventListener('abort', onAbort, { once: true })

    child.once('spawn', () => {
      if (child.pid === undefined) return
      ctx.commandStarted?.(child.pid)
      ctx.progress(0, `pid ${child.pid}`)
    })
    child.once('error', (err: NodeJS.ErrnoException) => {
      settle()
      if (err.code === 'ENOENT') reject(new Error(`program not found: ${program}`, { cause: err }))
      else if (err.code === 'EACCES') reject(new Error(`program is not executable: ${program}`, { cause: err }))
      else reject(err)
    })
    child.once('exit', (code, sig) => {
      settle()
      // The leader is gone; whatever it left in its group is being cancelled too.
      if (signal.aborted && child.pid !== undefined) signalTree(child.pid, 'SIGKILL')
      if (child.pid !== undefined) ctx.commandEnded?.(child.pid)
      // What the program wrote before it exited is in the pipes: read it, then stop listening
      // (processes it left behind may hold the pipes open for good).
      void afterReads().then(() => {
        if (!closed) {
          for (const pipe of [child.stdout, child.stderr] as unknown as Socket[]) pipe.removeAllListeners('data').resume().unref()
        }
        if (signal.aborted) {
          reject(abortError(signal))
        } else if (code === 0) resolvePromise({ exitCode: 0, signal: null, logFile: log.path })
        else reject(new ExitCodeError(code, sig))
      })
    })
  })
}

/** Follows a program a shell server started: the same progress, cancel and results as with spawn. */
async function onServer(
  run: ServerRun,
  program: string,
  useShell: boolean,
  env: Record<string, string> | undefined,
  logFile: string,
  ctx: Parameters<KindRunner<KindParams<'shell'>>>[1],
): Promise<unknown> {
  const { signal } = ctx
  ctx.commandStarted?.(run.pid)
  ctx.progress(0, `pid ${run.pid}`)
  let killTimer: NodeJS.Timeout | undefined
  const onAbort = () => {
    signalTree(run.pid, 'SIGTERM')
    killTimer = setTimeout(() => signalTree(run.pid, 'SIGKILL'), KILL_GRACE_MS)
  }
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  const { exitCode, signal: killedBy } = await run.ended
  signal.removeEventListener('abort', onAbort)
  clearTimeout(killTimer)
  if (signal.aborted) signalTree(run.pid, 'SIGKILL')
  ctx.commandEnded?.(run.pid)
  if (signal.aborted) throw abortError(signal)
  if (exitCode === 0) return { exitCode: 0, signal: null, logFile }
  // The shell's (or setsid's) exit codes when it cannot run the program; a program's own
  // 126 or 127 is told apart by looking for it on the job's PATH.
  if (!useShell && (exitCode === 127 || exitCode === 126)) {
    const found = await findProgram(program, env?.PATH ?? process.env.PATH)
    if (found === null && exitCode === 127) throw new Error(`program not found: ${program}`)
    if (found === null) throw new Error(`program is not executable: ${program}`)
  }
  throw new ExitCodeError(exitCode, killedBy)
}
