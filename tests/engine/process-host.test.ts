// The plain-Node process host on a real child process: a message sent to a child that is dying
// (its end of the channel already closed, before Node has seen the disconnect) must not become
// an uncaught EPIPE in the engine's process, which would take every other job down with it.
// A worker leads a process group of its own, in the engine's session where it can (a session
// of its own is a scheduling group of its own under Linux autogroup).
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { forkProcessHost, processToolsFound } from '../../src/main/engine/executors/process-host.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-process-host-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Process group and session of a process, from /proc/<pid>/stat (fields 5 and 6). */
async function groupAndSession(pid: number | 'self'): Promise<{ pgrp: number; sid: number }> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return { pgrp: Number(fields[2]), sid: Number(fields[3]) }
}

const perlThere = await access('/usr/bin/perl').then(
  () => true,
  () => false,
)

describe('forkProcessHost', () => {
  it.runIf(process.platform === 'linux')(
    "starts a worker leading its own process group, in the engine's session when perl is there",
    async () => {
      await processToolsFound
      const file = join(dir, 'group.mjs')
      await writeFile(file, "process.on('message', () => process.exit(0)); process.send('up')\n")
      const child = forkProcessHost.spawn(file, { execArgv: ['--max-old-space-size=256'] })
      const exited = new Promise<number | null>((resolve) => child.onExit((code) => resolve(code)))
      await new Promise<void>((resolve) => child.onMessage(() => resolve()))
      const pid = child.pid!
      const [worker, engine] = await Promise.all([groupAndSession(pid), groupAndSession('self')])
      child.send({ t: 'stop' })
      expect(await exited).toBe(0)
      expect(worker.pgrp).toBe(pid)
      // Without perl the worker falls back to a session of its own (setsid).
      expect(worker.sid).toBe(perlThere ? engine.sid : pid)
    },
  )

  it('sends to a child that died unnoticed without an uncaught EPIPE, and reports its exit', async () => {
    const file = join(dir, 'dies.mjs')
    // The child says it is up, then dies at once (no graceful disconnect).
    await writeFile(file, "process.send('up'); setTimeout(() => process.kill(process.pid, 'SIGKILL'), 50)\n")
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    try {
      const child = forkProcessHost.spawn(file)
      const exited = new Promise<string | null>((resolve) => child.onExit((_code, signal) => resolve(signal)))
      await new Promise<void>((resolve) => child.onMessage(() => resolve()))
      // Hold this thread while the child dies, so the channel's end is not noticed yet: the
      // send below then writes to a closed pipe, as the engine does when a worker dies between
      // two of its loop turns.
      const until = Date.now() + 400
      while (Date.now() < until);
      child.send({ t: 'stop' })
      expect(await exited).toBe('SIGKILL')
      // The failed write is reported on a later tick.
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(uncaught).toEqual([])
    } finally {
      process.off('uncaughtException', onUncaught)
    }
  })
})
