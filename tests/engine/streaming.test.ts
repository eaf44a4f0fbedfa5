// appendToBatch on a real engine: a streamed batch's later chunks go into the batch its first
// submit made, also after every job of it has finished and left memory (the batch comes back
// from its row), and a batch the engine never made is refused.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createEngine, forkProcessHost } from '../../src/main/engine/index.ts'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

describe('appendToBatch', () => {
  it('queues later chunks in the first chunk’s batch, even once that batch has left memory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'corelane-append-'))
    dirs.push(dataDir)
    const engine = createEngine({ dataDir, processHost: forkProcessHost, cpuSlots: 1 })
    try {
      const noops = (n: number) => Array.from({ length: n }, () => ({ kind: 'noop', params: {} }))
      const first = await engine.submit({ name: 'stream', source: '/tmp/stream.json', jobs: noops(3) })
      const view = engine.batches().find((b) => b.id === first.batchId)!
      await engine.whenSettled()
      expect(engine.clearFinished()).toBe(3)
      expect(engine.batches().find((b) => b.id === first.batchId)).toBeUndefined()

      const row = { id: first.batchId, name: 'stream', source: '/tmp/stream.json', createdAt: view.createdAt }
      const second = await engine.appendToBatch(row, { jobs: noops(4) })
      expect(second.batchId).toBe(first.batchId)
      await engine.whenSettled(second.jobIds)
      const back = engine.batches().find((b) => b.id === first.batchId)!
      expect(back).toMatchObject({ name: 'stream', total: 4, createdAt: view.createdAt })
      expect(back.counts.succeeded).toBe(4)
      expect(second.jobIds.every((id) => engine.getJob(id)?.batchId === first.batchId)).toBe(true)

      await expect(engine.appendToBatch({ ...row, id: first.batchId + 10 }, { jobs: noops(1) })).rejects.toThrow(
        /no batch with id/,
      )
      await expect(engine.appendToBatch(row, { jobs: [{ kind: 'noop', params: { x: 1 } }] })).rejects.toThrow(/params/)
    } finally {
      await engine.close()
    }
  })
})
