// A thread script blocked in a system call (issue 16, item 7): here the open of a FIFO that no
// one writes, which Worker.terminate() cannot interrupt. The job still ends (timed out, or
// cancelled) once its timeout and grace have passed and the engine has given up on the thread,
// a new thread takes its place, and when the stuck thread is unblocked later nothing it does
// reaches the engine. Real threads, a real FIFO.
import { spawnSync } from 'node:child_process'
import { constants, existsSync } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { stuckThreads } from '../../../src/main/engine/executors/abandoned-threads.ts'
import { makeEngine, sleep, until, writeScript } from '../fixture.ts'
import { alive } from '../process-probes.ts'

/** FIFOs a test left a reader blocked on: a writer opened here unblocks it, so no thread outlives the test. */
const fifos: string[] = []
afterEach(async () => {
  for (const fifo of fifos.splice(0)) await unblock(fifo)
})

async function unblock(fifo: string): Promise<void> {
  // With a reader waiting, a writer's open returns at once; closing it gives the reader its end
  // of file. Non-blocking: with no reader (a test that failed early) it fails instead of waiting.
  const writer = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => null)
  await writer?.close()
}

/** Opens the FIFO (blocks: no writer), then leaves a mark: a thread that ran on after being stopped would show it. */
const BLOCKING = `import { openSync, writeFileSync } from 'node:fs'
export default function ({ fifo, marker }) {
  openSync(fifo, 'r')
  writeFileSync(marker, 'ran on')
  return 'unblocked'
}
`

async function stuckSetUp(ctx: { skip: (note: string) => never }, cpuSlots = 1) {
  const { engine, dir } = await makeEngine({ cpuSlots, graceMs: 200 })
  const fifo = join(dir, 'pipe')
  if (spawnSync('mkfifo', [fifo]).status !== 0) ctx.skip('mkfifo is not available here')
  fifos.push(fifo)
  const module = await writeScript(dir, 'block', BLOCKING)
  const marker = join(dir, 'marker')
  // A thread up beforehand: on a loaded machine a new thread's start alone can take longer
  // than the short timeouts below (and the job would time out before it started).
  await engine.run({ kind: 'sum-squares', executor: 'thread', params: { n: 10 } })
  return { engine, fifo, marker, params: { module, input: { fifo, marker } } }
}

/** Resolves with the settled job, or fails after `ms` (without the fix the job never settles). */
async function settledWithin(engine: Awaited<ReturnType<typeof makeEngine>>['engine'], id: number, ms: number) {
  const timer = sleep(ms).then(() => 'never settled')
  const settled = engine.whenSettled([id]).then(() => 'settled')
  expect(await Promise.race([settled, timer])).toBe('settled')
  return engine.getJob(id)!
}

describe.skipIf(process.platform === 'win32')('a thread script stuck in a system call', () => {
  it('times out after timeout + grace, its thread is replaced, and its later unblocking changes nothing', async (ctx) => {
    const { engine, fifo, marker, params } = await stuckSetUp(ctx)
    const t0 = performance.now()
    const { jobIds } = await engine.submit({
      jobs: [
        { kind: 'script', executor: 'thread', params, timeoutMs: 1000, retries: 0 },
        // Queued behind it on the one CPU slot: runs once the slot comes back.
        { kind: 'sum-squares', executor: 'thread', params: { n: 1000 } },
      ],
    })
    const [stuck, next] = jobIds as [number, number]
    await until(() => engine.getJob(stuck)?.state === 'running', 20_000, 'the script to start')
    const worker = engine.getJob(stuck)!.workerId!
    const job = await settledWithin(engine, stuck, 30_000)
    expect(job).toMatchObject({ state: 'timed-out', attempts: 1, error: { code: 'timeout' } })
    // Not before its timeout and grace (1000 + 200 ms) have passed.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1200)
    await engine.whenSettled([next])
    expect(engine.getJob(next)).toMatchObject({ state: 'succeeded', result: { sum: '332833500' } })
    expect(engine.getJob(next)!.workerId).not.toBe(worker)
    // Given up on: no longer one of the engine's workers, but still stuck in its system call.
    expect(engine.workers().some((w) => w.id === worker)).toBe(false)
    expect(stuckThreads()).toBe(1)

    // Unblocked now: its code does not run on (terminate() already stopped it), it exits, and
    // the jobs stay as they were.
    fifos.splice(fifos.indexOf(fifo), 1)
    await unblock(fifo)
    await until(() => stuckThreads() === 0, 10_000, 'the stuck thread to exit once unblocked')
    await sleep(200)
    expect(existsSync(marker)).toBe(false)
    expect(engine.getJob(stuck)).toMatchObject({ state: 'timed-out', attempts: 1 })
    expect(engine.getJob(next)).toMatchObject({ state: 'succeeded' })
    const again = await engine.run({ kind: 'sum-squares', executor: 'thread', params: { n: 10 } })
    expect(again).toMatchObject({ state: 'succeeded', result: { sum: '285' } })
  }, 60_000)

  it('a cancel ends it as cancelled after the grace, while other threads run on', async (ctx) => {
    const { engine, params } = await stuckSetUp(ctx, 2)
    const { jobIds } = await engine.submit({ jobs: [{ kind: 'script', executor: 'thread', params, retries: 0 }] })
    const stuck = jobIds[0]!
    await until(() => engine.getJob(stuck)?.state === 'running', 20_000, 'the script to start')
    const other = await engine.run({ kind: 'sum-squares', executor: 'thread', params: { n: 10 } })
    expect(other).toMatchObject({ state: 'succeeded' })
    engine.cancel([stuck])
    const job = await settledWithin(engine, stuck, 30_000)
    expect(job).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } })
  }, 60_000)

  it('a thread blocked in execSync is freed when the child it waits for is ended by its tag', async () => {
    const { engine, dir } = await makeEngine({ cpuSlots: 1, graceMs: 200 })
    await engine.run({ kind: 'sum-squares', executor: 'thread', params: { n: 10 } })
    const file = join(dir, 'child.pid')
    // The shell writes its pid, then becomes the sleep (exec keeps the pid): spawnSync waits for it.
    const command = `echo $$ > '${file}.tmp'; mv '${file}.tmp' '${file}'; exec sleep 300`
    const module = await writeScript(
      dir,
      'exec-sync',
      `import { execFileSync } from 'node:child_process'\nexport default () => execFileSync('/bin/sh', ['-c', ${JSON.stringify(command)}])\n`,
    )
    const { jobIds } = await engine.submit({
      jobs: [{ kind: 'script', executor: 'thread', params: { module }, timeoutMs: 1000, retries: 0 }],
    })
    await until(() => existsSync(file), 20_000, 'the child to start')
    const pid = Number((await readFile(file, 'utf8')).trim())
    expect(alive(pid)).toBe(true)
    const job = await settledWithin(engine, jobIds[0]!, 30_000)
    expect(job).toMatchObject({ state: 'timed-out', attempts: 1 })
    await until(() => !alive(pid), 15_000, 'the child to be ended by its tag')
    // Its child gone, the thread's spawnSync returns and the thread, already stopped, exits.
    await until(() => stuckThreads() === 0, 15_000, 'the freed thread to exit')
  }, 60_000)
})
