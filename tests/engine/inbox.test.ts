// The engine's inbox: worker reports applied in order, at once when nothing waits, and in
// slices when a burst would otherwise hold the loop.
import { describe, expect, it } from 'vitest'
import { Inbox } from '../../src/main/engine/inbox.ts'

const busy = (ms: number) => {
  const end = performance.now() + ms
  while (performance.now() < end);
}

describe('inbox', () => {
  it('applies a report at once when nothing is waiting', () => {
    const inbox = new Inbox(4)
    const seen: string[] = []
    inbox.push(() => (seen.push('a'), true))
    expect(seen).toEqual(['a'])
  })

  it('stops at the slice, lets the loop run, then resumes in arrival order', async () => {
    const inbox = new Inbox(4)
    const seen: string[] = []
    let step = 0
    // A long report: 10 steps of 1 ms each, resumable where it stopped.
    inbox.push((deadline) => {
      while (step < 10) {
        busy(1)
        seen.push(`long ${step++}`)
        if (performance.now() > deadline) return false
      }
      return true
    })
    const firstSlice = seen.length
    expect(firstSlice).toBeGreaterThan(0)
    expect(firstSlice).toBeLessThan(10)
    inbox.push(() => (seen.push('next'), true))
    expect(seen).not.toContain('next')
    // The loop ran between slices: a timer queued now fires before the long report is done.
    let timerFiredAt = -1
    setTimeout(() => (timerFiredAt = seen.length), 0)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(seen).toEqual([...Array.from({ length: 10 }, (_, i) => `long ${i}`), 'next'])
    expect(timerFiredAt).toBeGreaterThanOrEqual(firstSlice)
    expect(timerFiredAt).toBeLessThan(seen.length)
  })

  it('drains everything on demand, however long it takes', () => {
    const inbox = new Inbox(1)
    const seen: number[] = []
    let step = 0
    inbox.push((deadline) => {
      while (step < 5) {
        busy(1)
        seen.push(step++)
        if (performance.now() > deadline) return false
      }
      return true
    })
    inbox.push(() => (seen.push(99), true))
    inbox.drainAll()
    expect(seen).toEqual([0, 1, 2, 3, 4, 99])
  })
})
