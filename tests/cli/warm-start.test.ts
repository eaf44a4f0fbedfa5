// What `corelane run` starts before its data folder is open (warm-start.ts): as many worker
// processes as its first jobs need, and none of it may hold the process open or outlive it
// when the run is refused (here: the folder is in use by another Corelane).
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lockDataDir, prepareDataDir } from '../../src/main/engine/index.ts'
import type { BatchFile } from '../../src/shared/schemas.ts'
import { processWorkersFor, shellJobsFirst } from '../../src/cli/warm-start.ts'

const CLI = resolve(import.meta.dirname, '../../src/cli/corelane.mjs')
let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corelane-warm-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const shell = { kind: 'shell', params: { argv: ['true'] } }
const squares = { kind: 'sum-squares', params: { n: 10 } }

describe('processWorkersFor', () => {
  it('counts the first jobs that run on CPU-lane process workers, at most one per slot', () => {
    const list = (jobs: unknown[]) => ({ jobs }) as BatchFile
    expect(processWorkersFor(list([shell]), {}, 4)).toBe(1)
    expect(processWorkersFor(list([shell, shell, shell]), {}, 2)).toBe(2)
    expect(processWorkersFor(list([squares, shell]), {}, 4)).toBe(1)
    // A thread kind on a process (the job's own or the batch's default, as --executor sets it), and back.
    expect(processWorkersFor(list([{ ...squares, executor: 'process' }]), {}, 4)).toBe(1)
    expect(processWorkersFor(list([squares]), { executor: 'process' }, 4)).toBe(1)
    expect(processWorkersFor(list([shell]), { executor: 'thread' }, 4)).toBe(0)
    expect(processWorkersFor(list([{ ...shell, executor: 'auto' }]), {}, 4)).toBe(1)
    // Not the shared pool's CPU workers: the I/O lane, and a job with a memory ceiling (a worker of its own).
    expect(processWorkersFor(list([{ ...shell, lane: 'io' }]), {}, 4)).toBe(0)
    expect(processWorkersFor(list([{ ...shell, memoryMb: 64 }]), {}, 4)).toBe(0)
    expect(processWorkersFor(list([{ kind: 'no-such-kind' }, null]), {}, 4)).toBe(0)
  })

  it('tells whether shell jobs are among those first jobs (their workers start a shell server meanwhile)', () => {
    const list = (jobs: unknown[]) => ({ jobs }) as BatchFile
    expect(shellJobsFirst(list([shell]), {}, 4)).toBe(true)
    expect(shellJobsFirst(list([squares, { ...squares, executor: 'process' }, shell]), {}, 4)).toBe(true)
    // Past the slots' worth of process jobs, and on threads: not the started workers' jobs.
    expect(shellJobsFirst(list([{ ...squares, executor: 'process' }, shell]), {}, 1)).toBe(false)
    expect(shellJobsFirst(list([shell]), { executor: 'thread' }, 4)).toBe(false)
    expect(shellJobsFirst(list([{ kind: 'script', params: { module: 'x.mjs' } }]), {}, 4)).toBe(false)
    expect(shellJobsFirst({ template: shell, count: 3 } as BatchFile, {}, 2)).toBe(true)
  })

  it('counts a template once per job it makes, up to the slots', () => {
    expect(processWorkersFor({ template: shell, count: 1 } as BatchFile, {}, 4)).toBe(1)
    expect(processWorkersFor({ template: shell, count: 10 } as BatchFile, {}, 4)).toBe(4)
    expect(processWorkersFor({ template: shell, inputs: [1, 2] } as BatchFile, {}, 4)).toBe(2)
    // Lines: as many as there are slots (the count is known only at their end).
    expect(processWorkersFor({ template: shell, inputs: { lines: 'x.txt' } } as BatchFile, {}, 3)).toBe(3)
    expect(processWorkersFor({ template: squares, count: 10 } as BatchFile, {}, 4)).toBe(0)
  })
})

/** Pids of the processes whose environment names `value` (the workers started for a data folder carry its compile cache). */
async function processesWith(value: string): Promise<number[]> {
  const found: number[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const environ = await readFile(`/proc/${name}/environ`, 'utf8').catch(() => '')
    if (environ.split('\0').includes(value)) found.push(Number(name))
  }
  return found
}

describe.runIf(process.platform === 'linux')('a refused run', () => {
  it('exits 2 without waiting for, or leaving behind, the worker it started for its shell job', async () => {
    const dataDir = join(dir, 'busy')
    await prepareDataDir(dataDir)
    const unlock = await lockDataDir(dataDir)
    try {
      const batch = join(dir, 'one.json')
      await writeFile(batch, JSON.stringify({ jobs: [shell] }))
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, [CLI, 'run', '-q', '--data-dir', dataDir, batch], {
          stdio: ['ignore', 'ignore', 'pipe'],
        })
        let err = ''
        child.stderr.on('data', (chunk) => (err += chunk))
        child.on('close', (exitCode) => done({ code: exitCode, stderr: err }))
      })
      expect(stderr).toMatch(/in use by another Corelane/)
      expect(code).toBe(2)
      // The started worker leaves with the CLI (killed, or on its channel's close): none carries this folder's cache.
      const marker = `NODE_COMPILE_CACHE=${join(dataDir, 'compile-cache')}`
      const deadline = Date.now() + 5000
      let left = await processesWith(marker)
      while (left.length && Date.now() < deadline) {
        await new Promise((resolveWait) => setTimeout(resolveWait, 50))
        left = await processesWith(marker)
      }
      expect(left).toEqual([])
    } finally {
      await unlock()
    }
  })
})
