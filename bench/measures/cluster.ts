// The cluster (BullMQ on Redis) against a plain BullMQ worker on the same kind of Redis:
// no-op throughput (Corelane packs many short jobs into one BullMQ job; the plain worker takes
// one job per message), the CPU speed-up of two agents over one (each agent pinned to its own
// core with taskset), the latency of one remote job, and the controller's event-loop lag
// while 100,000 remote jobs flow. Each variant starts its own redis-server on a free loopback
// port (no persistence) and its own agent processes (the real `corelane agent`). The
// controller is the real engine linked to the cluster (engine-link.ts, as `corelane run
// --redis` links it) with no CPU slot and no I/O job of its own: every job runs on the agents.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { REPORTED, rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples, VariantContext } from '../lib/types.ts'
import type { EngineLink } from '../../src/main/cluster/engine-link.ts'
import type { Engine } from '../lib/corelane.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const NODE = join(ROOT, 'node_modules/.bin/node')
const CLI = join(ROOT, 'src/cli/main.ts')
const CPU_JOBS = 8
const sizes = (quick: boolean) => ({
  corelaneNoops: quick ? 20_000 : 100_000,
  plainNoops: quick ? 2000 : 10_000,
  lagJobs: quick ? 20_000 : 100_000,
  latencyTrips: quick ? 20 : 100,
})

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer().on('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => ok(port))
    })
  })
}

function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, what: string): Promise<void> {
  return new Promise((ok, fail) => {
    let seen = ''
    const timer = setTimeout(() => fail(new Error(`${what} not ready in 30 s: ${seen}`)), 30_000)
    child[stream]!.on('data', (c: Buffer) => {
      seen += c.toString()
      if (pattern.test(seen)) {
        clearTimeout(timer)
        ok()
      }
    })
    child.once('exit', (code) => fail(new Error(`${what} exited (${code}): ${seen}`)))
  })
}

/** A throwaway redis-server and agents; `cpus` pins each agent (taskset -c) when given. */
async function withCluster<T>(agents: { slots: number; cpu?: number }[], fn: (url: string) => Promise<T>): Promise<T> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'corelane-bench-cluster-'))
  const children: ChildProcess[] = []
  try {
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(redis)
    await waitFor(redis, 'stdout', /Ready to accept connections/, 'redis-server')
    const url = `redis://127.0.0.1:${port}`
    await Promise.all(
      agents.map((a, i) => {
        const args = [
          CLI,
          'agent',
          '--redis',
          url,
          '--name',
          `bench${i + 1}`,
          '--cpu-slots',
          String(a.slots),
          '--data-dir',
          join(dir, `agent${i + 1}`),
        ]
        const child =
          a.cpu === undefined
            ? spawn(NODE, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
            : spawn('taskset', ['-c', String(a.cpu), NODE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
        children.push(child)
        return waitFor(child, 'stderr', /ready on/, `agent ${i + 1}`)
      }),
    )
    return await fn(url)
  } finally {
    for (const child of children.reverse()) {
      if (child.exitCode !== null) continue
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))])
      if (child.exitCode === null) child.kill('SIGKILL')
    }
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * A controller on the cluster (an engine running nothing itself, linked to it), once at least
 * one agent has been heard. Then, after `fn`'s timing (it builds a view per job): every job
 * succeeded, each on an agent.
 */
async function withController<T>(url: string, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const { withEngine, expectSucceeded } = await import('../lib/corelane.ts')
  const { linkEngineToCluster } = await import('../../src/main/cluster/engine-link.ts')
  return withEngine({ cpuSlots: 0, ioConcurrency: 0 }, async (engine) => {
    const link: EngineLink = await linkEngineToCluster(engine, { redisUrl: url, logDir: null })
    try {
      // The agents' first telemetry tells the controller how many packs they take.
      while (link.directory.capacity() === 0) await new Promise((r) => setTimeout(r, 20))
      const result = await fn(engine)
      const { total } = engine.listJobs({ limit: 0 })
      expectSucceeded(engine, total)
      // A fresh engine's ids run from 1.
      for (let id = 1; id <= total; id++) if (!engine.getJob(id)?.machine) throw new Error(`job ${id} did not run on an agent`)
      return result
    } finally {
      // Before the engine: a closing engine ends its executors, and the link would replace this one.
      await link.close()
    }
  })
}

/** Submits the jobs as one batch (a template × count, as a batch file's) and waits until every job of the engine has settled. */
async function runAll(engine: Engine, template: unknown, count: number): Promise<void> {
  await engine.submit({ template, count })
  await engine.whenSettled()
}

async function plainBullmq(url: string, count: number): Promise<Metrics> {
  const { Queue, Worker } = await import('bullmq')
  const { connectRedis } = await import('../../src/main/cluster/redis.ts')
  const connection = connectRedis(url, 'bench-plain')
  const queue = new Queue('plain', { connection })
  let done = 0
  let finish: () => void = () => {}
  const all = new Promise<void>((r) => (finish = r))
  // The plain worker: one BullMQ job per message, a no-op processor, plenty of concurrency.
  const worker = new Worker('plain', async () => null, {
    connection: connection.duplicate(),
    concurrency: 100,
    removeOnComplete: { count: 0 },
  })
  worker.on('completed', () => {
    if (++done === count) finish()
  })
  await worker.waitUntilReady()
  const t0 = performance.now()
  for (let i = 0; i < count; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({
        name: 'noop',
        data: { i: i + k },
        opts: { removeOnComplete: true },
      })),
    )
  }
  await all
  const ms = performance.now() - t0
  await worker.close()
  await queue.close()
  connection.disconnect()
  return { jobsPerSec: (count / ms) * 1000, ms }
}

async function cpuWall(agents: { slots: number; cpu?: number }[], n: number): Promise<number> {
  return withCluster(agents, (url) =>
    withController(url, async (engine) => {
      // Warm the agents' workers first with jobs of the batch's own size, so the engine has
      // learned their cost (long: one to a pack, which an agent takes only when it can start
      // it, not prefetched behind another), then time the batch.
      const template = { kind: 'sum-squares', params: { n } }
      await runAll(engine, template, 2)
      const t0 = performance.now()
      await runAll(engine, template, CPU_JOBS)
      return performance.now() - t0
    }),
  )
}

export const measure: Measure = {
  name: 'cluster',
  title: 'The cluster (BullMQ on Redis) against a plain BullMQ worker',
  how: (quick) => {
    const s = sizes(quick)
    return (
      `Each variant starts a redis-server 7 on a free loopback port (no persistence) and real \`corelane agent\` processes. ` +
      `The controller is the real engine (createEngine with 0 CPU slots and 0 I/O concurrency, so it runs no job itself; every job is checked to have succeeded on an agent) linked to the cluster ` +
      `with linkEngineToCluster, as \`corelane run --redis\` links it; jobs are submitted as one template × count. ` +
      `No-op throughput: ${s.corelaneNoops} no-op jobs through the controller to one agent of 1 CPU slot, ` +
      `timed from submit to the last settled job, against a plain BullMQ Worker (concurrency 100, no-op processor) taking ${s.plainNoops} jobs added with addBulk, one job per message. ` +
      `CPU speed-up: ${CPU_JOBS} sum-squares jobs (n calibrated so one takes about ${quick ? 100 : 300} ms) on one agent pinned to CPU 0 with taskset, ` +
      `then on two agents pinned to CPUs 0 and 1 (1 slot each); wall(one) / wall(two). Latency: one no-op job at a time, submit to settled, ${s.latencyTrips} trips after 5 warm-up ones. ` +
      `Loop lag: perf_hooks.monitorEventLoopDelay (10 ms resolution) in the controller process while ${s.lagJobs} no-op jobs flow through two agents, from the submit's call to the last settled job (and from the submit's return on), with their throughput.`
    )
  },
  variants: ['corelane-noops', 'plain-bullmq', 'cpu-speedup', 'latency', 'lag'],
  unavailable() {
    const probe = spawnSyncOk('redis-server', ['--version'])
    if (!probe) return 'redis-server is not installed'
    if (availableParallelism() < 2) return 'the CPU speed-up needs two cores'
    return spawnSyncOk('taskset', ['-V']) ? null : 'taskset (util-linux) is not installed'
  },
  async prepare(quick, runChild) {
    const { msPerJob } = await runChild('calibrate')
    const target = quick ? 100 : 300
    return { n: Math.max(1e6, Math.round((1e8 * target) / msPerJob! / 1e6) * 1e6) }
  },
  async run(variant: string, ctx: VariantContext): Promise<Metrics> {
    const s = sizes(ctx.quick)
    if (variant === 'calibrate') {
      const { withEngine } = await import('../lib/corelane.ts')
      return withEngine({ cpuSlots: 1 }, async (engine) => {
        const view = await engine.run({ kind: 'sum-squares', params: { n: 1e8 } })
        return { msPerJob: view.endedAt! - view.startedAt! }
      })
    }
    if (variant === 'plain-bullmq') return withCluster([], (url) => plainBullmq(url, s.plainNoops))
    if (variant === 'corelane-noops') {
      return withCluster([{ slots: 1 }], (url) =>
        withController(url, async (engine) => {
          const t0 = performance.now()
          await runAll(engine, { kind: 'noop' }, s.corelaneNoops)
          const ms = performance.now() - t0
          return { jobsPerSec: (s.corelaneNoops / ms) * 1000, ms }
        }),
      )
    }
    if (variant === 'cpu-speedup') {
      const n = ctx.prepared.n as number
      const one = await cpuWall([{ slots: 1, cpu: 0 }], n)
      const two = await cpuWall(
        [
          { slots: 1, cpu: 0 },
          { slots: 1, cpu: 1 },
        ],
        n,
      )
      return { speedup: one / two, oneAgentMs: one, twoAgentsMs: two }
    }
    if (variant === 'latency') {
      return withCluster([{ slots: 1 }], (url) =>
        withController(url, async (engine) => {
          const trips: number[] = []
          for (let i = 0; i < s.latencyTrips + 5; i++) {
            const t0 = performance.now()
            await runAll(engine, { kind: 'noop' }, 1)
            if (i >= 5) trips.push(performance.now() - t0)
          }
          trips.sort((a, b) => a - b)
          return {
            p50Ms: trips[Math.floor(trips.length / 2)]!,
            p99Ms: trips[Math.min(trips.length - 1, Math.floor(trips.length * 0.99))]!,
          }
        }),
      )
    }
    // lag
    const { monitorEventLoopDelay } = await import('node:perf_hooks')
    return withCluster([{ slots: 1 }, { slots: 1 }], (url) =>
      withController(url, async (engine) => {
        const histogram = monitorEventLoopDelay({ resolution: 10 })
        // The same from the submit's return on: the lag of the flow alone, without queuing
        // 100,000 jobs (the engine's own submit lag is submit-lag's).
        const flow = monitorEventLoopDelay({ resolution: 10 })
        histogram.enable()
        const t0 = performance.now()
        await engine.submit({ template: { kind: 'noop' }, count: s.lagJobs })
        flow.enable()
        await engine.whenSettled()
        const ms = performance.now() - t0
        histogram.disable()
        flow.disable()
        const lag = (ns: number) => Math.max(0, ns / 1e6 - 10)
        return {
          lagP99Ms: lag(histogram.percentile(99)),
          lagMaxMs: lag(histogram.max),
          flowLagP99Ms: lag(flow.percentile(99)),
          jobsPerSec: (s.lagJobs / ms) * 1000,
        }
      }),
    )
  },
  rows(samples: Samples): Row[] {
    const r = rowsOf(samples, 'cluster', 'ms')
    return [
      r({
        label: 'no-op jobs through the cluster (1 agent) vs plain BullMQ, one job per message',
        unit: 'jobs/s',
        corelane: ['corelane-noops', 'jobsPerSec'],
        peer: ['plain-bullmq', 'jobsPerSec', 'plain BullMQ worker'],
        target: { ratioAtLeast: 10 },
      }),
      r({
        label: `${CPU_JOBS} CPU jobs: 2 agents vs 1 (each pinned to its own core)`,
        unit: '×',
        corelane: ['cpu-speedup', 'speedup'],
        target: { atLeast: 1.8 },
      }),
      r({ label: 'one remote no-op job, submit to settled, p50', corelane: ['latency', 'p50Ms'], target: REPORTED }),
      r({ label: 'one remote no-op job, p99', corelane: ['latency', 'p99Ms'], target: REPORTED }),
      r({
        label: 'controller event-loop lag p99 while the jobs flow (2 agents)',
        corelane: ['lag', 'lagP99Ms'],
        target: { atMost: 10 },
      }),
      r({ label: 'the same, max', corelane: ['lag', 'lagMaxMs'], target: REPORTED }),
      r({ label: 'the same p99, from the submit’s return on', corelane: ['lag', 'flowLagP99Ms'], target: REPORTED }),
      r({
        label: 'no-op jobs through the cluster (2 agents) meanwhile',
        unit: 'jobs/s',
        corelane: ['lag', 'jobsPerSec'],
        target: REPORTED,
      }),
    ]
  },
}

function spawnSyncOk(command: string, args: string[]): boolean {
  // Once, in the orchestrator, before any round: whether the tools are there at all.
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0
}
