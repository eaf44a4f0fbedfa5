// The engine's table of jobs by id (job-table.ts) on its own: what a Map gave the state machine
// (get, set, delete, size, iteration) must hold across page boundaries, pages dropped and made
// again, ids far apart, and deletes while iterating.
import { describe, expect, it } from 'vitest'
import { JobTable } from '../../src/main/engine/job-table.ts'

const job = (id: number) => ({ id, tag: `job ${id}` })
const ids = (table: JobTable<{ id: number }>) => [...table.values()].map((j) => j.id)

describe('JobTable', () => {
  it('finds, replaces and deletes jobs by id, and counts them', () => {
    const table = new JobTable<ReturnType<typeof job>>()
    for (let id = 1; id <= 3000; id++) table.set(job(id))
    expect(table.size).toBe(3000)
    expect(table.get(1)?.tag).toBe('job 1')
    expect(table.get(1024)?.tag).toBe('job 1024') // the first slot of the second page
    expect(table.get(3000)?.tag).toBe('job 3000')
    expect(table.get(3001)).toBeUndefined()
    expect(table.get(0)).toBeUndefined()

    table.set({ id: 1024, tag: 'again' }) // a replacement is not a new job
    expect(table.size).toBe(3000)
    expect(table.get(1024)?.tag).toBe('again')

    expect(table.delete(1024)).toBe(true)
    expect(table.delete(1024)).toBe(false)
    expect(table.delete(99_999)).toBe(false)
    expect(table.has(1024)).toBe(false)
    expect(table.size).toBe(2999)
  })

  it('iterates in id order, whatever order the jobs were set in', () => {
    const table = new JobTable<{ id: number }>()
    for (const id of [5000, 3, 2048, 1, 70_000_000, 1023, 1025]) table.set(job(id))
    expect(ids(table)).toEqual([1, 3, 1023, 1025, 2048, 5000, 70_000_000])
  })

  it('drops a page once its jobs have left, and makes it again when one comes back', () => {
    const table = new JobTable<{ id: number }>()
    for (let id = 1; id <= 2500; id++) table.set(job(id))
    for (let id = 1024; id < 2048; id++) table.delete(id) // the whole second page
    expect(table.size).toBe(1476)
    expect(table.get(1500)).toBeUndefined()
    table.set(job(1500)) // a job read back from the store (a stream's retry)
    expect(table.get(1500)?.id).toBe(1500)
    expect(ids(table).filter((id) => id >= 1024 && id < 2048)).toEqual([1500])
    expect(ids(table).at(-1)).toBe(2500)
  })

  it('lets the caller delete jobs while it walks them (clearing finished jobs)', () => {
    const table = new JobTable<{ id: number }>()
    for (let id = 1; id <= 5000; id++) table.set(job(id))
    let seen = 0
    for (const j of table.values()) {
      seen++
      if (j.id % 3 !== 0) table.delete(j.id)
    }
    expect(seen).toBe(5000)
    expect(table.size).toBe(1666)
    expect(ids(table).every((id) => id % 3 === 0)).toBe(true)
    for (const j of table.values()) table.delete(j.id)
    expect(table.size).toBe(0)
    expect(ids(table)).toEqual([])
  })

  it('holds ids past 2^31 (a store that has handed out that many)', () => {
    const table = new JobTable<{ id: number }>()
    const big = 2 ** 33 + 7
    table.set(job(big))
    table.set(job(big + 1))
    expect(table.get(big)?.id).toBe(big)
    expect(ids(table)).toEqual([big, big + 1])
  })
})
