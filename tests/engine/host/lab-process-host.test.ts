// Every process the lab starts goes through the process host it is given: under Electron that
// is utilityProcess, because a plain child_process.fork of the app binary needs the RunAsNode
// fuse, which the packaged app turns off. Shown with a counting wrapper around the real
// plain-Node host (real processes), on the start-up experiment, which also starts bare ones.
import { describe, expect, it } from 'vitest'
import { forkProcessHost, type ProcessHost } from '../../../src/main/engine/index.ts'
import { runExperiment } from '../../../src/main/host/lab/lab-runner.ts'

describe('the lab and the process host', () => {
  it('starts the bare processes of the start-up experiment through the given host', async () => {
    const spawned: string[] = []
    const counting: ProcessHost = {
      name: 'counting fork host',
      spawn(modulePath, options) {
        spawned.push(modulePath)
        return forkProcessHost.spawn(modulePath, options)
      },
    }
    const result = await runExperiment(
      { experiment: 'startup-cost', scale: 'quick', python: false },
      { monitor: null, processHost: counting },
    )
    const bare = spawned.filter((path) => path.endsWith('bare-process.mjs'))
    expect(bare).toHaveLength(7)
    expect(spawned.length).toBeGreaterThan(bare.length) // the engine's worker processes too
    expect(result.strategies.find((s) => s.strategy === 'processes')!.extra!.bareSpawnMs).toBeGreaterThan(0)
  })
})
