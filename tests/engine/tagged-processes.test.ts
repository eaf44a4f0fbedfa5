// Reading a job's tag out of a process environment block (/proc/<pid>/environ: NUL-separated
// NAME=value entries), and a sweep of real processes that ends only those with the tags asked for.
import { spawn } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { endTagged, findTagged, tagIn } from '../../src/main/engine/tagged-processes.ts'
import { until } from './fixture.ts'
import { alive } from './process-probes.ts'

const started: number[] = []
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Gone.
    }
  }
})

const block = (...entries: string[]) => Buffer.from(entries.map((entry) => `${entry}\0`).join(''))

describe('tagIn', () => {
  it('finds the variable first, in the middle or last (with or without a final NUL)', () => {
    expect(tagIn(block('CORELANE_JOB_TAG=a.1.1', 'PATH=/bin'))).toBe('a.1.1')
    expect(tagIn(block('HOME=/root', 'CORELANE_JOB_TAG=a.2.1', 'PATH=/bin'))).toBe('a.2.1')
    expect(tagIn(Buffer.from('HOME=/root\0CORELANE_JOB_TAG=a.3.2'))).toBe('a.3.2')
  })

  it('is not fooled by a longer name or by the text inside a value', () => {
    expect(tagIn(block('XCORELANE_JOB_TAG=x.1.1', 'PATH=/bin'))).toBeNull()
    expect(tagIn(block('NOTE=CORELANE_JOB_TAG=y.1.1'))).toBeNull()
    expect(tagIn(block('XCORELANE_JOB_TAG=x.1.1', 'CORELANE_JOB_TAG=z.1.1'))).toBe('z.1.1')
    expect(tagIn(Buffer.alloc(0))).toBeNull()
  })
})

describe.skipIf(process.platform !== 'linux')('endTagged', () => {
  it('ends the processes carrying the tags asked for, and only those', async () => {
    const start = (tag: string) => {
      const child = spawn('sleep', ['300'], { stdio: 'ignore', detached: true, env: { ...process.env, CORELANE_JOB_TAG: tag } })
      child.unref()
      started.push(child.pid!)
      return child.pid!
    }
    const [mine, alsoMine, other] = [start('t.1.1'), start('t.2.1'), start('t.1.2')]
    await until(() => [mine, alsoMine, other].every(alive), 10_000, 'the sleeps to start')
    expect((await findTagged(new Set(['t.1.1', 't.2.1']))).map((found) => found.pid).sort()).toEqual([mine, alsoMine].sort())
    expect(await endTagged(new Set(['t.1.1', 't.2.1']))).toBe(2)
    await until(() => !alive(mine) && !alive(alsoMine), 10_000, 'the tagged sleeps to end')
    expect(alive(other)).toBe(true) // another attempt's tag
  })

  it('leaves a tag that is in use again alone: a job given back runs its next hand-off under the same tag', async () => {
    // The race a CI run hit: --mem-free gave back a running shell job (same attempt, same tag),
    // it started again while the sweep of the one it left was between its two looks, and the
    // second look SIGKILLed the new program: the job ended failed.
    const child = spawn('sleep', ['300'], { stdio: 'ignore', detached: true, env: { ...process.env, CORELANE_JOB_TAG: 'v.1.1' } })
    child.unref()
    started.push(child.pid!)
    await until(() => alive(child.pid!), 10_000, 'the sleep to start')
    expect(await endTagged(new Set(['v.1.1']), 200, (tag) => tag === 'v.1.1')).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(alive(child.pid!)).toBe(true)
    // Once it is no longer handed out, the same sweep ends it.
    await endTagged(new Set(['v.1.1']), 200, () => false)
    await until(() => !alive(child.pid!), 10_000, 'the sleep to end')
  })

  it('SIGKILLs what ignores SIGTERM once the grace has passed', async () => {
    const child = spawn('/bin/sh', ['-c', "trap '' TERM; while :; do sleep 1; done"], {
      stdio: 'ignore',
      detached: true,
      env: { ...process.env, CORELANE_JOB_TAG: 'u.1.1' },
    })
    child.unref()
    started.push(child.pid!)
    await until(() => alive(child.pid!), 10_000, 'the shell to start')
    await new Promise((resolve) => setTimeout(resolve, 100)) // its trap set
    const t0 = performance.now()
    await endTagged(new Set(['u.1.1']), 300)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300)
    await until(() => !alive(child.pid!), 10_000, 'the shell to end')
  })
})
