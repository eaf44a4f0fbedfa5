// When a streamed batch has ended, on a real engine with real workers: not while its input is
// still being read, even when every job read so far has finished (a file of lines or a pipe
// between two reads: its length is known only at its end), and at once when the reading ends
// after its last job, told to subscribers (the window's batch line, the desktop's taskbar,
// notifications and keep-awake all follow `endedAt`).
import { describe, expect, it } from 'vitest'
import type { BatchView } from '../../src/shared/job.ts'
import { streamSubmission } from '../../src/main/engine/submission.ts'
import { makeEngine, sleep, until } from './fixture.ts'

describe('a streamed batch ends when its reading and its jobs have', () => {
  it('is not ended while its input waits, and ends when the input does', async () => {
    const { engine } = await makeEngine()
    const seen: BatchView[] = []
    engine.subscribe((changes) => seen.push(...(changes.batches ?? [])))
    let release: () => void = () => {}
    async function* pausing(): AsyncGenerator<number> {
      yield 1
      yield 2
      // The writer pauses: the two inputs read finish meanwhile.
      await new Promise<void>((resolve) => (release = resolve))
    }
    const stream = engine.submitStream({
      name: 'pausing',
      specs: streamSubmission({ template: { kind: 'sleep', params: { ms: 5 } }, inputs: pausing() }),
    })
    const view = () => engine.batches().find((b) => b.id === stream.batchId)!
    await until(() => view().counts.succeeded === 2, 10_000, 'the two inputs read to run')
    // Several event intervals with every job read finished: still not ended.
    await sleep(300)
    expect(view()).toMatchObject({ total: 2, endedAt: null })
    expect(seen.filter((b) => b.id === stream.batchId).every((b) => b.endedAt === null)).toBe(true)
    // The input ends with no job left to finish: ended now, and the window is told.
    release()
    await stream.done
    expect(view().endedAt).not.toBeNull()
    await until(() => seen.some((b) => b.id === stream.batchId && b.endedAt !== null), 5_000, 'the end to be told')
  }, 30_000)
})
