// Non-regular files (issue 16, item 7): `hash` of a FIFO used to block in the thread pool
// forever, past its timeout, holding a pool thread other file jobs need. Now it is refused at
// once, as `copy` and `compress` refuse, and the other file jobs run.
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeEngine } from '../fixture.ts'

describe('hash of a non-regular file', () => {
  it('refuses FIFOs and folders at once (timeout or not), and file jobs beside them complete', async (ctx) => {
    const { engine, dir } = await makeEngine()
    const fifo = join(dir, 'pipe')
    const made = spawnSync('mkfifo', [fifo])
    if (made.status !== 0) ctx.skip('mkfifo is not available here')
    const file = join(dir, 'data.bin')
    await writeFile(file, Buffer.alloc(1 << 20, 7))
    // More FIFO jobs than libuv has pool threads (4): blocked opens would starve the real file's job.
    const jobs = [
      ...Array.from({ length: 6 }, (_, i) => ({ kind: 'hash', params: { file: fifo }, ...(i % 2 ? { timeoutMs: 2000 } : {}) })),
      { kind: 'hash', params: { file: dir } },
      { kind: 'hash', params: { file } },
    ]
    const { jobIds } = await engine.submit({ jobs })
    await engine.whenSettled(jobIds)
    const views = jobIds.map((id) => engine.getJob(id)!)
    for (const view of views.slice(0, 7)) {
      expect(view.state).toBe('failed')
      expect(view.error?.message).toMatch(/not a regular file/)
    }
    expect(views[7]).toMatchObject({ state: 'succeeded', result: { bytes: 1 << 20 } })
  })
})
