// What a user script can do to the jobs it shares a worker with, on real threads and processes:
// forge events for a sibling, throw after it resolved, post a message the engine cannot read,
// or return a result nested too deeply to travel. Each stays the script's own problem.
import { describe, expect, it } from 'vitest'
import { makeEngine, writeScript } from './fixture.ts'

const post = {
  thread: "((port) => (m) => port.postMessage(m))((await import('node:worker_threads')).parentPort)",
  process: '(m) => process.send(m)',
}

describe('a user script sharing its worker', () => {
  for (const executor of ['thread', 'process'] as const) {
    it(`cannot complete a sibling job by forging its "done" event (${executor})`, async () => {
      const { engine, dir } = await makeEngine()
      // Both on one concurrent I/O worker: the sleep is held by the same worker while the script runs.
      const forger = await writeScript(
        dir,
        'forger',
        `export default async (input, ctx) => {
          const send = ${post[executor]}
          const sibling = ctx.jobId + 1
          for (const k of [undefined, '', 'guess'])
            send({ t: 'ev', k, e: [6, sibling, Date.now(), 2, sibling, Date.now(), 'forged', null, false] })
          await new Promise((resolve) => setTimeout(resolve, 50))
          return 'sent'
        }`,
      )
      const { jobIds } = await engine.submit({
        jobs: [
          { kind: 'script', params: { module: forger }, lane: 'io', executor },
          { kind: 'sleep', params: { ms: 400 }, lane: 'io', executor },
        ],
      })
      await engine.whenSettled(jobIds)
      const [script, sleeper] = jobIds.map((id) => engine.getJob(id)!)
      expect(script, JSON.stringify(script!.error)).toMatchObject({ state: 'succeeded', result: 'sent' })
      expect(sleeper!.state).toBe('succeeded')
      expect(sleeper!.result).not.toBe('forged')
      expect(sleeper!.endedAt! - sleeper!.startedAt!).toBeGreaterThanOrEqual(350)
      expect(sleeper!.workerId).toBe(script!.workerId)
    })

    it(`puts an error thrown after a script resolved on that script, not on the next job (${executor})`, async () => {
      const { engine, dir } = await makeEngine({ cpuSlots: 1 })
      const culprit = await writeScript(
        dir,
        'late',
        `export default async () => {
          setTimeout(() => { throw new Error('late boom') }, 100)
          return 'looked fine'
        }`,
      )
      const innocent = await writeScript(
        dir,
        'innocent',
        'export default async () => { await new Promise((r) => setTimeout(r, 400)); return "fine" }',
      )
      const { jobIds } = await engine.submit({
        jobs: [
          { kind: 'script', params: { module: culprit }, executor },
          { kind: 'script', params: { module: innocent }, executor },
        ],
      })
      await engine.whenSettled(jobIds)
      await new Promise((resolve) => setTimeout(resolve, 100))
      const [first, second] = jobIds.map((id) => engine.getJob(id)!)
      expect(second).toMatchObject({ state: 'succeeded', result: 'fine' })
      expect(second!.workerId).toBe(first!.workerId)
      expect(first).toMatchObject({ state: 'failed', error: { code: 'job-error' } })
      expect(first!.error!.message).toContain('late boom')
    })

    it(`fails a running script whose stray timer throws, and its worker carries on (${executor})`, async () => {
      const { engine, dir } = await makeEngine({ cpuSlots: 1 })
      const stray = await writeScript(
        dir,
        'stray',
        `export default async () => {
          setTimeout(() => Promise.reject(new Error('stray rejection')), 50)
          await new Promise(() => undefined)
        }`,
      )
      const { jobIds } = await engine.submit({
        jobs: [
          { kind: 'script', params: { module: stray }, executor },
          { kind: 'sum-squares', params: { n: 10 }, executor },
        ],
      })
      await engine.whenSettled(jobIds)
      const [first, second] = jobIds.map((id) => engine.getJob(id)!)
      expect(first).toMatchObject({ state: 'failed', error: { code: 'job-error', message: 'stray rejection' } })
      expect(second).toMatchObject({ state: 'succeeded', result: { sum: '285' } })
      expect(second!.workerId).toBe(first!.workerId)
    })

    it(`fails a script whose result is nested too deeply to travel, instead of losing its events (${executor})`, async () => {
      const { engine, dir } = await makeEngine()
      const deep = await writeScript(
        dir,
        'deep',
        'export default async () => { let a = null; for (let i = 0; i < 6000; i++) a = [a]; return a }',
      )
      const job = await engine.run({ kind: 'script', params: { module: deep }, executor })
      expect(job).toMatchObject({ state: 'failed', error: { code: 'job-error' } })
      expect(job.error!.message).toMatch(/nested too deeply|cannot be saved as JSON/)
      expect(await engine.run({ kind: 'sum-squares', params: { n: 10 }, executor })).toMatchObject({ state: 'succeeded' })
    })
  }

  it('replaces a thread worker when a message from it cannot be read', async () => {
    const { engine, dir } = await makeEngine()
    const unreadable = await writeScript(
      dir,
      'unreadable',
      `import { parentPort } from 'node:worker_threads'
      export default async () => {
        let a = null
        for (let i = 0; i < 6000; i++) a = [a]
        parentPort.postMessage(a)
        await new Promise((resolve) => setTimeout(resolve, 300))
        return 'unharmed'
      }`,
    )
    const job = await engine.run({ kind: 'script', params: { module: unreadable }, executor: 'thread' })
    expect(job).toMatchObject({ state: 'failed', error: { code: 'worker-crashed' } })
    expect(job.error!.message).toContain('could not be read')
    expect(await engine.run({ kind: 'sum-squares', params: { n: 10 } })).toMatchObject({ state: 'succeeded' })
  })
})
