// The dependency graph of a batch, without the engine: submit-time checks that name the field
// (unknown names, ambiguous names, a job waiting for itself, cycles with their path), and the
// tracker that says which jobs may start or can never run as others settle, retry included.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkDependencies,
  DependencyTracker,
  type DependencySpec,
  type Outcome,
} from '../../src/main/engine/dependency-graph.ts'

const field = (i: number) => `jobs[${i}]`
const deps = (jobs: DependencySpec[]) => {
  const checked = checkDependencies(jobs, field)
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems))
  return checked.deps
}

describe('checkDependencies', () => {
  it('resolves names to indices, once each', () => {
    expect(deps([{ name: 'a' }, { name: 'b', after: ['a'] }, { name: 'c', after: ['a', 'b', 'a'] }])).toEqual([[], [0], [0, 1]])
  })

  it('refuses unknown names, ambiguous names and a job waiting for itself, naming the field', () => {
    const checked = checkDependencies(
      [{ name: 'a' }, { name: 'a' }, { name: 'b', after: ['a'] }, { name: 'c', after: ['zzz'] }, { name: 'd', after: ['d'] }],
      field,
    )
    expect(checked.ok).toBe(false)
    expect(!checked.ok && checked.problems).toEqual([
      { field: 'jobs[2].after[0]', message: '"a" names more than one job (jobs[0], jobs[1]): names waited for must be unique' },
      { field: 'jobs[3].after[0]', message: 'no job named "zzz" in this batch' },
      { field: 'jobs[4].after[0]', message: 'a job cannot wait for itself ("d")' },
    ])
  })

  it('refuses a cycle, giving its path', () => {
    const checked = checkDependencies(
      [{ name: 'start' }, { name: 'a', after: ['c', 'start'] }, { name: 'b', after: ['a'] }, { name: 'c', after: ['b'] }],
      field,
    )
    expect(!checked.ok && checked.problems).toEqual([{ field: 'jobs[1].after', message: 'a cycle: a → c → b → a' }])
  })

  it('handles a chain of 200,000 jobs without recursion', () => {
    const jobs: DependencySpec[] = Array.from({ length: 200_000 }, (_, i) => ({ name: `j${i}`, after: i ? [`j${i - 1}`] : [] }))
    expect(deps(jobs)[199_999]).toEqual([199_998])
    jobs[0] = { name: 'j0', after: ['j199999'] }
    const checked = checkDependencies(jobs, field)
    expect(!checked.ok && checked.problems[0]!.message).toBe(
      'a cycle: j0 → j199999 → j199998 → j199997 → j199996 → … (199991 more) … → j4 → j3 → j2 → j1 → j0',
    )
  })
})

describe('DependencyTracker', () => {
  // build ← compile ← (test, lint) ← package
  const graph = () =>
    new DependencyTracker(
      deps([
        { name: 'compile' },
        { name: 'test', after: ['compile'] },
        { name: 'lint', after: ['compile'] },
        { name: 'package', after: ['test', 'lint'] },
        { name: 'docs' },
      ]),
    )

  it('releases a job when all it waits for succeeded', () => {
    const t = graph()
    expect(t.initiallyReady()).toEqual([0, 4])
    expect(t.settle(0, 'succeeded').ready).toEqual([1, 2])
    expect(t.settle(1, 'succeeded').ready).toEqual([])
    expect(t.waitingFor(3)).toEqual([2])
    expect(t.settle(2, 'succeeded').ready).toEqual([3])
    expect(t.isReady(3)).toBe(true)
  })

  it('blocks every job downstream of a failure, naming the dependency and the cause', () => {
    const t = graph()
    t.settle(0, 'succeeded')
    t.settle(2, 'succeeded')
    expect(t.settle(1, 'timed-out').blocked).toEqual([{ index: 3, by: 1, root: 1 }])
    const u = graph()
    expect(u.settle(0, 'failed').blocked).toEqual([
      { index: 1, by: 0, root: 0 },
      { index: 2, by: 0, root: 0 },
      { index: 3, by: 1, root: 0 },
    ])
    expect(u.isReady(3)).toBe(false)
    expect(u.blocker(3)).toBe(1)
  })

  it('a retried dependency that then succeeds releases its dependents', () => {
    const t = graph()
    t.settle(0, 'failed')
    expect(t.reopen(0).sort()).toEqual([1, 2, 3])
    expect([1, 2, 3].map((i) => t.isBlocked(i))).toEqual([false, false, false])
    expect(t.settle(0, 'succeeded').ready).toEqual([1, 2])
  })

  it('a blocked job ended by the caller stays released by a retry of its blocker, down the chain', () => {
    const t = new DependencyTracker(deps([{ name: 'a' }, { name: 'b', after: ['a'] }, { name: 'c', after: ['b'] }]))
    expect(t.settle(0, 'failed').blocked.map((b) => b.index)).toEqual([1, 2])
    // The engine ends the blocked jobs as not run; that is no news to the tracker.
    expect(t.settle(1, 'cancelled')).toEqual({ ready: [], blocked: [] })
    expect(t.settle(2, 'cancelled')).toEqual({ ready: [], blocked: [] })
    expect(t.reopen(0)).toEqual([1, 2])
    expect(t.settle(0, 'succeeded').ready).toEqual([1])
    expect(t.settle(1, 'succeeded').ready).toEqual([2])
  })

  it('a job still blocked by another failed dependency stays blocked when one is retried', () => {
    const t = graph()
    t.settle(0, 'succeeded')
    t.settle(1, 'failed')
    t.settle(2, 'cancelled')
    expect(t.reopen(1)).toEqual([])
    expect(t.isBlocked(3)).toBe(true)
    expect(t.blocker(3)).toBe(2)
    expect(t.reopen(2)).toEqual([3])
  })

  it('reopening a job that had succeeded makes its dependents wait for it again', () => {
    const t = graph()
    t.settle(0, 'succeeded')
    t.reopen(0)
    expect(t.isReady(1)).toBe(false)
    expect(t.settle(0, 'succeeded').ready).toEqual([1, 2])
  })

  it('property: on any DAG and any outcomes, a job starts only after all it waits for succeeded, and is blocked exactly when one did not', () => {
    const dag = fc.integer({ min: 1, max: 40 }).chain((n) =>
      fc.tuple(
        fc.array(fc.array(fc.nat(n - 1), { maxLength: 4 }), { minLength: n, maxLength: n }),
        fc.array(fc.constantFrom<Outcome>('succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'timed-out'), {
          minLength: n,
          maxLength: n,
        }),
        fc.array(fc.nat(), { minLength: n, maxLength: n }),
      ),
    )
    fc.assert(
      fc.property(dag, ([rawDeps, outcomes, picks]) => {
        // Edges only to lower indices: acyclic by construction.
        const jobs = rawDeps.map((list, i) => ({
          name: `j${i}`,
          after: [...new Set(list.filter((d) => d < i))].map((d) => `j${d}`),
        }))
        const d = deps(jobs)
        const t = new DependencyTracker(d)
        const ready = new Set(t.initiallyReady())
        const ended = new Map<number, Outcome>()
        const blocked = new Set<number>()
        let step = 0
        while (ready.size) {
          const list = [...ready]
          const job = list[picks[step++ % picks.length]! % list.length]!
          ready.delete(job)
          expect(d[job]!.every((dep) => ended.get(dep) === 'succeeded')).toBe(true)
          expect(ended.has(job) || blocked.has(job)).toBe(false)
          ended.set(job, outcomes[job]!)
          const result = t.settle(job, outcomes[job]!)
          for (const r of result.ready) ready.add(r)
          for (const b of result.blocked) {
            expect(blocked.has(b.index)).toBe(false)
            blocked.add(b.index)
          }
        }
        // Every job either ran or was blocked; blocked exactly when an ancestor did not succeed.
        const failedAncestor = (i: number): boolean =>
          d[i]!.some((dep) => (ended.has(dep) && ended.get(dep) !== 'succeeded') || failedAncestor(dep))
        for (let i = 0; i < jobs.length; i++) {
          expect(ended.has(i) !== blocked.has(i)).toBe(true)
          expect(blocked.has(i)).toBe(failedAncestor(i))
        }
      }),
      { numRuns: 300 },
    )
  })
})
