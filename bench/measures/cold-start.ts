// Cold start: from "new engine" to the first no-op result, thread and process executors,
// against a new Piscina pool's first result and against the bare minimum (a raw
// child_process.fork or worker_threads Worker answering one message). Reported, no target.
import type { EventEmitter } from 'node:events'
import { fileURLToPath } from 'node:url'
import { REPORTED, rowsOf } from '../lib/rows.ts'
import type { Measure, Metrics, Row, Samples } from '../lib/types.ts'

const ECHO_CHILD = fileURLToPath(new URL('../peers/echo-child.mjs', import.meta.url))
const ECHO_WORKER = new URL('../peers/echo-worker.mjs', import.meta.url)
const NOOP = fileURLToPath(new URL('../peers/noop.mjs', import.meta.url))

/** Sends a ping and resolves on the first message back (rejects on an error first). */
function firstReply(echo: EventEmitter, ping: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    echo.once('message', () => resolve())
    echo.once('error', reject)
    ping()
  })
}

export const measure: Measure = {
  name: 'cold-start',
  title: 'Cold start to the first job result',
  how: () =>
    `In a fresh process, after the modules are imported: time from createEngine(...) to the first engine.run({ kind: ` +
    `'noop' }) result (thread or process executor); from new Piscina({ minThreads: 1, maxThreads: 1 }) to its first ` +
    `run() result; from child_process.fork(echo.mjs) to its first reply; from new Worker(echo.mjs) to its first reply. ` +
    `Corelane's time includes loading its TypeScript worker entry and the noop kind: "first start" in a new data ` +
    `folder, "compile cache warm" from a second createEngine on the same folder, whose new worker reuses the ` +
    `stripped and compiled modules the first one saved in <dataDir>/compile-cache.`,
  variants: ['corelane-thread', 'corelane-process', 'piscina', 'raw-fork', 'raw-worker'],
  async run(variant: string): Promise<Metrics> {
    if (variant.startsWith('corelane')) {
      const { createEngine, forkProcessHost } = await import('../../src/main/engine/index.ts')
      const { mkdtemp, rm } = await import('node:fs/promises')
      const { tmpdir } = await import('node:os')
      const { join } = await import('node:path')
      const dataDir = await mkdtemp(join(tmpdir(), 'corelane-bench-'))
      const executor = variant === 'corelane-process' ? 'process' : 'thread'
      // First start in a new data folder (empty compile cache), then a second engine on the
      // same folder: its new worker finds the code the first one cached.
      const times: number[] = []
      for (let start = 0; start < 2; start++) {
        const t0 = performance.now()
        const engine = createEngine({ dataDir, processHost: forkProcessHost })
        const view = await engine.run({ kind: 'noop', params: {}, executor })
        times.push(performance.now() - t0)
        if (view.state !== 'succeeded') throw new Error(`first job ended ${view.state}`)
        // Let the worker save its cache (it does so on its next turn) before it is stopped.
        await new Promise((resolve) => setTimeout(resolve, 100))
        await engine.close()
      }
      await rm(dataDir, { recursive: true, force: true })
      return { firstResultMs: times[0]!, warmCacheMs: times[1]! }
    }
    if (variant === 'piscina') {
      const { Piscina } = await import('piscina')
      const t0 = performance.now()
      const pool = new Piscina({ filename: NOOP, minThreads: 1, maxThreads: 1 })
      await pool.run(null)
      const ms = performance.now() - t0
      await pool.close()
      return { firstResultMs: ms }
    }
    if (variant === 'raw-fork') {
      const { fork } = await import('node:child_process')
      const t0 = performance.now()
      const child = fork(ECHO_CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
      await firstReply(child, () => child.send({ ping: 1 }))
      const ms = performance.now() - t0
      child.kill()
      return { firstResultMs: ms }
    }
    const { Worker } = await import('node:worker_threads')
    const t0 = performance.now()
    const worker = new Worker(ECHO_WORKER)
    await firstReply(worker, () => worker.postMessage({ ping: 1 }))
    const ms = performance.now() - t0
    await worker.terminate()
    return { firstResultMs: ms }
  },
  rows(samples: Samples): Row[] {
    const r = rowsOf(samples, 'cold-start', 'ms')
    const first = 'firstResultMs'
    const vs = (label: string, corelane: string, peer: string, peerLabel: string) =>
      r({ label, corelane: [corelane, first], peer: [peer, first, peerLabel], target: REPORTED })
    const warm = (label: string, corelane: string, peer: string, peerLabel: string) =>
      r({ label, corelane: [corelane, 'warmCacheMs'], peer: [peer, first, peerLabel], target: REPORTED })
    return [
      vs('threads, first start', 'corelane-thread', 'piscina', 'Piscina'),
      vs('threads, first start', 'corelane-thread', 'raw-worker', 'raw Worker'),
      warm('threads, compile cache warm', 'corelane-thread', 'piscina', 'Piscina'),
      warm('threads, compile cache warm', 'corelane-thread', 'raw-worker', 'raw Worker'),
      vs('processes, first start', 'corelane-process', 'piscina', 'Piscina'),
      vs('processes, first start', 'corelane-process', 'raw-fork', 'raw fork'),
      warm('processes, compile cache warm', 'corelane-process', 'piscina', 'Piscina'),
      warm('processes, compile cache warm', 'corelane-process', 'raw-fork', 'raw fork'),
    ]
  },
}
