// `corelane run` leaves even when a thread script is stuck in a system call for good (the open
// of a FIFO nobody writes): the job times out, the other job runs, and the CLI exits with the
// batch's code, although Node's own exit would wait for that thread forever. A real CLI process.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sleep, until } from '../engine/fixture.ts'
import { runCli, tempDir } from '../engine/faults/helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const step of cleanup) await step()
})

describe.skipIf(process.platform !== 'linux')('the CLI with a stuck thread', () => {
  it('exits with the batch code, the stuck job timed out and the other one done', async () => {
    const dir = await tempDir('corelane-stuck-', cleanup)
    const fifo = join(dir, 'pipe')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    const module = join(dir, 'block.mjs')
    await writeFile(
      module,
      `import { openSync } from 'node:fs'\nexport default ({ fifo }) => { openSync(fifo, 'r'); return 1 }\n`,
    )
    const jobs = [
      { name: 'stuck', kind: 'script', executor: 'thread', params: { module, input: { fifo } }, timeoutMs: 300, retries: 0 },
      { name: 'other', kind: 'sum-squares', executor: 'thread', params: { n: 10 } },
    ]
    await writeFile(join(dir, 'batch.json'), JSON.stringify({ name: 'stuck', jobs }))
    const cli = runCli(['run', join(dir, 'batch.json'), '--data-dir', join(dir, 'data'), '--json'])
    // Without a way past the stuck thread the CLI would never exit (the FIFO is never opened for writing).
    const result = await Promise.race([cli.exit, sleep(60_000).then(() => 'still running' as const)])
    if (result === 'still running') cli.child.kill('SIGKILL')
    expect(result).toEqual({ code: 1, signal: null })
    const lines = cli.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name?: string; state?: string; summary?: Record<string, number> })
    expect(lines.find((line) => line.name === 'stuck')).toMatchObject({ state: 'timed-out' })
    expect(lines.find((line) => line.name === 'other')).toMatchObject({ state: 'succeeded' })
    expect(lines.at(-1)?.summary).toMatchObject({ succeeded: 1, timedOut: 1 })
  }, 90_000)

  it('SIGTERM (a first Ctrl-C) cancels a stuck job without a timeout, and the CLI exits', async () => {
    const dir = await tempDir('corelane-stuck-', cleanup)
    const fifo = join(dir, 'pipe')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    const module = join(dir, 'block.mjs')
    const started = join(dir, 'started')
    await writeFile(
      module,
      `import { openSync, writeFileSync } from 'node:fs'\nexport default ({ fifo, started }) => { writeFileSync(started, ''); openSync(fifo, 'r'); return 1 }\n`,
    )
    const jobs = [{ name: 'stuck', kind: 'script', executor: 'thread', params: { module, input: { fifo, started } } }]
    await writeFile(join(dir, 'batch.json'), JSON.stringify({ name: 'stuck', jobs }))
    const cli = runCli(['run', join(dir, 'batch.json'), '--data-dir', join(dir, 'data'), '--json'])
    await until(() => existsSync(started), 30_000, 'the script to block')
    cli.child.kill('SIGTERM')
    const result = await Promise.race([cli.exit, sleep(60_000).then(() => 'still running' as const)])
    if (result === 'still running') cli.child.kill('SIGKILL')
    expect(result).toEqual({ code: 1, signal: null })
    expect(cli.stdout).toMatch(/"name":"stuck".*"state":"cancelled"/)
  }, 90_000)
})
