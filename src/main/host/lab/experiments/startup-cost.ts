// Thread against process: how long a new worker takes to answer its first job (and, for the
// mechanism alone, a bare thread or process to send one message), and what a job round trip
// costs on a warm pool.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { StrategyResult } from '../../../../shared/lab.ts'
import { forkProcessHost, type ProcessHost } from '../../../engine/index.ts'
import type { LabExperiment } from '../experiment.ts'
import { median, ran, repeat, seconds, times } from '../experiment.ts'
import { runStrategy } from '../run-strategy.ts'

/**
 * The mechanism alone: a new thread or process running a one-line module that posts one
 * message, median of `rounds`. (A Corelane worker also loads its runtime, which both pay.)
 * The process is started by the app's own process host: under Electron that is
 * utilityProcess, since a plain `child_process.fork` needs the RunAsNode fuse, which the
 * packaged app turns off (it would start a second copy of the app instead).
 */
async function bareSpawn(executor: 'thread' | 'process', dir: string, rounds: number, host: ProcessHost): Promise<number> {
  const file = join(dir, `bare-${executor}.mjs`)
  await writeFile(
    file,
    executor === 'thread'
      ? "import { parentPort } from 'node:worker_threads'\nparentPort.postMessage('up')\n"
      : // utilityProcess children talk through process.parentPort, forked ones through process.send.
        "if (process.parentPort) { process.parentPort.postMessage('up'); process.exit(0) }\n" +
          "else process.send('up', () => process.disconnect())\n",
  )
  const spawnTimes: number[] = []
  for (let i = 0; i < rounds; i++) {
    const start = performance.now()
    if (executor === 'thread') {
      const worker = new Worker(file)
      await new Promise((resolve) => worker.once('message', resolve))
      spawnTimes.push(performance.now() - start)
      await worker.terminate()
    } else {
      const child = host.spawn(file, { serviceName: 'Corelane lab: bare process' })
      const exited = new Promise((resolve) => child.onExit(resolve))
      await new Promise((resolve) => child.onMessage(resolve))
      spawnTimes.push(performance.now() - start)
      await exited
    }
  }
  return median(spawnTimes)
}

export const startupCost: LabExperiment = {
  info: {
    id: 'startup-cost',
    title: 'Thread vs process start-up and message cost',
    question: 'How long does a new worker take to answer its first job, and what does one message round trip cost?',
    expectation: 'threads start several times faster',
    strategies: ['threads', 'processes'],
    python: false,
  },
  cpuBound: false,
  pythonStrategies: [],
  jobs: () => [{ kind: 'noop', params: {} }],
  pythonArgs: () => [],
  /** Time for `startupWorkers` new workers to answer a first job; then message cost on the warm pool. */
  async measure(strategy, { scale, cores }, env): Promise<StrategyResult> {
    const jobs = repeat({ name: 'first job', kind: 'noop', params: {} }, scale.startupWorkers)
    const outcome = await runStrategy(strategy, jobs, scale.startupWorkers, cores, env)
    const firstAnswers = outcome.jobs.map((job) => job.endedAt! - job.createdAt)
    const executor = strategy === 'processes' ? 'process' : 'thread'
    // The median of single trips, not the mean: on a shared VM a few trips wait milliseconds for a
    // descheduled vCPU, and a mean of them measures the hypervisor rather than the message path.
    const trips: number[] = []
    for (let i = 0; i < scale.roundTrips; i++) {
      const t0 = performance.now()
      await outcome.engine.run({ kind: 'noop', params: {}, executor })
      trips.push(performance.now() - t0)
    }
    const roundTripMs = median(trips)
    await outcome.engine.close()
    const bareSpawnMs = await bareSpawn(executor, env.dataDir, 7, env.processHost ?? forkProcessHost)
    return {
      ...outcome.result,
      startupMs: median(firstAnswers),
      extra: { firstAnswerMs: median(firstAnswers), roundTripMs, bareSpawnMs, workers: scale.startupWorkers },
    }
  },
  checks(find) {
    const threads = find('threads')
    const processes = find('processes')
    const threadSpawn = threads?.extra?.bareSpawnMs
    const processSpawn = processes?.extra?.bareSpawnMs
    const threadTrip = threads?.extra?.roundTripMs
    const processTrip = processes?.extra?.roundTripMs
    return [
      // The lesson is about the mechanism: a bare thread against a bare process.
      threadSpawn !== undefined && processSpawn !== undefined
        ? {
            text: 'a new process takes at least 2× as long as a new thread to send its first message',
            strategy: 'processes',
            expectedMs: threadSpawn * 2,
            measuredMs: processSpawn,
            tolerance: 0,
            met: processSpawn >= threadSpawn * 2,
          }
        : null,
      threadTrip !== undefined && processTrip !== undefined
        ? {
            text: 'a job round trip on a warm pool costs less on a thread than on a process',
            strategy: 'processes',
            expectedMs: threadTrip,
            measuredMs: processTrip,
            tolerance: 0,
            met: processTrip > threadTrip,
          }
        : null,
    ]
  },
  explain(result) {
    const threads = ran(result, 'threads')
    const processes = ran(result, 'processes')
    if (!threads || !processes) return ''
    const ratio = processes.startupMs / Math.max(0.001, threads.startupMs)
    const rtThreads = threads.extra?.roundTripMs ?? 0
    const rtProcesses = processes.extra?.roundTripMs ?? 0
    const bareThread = threads.extra?.bareSpawnMs ?? 0
    const bareProcess = processes.extra?.bareSpawnMs ?? 0
    const bareRatio = bareProcess / Math.max(0.001, bareThread)
    const verdict =
      bareRatio >= 2
        ? `a thread starts ${times(bareRatio)} faster than a process`
        : `on this Node (${process.versions.node}) a process starts about as fast as a thread (${times(bareRatio)}), so the textbook's "several times faster" did not hold here`
    return (
      `A bare thread sent its first message in ${seconds(bareThread)} and a bare process in ${seconds(bareProcess)}: ${verdict}; ` +
      `a Corelane worker, which also loads its runtime, answered its first job in ${seconds(threads.startupMs)} as a thread and ${seconds(processes.startupMs)} as a process (${times(ratio)}), ` +
      `and on a warm pool a job round trip cost ${(rtThreads * 1000).toFixed(0)} µs on a thread against ${(rtProcesses * 1000).toFixed(0)} µs on a process.`
    )
  },
}
