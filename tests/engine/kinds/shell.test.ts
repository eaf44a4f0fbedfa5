// shell with real child processes: output lands in the log file, exit codes and signals become
// `exit-code` errors, a missing program is named, and cancel kills the whole process group.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KILL_GRACE_MS, shell } from '../../../src/main/engine/kinds/shell.ts'
import { cancelAfter, makeTestContext, withContext } from './test-context.ts'

const node = process.execPath

/** Alive means it exists and is not a zombie waiting for a parent that is gone. */
async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state !== 'Z' && state !== 'X' && state !== ''
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs
  while (performance.now() < end) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return check()
}

describe('shell', () => {
  it('runs a program with its output in the log file', async () => {
    await withContext(async ({ ctx, dir, readLog, progress }) => {
      const program = "console.log('out:' + process.env.CORELANE_TEST + ':' + process.cwd()); console.error('err line')"
      const result = await shell({ argv: [node, '-e', program], cwd: dir, env: { CORELANE_TEST: 'yes' }, shell: false }, ctx)
      expect(result).toEqual({ exitCode: 0, signal: null, logFile: join(dir, 'job.log') })
      const log = await readLog()
      expect(log).toContain(`out:yes:${dir}\n`)
      expect(log).toContain('err line\n')
      expect(progress[0]?.note).toMatch(/^pid \d+$/)
    })
  })

  it('fails with an exit-code error on a non-zero exit, keeping stdout and stderr', async () => {
    await withContext(async ({ ctx, readLog }) => {
      const program = "process.stdout.write('to stdout\\n'); process.stderr.write('to stderr\\n'); process.exitCode = 3"
      const error = await shell({ argv: [node, '-e', program], shell: false }, ctx).catch((err: unknown) => err)
      expect(error).toBeInstanceOf(Error)
      expect(error).toMatchObject({ code: 'exit-code', message: 'exited with code 3', exitCode: 3, signal: null })
      const log = await readLog()
      expect(log).toContain('to stdout\n')
      expect(log).toContain('to stderr\n')
    })
  })

  it('reports a program killed by a signal', async () => {
    await withContext(async ({ ctx }) => {
      const error = shell({ argv: [node, '-e', "process.kill(process.pid, 'SIGKILL')"], shell: false }, ctx)
      await expect(error).rejects.toMatchObject({ code: 'exit-code', message: 'killed by SIGKILL', signal: 'SIGKILL' })
    })
  })

  it('names a missing program and a missing working directory', async () => {
    await withContext(async ({ ctx, dir }) => {
      await expect(shell({ argv: ['corelane-no-such-program', '--x'], shell: false }, ctx)).rejects.toThrow(
        /^program not found: corelane-no-such-program$/,
      )
      await expect(shell({ argv: [node, '-e', ''], cwd: join(dir, 'nope'), shell: false }, ctx)).rejects.toThrow(
        /^working directory not found: /,
      )
    })
  })

  it('goes through /bin/sh only when asked', async () => {
    await withContext(async ({ ctx, readLog }) => {
      await shell({ argv: ['echo corelane | tr a-z A-Z'], shell: true }, ctx)
      expect(await readLog()).toContain('CORELANE\n')
      // Without a shell the pipe is just an argument.
      await shell({ argv: ['echo', 'a | b'], shell: false }, ctx)
      expect(await readLog()).toContain('a | b\n')
    })
  })

  it('streams a large output to the file, not through memory', async () => {
    await withContext(async ({ ctx, dir }) => {
      const mib = 32
      const program = `const b = Buffer.alloc(1 << 20, 'x'); let n = ${mib}; const w = () => { while (n > 0) { n--; if (!process.stdout.write(b)) return process.stdout.once('drain', w) } }; w()`
      const heapBefore = process.memoryUsage().heapUsed
      await shell({ argv: [node, '-e', program], shell: false }, ctx)
      expect((await readFile(join(dir, 'job.log'))).length).toBe(mib << 20)
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 << 20)
    })
  })

  it('kills the whole process group when cancelled', async () => {
    const t = await makeTestContext()
    try {
      const pids = join(t.dir, 'pids')
      // A child that starts a grandchild, records both pids, and then waits for 30 s.
      const program = `
        const { spawn } = require('node:child_process')
        const grandchild = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' })
        require('node:fs').writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + grandchild.pid)
        setTimeout(() => {}, 30000)`
      const job = shell({ argv: [node, '-e', program], shell: false }, t.ctx)
      const started = await waitFor(async () => (await readFile(pids, 'utf8').catch(() => '')).includes(' '), 5000)
      expect(started).toBe(true)
      const [child, grandchild] = (await readFile(pids, 'utf8')).split(' ').map(Number)
      const { reason, error, stopMs } = await cancelAfter(job, t.controller, 0)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(1000)
      expect(await isAlive(child)).toBe(false)
      expect(await waitFor(async () => !(await isAlive(grandchild)), 1000)).toBe(true)
    } finally {
      await t.cleanup()
    }
  })

  it('escalates to SIGKILL when the program ignores SIGTERM', async () => {
    const t = await makeTestContext()
    try {
      const ready = join(t.dir, 'ready')
      const program = `process.on('SIGTERM', () => {}); require('node:fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000)`
      const job = shell({ argv: [node, '-e', program], shell: false }, t.ctx)
      expect(
        await waitFor(
          () =>
            readFile(ready).then(
              () => true,
              () => false,
            ),
          5000,
        ),
      ).toBe(true)
      const { reason, error, stopMs } = await cancelAfter(job, t.controller, 0)
      expect(error).toBe(reason)
      expect(stopMs).toBeGreaterThanOrEqual(KILL_GRACE_MS - 50)
      expect(stopMs).toBeLessThan(KILL_GRACE_MS + 1000)
    } finally {
      await t.cleanup()
    }
  })
})
