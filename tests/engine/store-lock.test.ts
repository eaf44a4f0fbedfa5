// One Corelane per data folder, and clear refusals (issue 16, item 12): a real second
// Corelane finds the folder busy and is told which lock file says so; a lock naming a live
// process that is not its owner (a recycled or unrelated pid) is taken over; a lock that is
// a folder, a read-only data folder and a --data-dir that is a file end with exit 2 and a
// sentence, never a raw errno.
import { spawn, spawnSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirBusyError, DataDirError, lockDataDir } from '../../src/main/engine/index.ts'
import { mountTmpfs, runCli, tempDir } from './faults/helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const LOCK_MODULE = resolve(import.meta.dirname, '../../src/main/engine/store/data-lock.ts')

/** Another process holding the folder's lock, as a running Corelane would. */
async function otherOwner(dataDir: string): Promise<{ pid: number; stop: () => void }> {
  const child = spawn(process.execPath, [
    '--input-type=module',
    '-e',
    `const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)}); await lockDataDir(${JSON.stringify(dataDir)}); console.log('locked'); setInterval(() => {}, 1000)`,
  ])
  await new Promise<void>((done, fail) => {
    child.stdout.on('data', () => done())
    child.on('exit', (code) => fail(new Error(`lock holder exited ${code}`)))
  })
  const stop = () => void child.kill('SIGKILL')
  cleanup.push(async () => stop())
  return { pid: child.pid!, stop }
}

describe('the data folder lock', () => {
  it('a running Corelane keeps the folder; the refusal names its pid and the lock file', async () => {
    const dataDir = await tempDir('corelane-lock-', cleanup)
    const owner = await otherOwner(dataDir)
    const refused = await lockDataDir(dataDir).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(DataDirBusyError)
    expect((refused as Error).message).toContain(`pid ${owner.pid}`)
    expect((refused as Error).message).toContain(join(dataDir, 'corelane.lock'))
    // Once it is gone (kill -9: it leaves its lock behind), the lock is taken over.
    owner.stop()
    await new Promise((r) => setTimeout(r, 200))
    const release = await lockDataDir(dataDir)
    await release()
  })

  it('a lock naming a live process that is not its writer is taken over (old and new lock formats)', async () => {
    const dataDir = await tempDir('corelane-lock-', cleanup)
    const unrelated = spawn('sleep', ['30'])
    cleanup.push(async () => void unrelated.kill('SIGKILL'))
    await new Promise((r) => unrelated.once('spawn', r))
    await writeFile(join(dataDir, 'corelane.lock'), String(unrelated.pid))
    const first = await lockDataDir(dataDir)
    expect(JSON.parse(await readFile(join(dataDir, 'corelane.lock'), 'utf8'))).toMatchObject({ pid: process.pid })
    await first()
    // A recycled pid: the process alive under that pid started at another time than the lock says.
    await writeFile(join(dataDir, 'corelane.lock'), JSON.stringify({ pid: unrelated.pid, started: '1' }))
    const second = await lockDataDir(dataDir)
    await second()
  })

  it('a lock that is a folder is refused with a sentence naming it', async () => {
    const dataDir = await tempDir('corelane-lock-', cleanup)
    await mkdir(join(dataDir, 'corelane.lock'))
    const refused = await lockDataDir(dataDir).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(DataDirError)
    expect((refused as Error).message).toBe(
      `the lock file ${join(dataDir, 'corelane.lock')} is not a file: remove it (no Corelane made it)`,
    )
    const run = runCli(['run', '-', '--data-dir', dataDir])
    run.child.stdin.end('{"jobs": [{"kind": "noop"}]}')
    expect((await run.exit).code).toBe(2)
    expect(run.stderr).toMatch(/--data-dir: the lock file .* is not a file/)
  })

  it('a --data-dir that is a file: exit 2 and a sentence', async () => {
    const dir = await tempDir('corelane-lock-', cleanup)
    const file = join(dir, 'not-a-folder')
    await writeFile(file, 'x')
    for (const dataDir of [file, join(file, 'inside')]) {
      const run = runCli(['run', '-', '--data-dir', dataDir])
      run.child.stdin.end('{"jobs": [{"kind": "noop"}]}')
      expect((await run.exit).code).toBe(2)
      expect(run.stderr).toMatch(
        /--data-dir: (the data folder .* is a file, not a folder|the data folder .* is inside a file|cannot create the data folder .*: part of its path is a file)/,
      )
      expect(run.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it('a read-only data folder: exit 2 and a sentence (a read-only mount: root ignores permissions)', async (ctx) => {
    const dir = await tempDir('corelane-lock-', cleanup)
    const mnt = join(dir, 'ro')
    await mkdir(mnt)
    const mounted = mountTmpfs(mnt, '1m')
    if (!mounted.ok) ctx.skip(mounted.reason)
    cleanup.push(async () => {
      if (mounted.ok) mounted.unmount()
    })
    await mkdir(join(mnt, 'data'))
    const remount = spawnSync('mount', ['-o', 'remount,ro', mnt], { encoding: 'utf8' })
    if (remount.status !== 0) ctx.skip(`cannot remount read-only: ${remount.stderr.trim()}`)
    const run = runCli(['run', '-', '--data-dir', join(mnt, 'data')])
    run.child.stdin.end('{"jobs": [{"kind": "noop"}]}')
    expect((await run.exit).code).toBe(2)
    expect(run.stderr).toMatch(/--data-dir: the data folder .* is read-only/)
  })
})
