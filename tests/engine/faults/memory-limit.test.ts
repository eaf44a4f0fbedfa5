// memoryMb as an OS-level ceiling (issue 16, item 17): `--max-old-space-size` bounds only the
// V8 heap, so a script allocating Buffers went far past its memoryMb. A process worker with a
// memory ceiling now runs under RLIMIT_DATA (prlimit, Linux): the allocation past the ceiling
// fails inside the job's process, the job fails, the engine carries on. The Buffers here are
// never written, so the test needs address space, not RAM.
import { access } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { executorForCeiling, NODE_DATA_BASELINE_MB, osMemoryLimit } from '../../../src/main/engine/executors/process-host.ts'
import { makeEngine, writeScript } from '../fixture.ts'

const ALLOCATE = `export default async function (mib) {
  const kept = []
  for (let done = 0; done < mib; done += 32) kept.push(Buffer.allocUnsafeSlow(32 << 20))
  return kept.length * 32
}`

async function prlimitPresent(): Promise<boolean> {
  if (process.platform !== 'linux') return false
  return access('/usr/bin/prlimit').then(
    () => true,
    () => false,
  )
}

describe('memoryMb on a process worker', () => {
  it('holds for Buffers, not just the heap: 2 GiB of Buffers under a 256 MiB ceiling fails that job only', async (ctx) => {
    if (!(await prlimitPresent())) ctx.skip('needs Linux with prlimit (util-linux) for RLIMIT_DATA')
    const { engine, dir } = await makeEngine()
    const module = await writeScript(dir, 'allocate', ALLOCATE)
    expect(osMemoryLimit(256)?.args[0]).toBe(`--data=${(256 + NODE_DATA_BASELINE_MB) * 1024 * 1024}`)
    const over = await engine.run({ kind: 'script', executor: 'process', memoryMb: 256, params: { module, input: 2048 } })
    expect(over.state).toBe('failed')
    expect(over.error?.message).toMatch(/allocate|memory/i)
    // Within the ceiling the same script runs, and jobs without one are not limited.
    expect(await engine.run({ kind: 'script', executor: 'process', memoryMb: 256, params: { module, input: 64 } })).toMatchObject(
      {
        state: 'succeeded',
        result: 64,
      },
    )
    expect(await engine.run({ kind: 'script', executor: 'process', params: { module, input: 2048 } })).toMatchObject({
      state: 'succeeded',
      result: 2048,
    })
  })

  it('routes a job with memoryMb and no explicit executor to a process, where the ceiling holds', async (ctx) => {
    if (!(await prlimitPresent())) ctx.skip('needs Linux with prlimit (util-linux) for RLIMIT_DATA')
    expect(executorForCeiling(undefined, 'thread', 256)).toBe('process')
    expect(executorForCeiling('auto', 'thread', 256)).toBe('process')
    expect(executorForCeiling('thread', 'thread', 256)).toBe('thread')
    expect(executorForCeiling(undefined, 'thread', undefined)).toBe('thread')
    // On a real engine: a kind that runs in a thread by default moves to a process with a ceiling.
    const { engine } = await makeEngine()
    expect(await engine.run({ kind: 'sum-squares', params: { n: 10 }, memoryMb: 64 })).toMatchObject({
      state: 'succeeded',
      executor: 'process',
    })
    expect(await engine.run({ kind: 'sum-squares', params: { n: 10 } })).toMatchObject({ state: 'succeeded', executor: 'thread' })
  })
})
