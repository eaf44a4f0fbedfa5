// A worker thread that samples per-core CPU load at a fixed rate, the way Corelane's monitor
// is meant to (never on the main thread), and measures what that costs: its own thread's CPU
// (process.threadCpuUsage), the CPU of any processes it spawns (cutime + cstime of this
// process, from /proc/self/stat), and how long each call blocks its thread.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { parentPort, workerData } from 'node:worker_threads'
import { reapedChildTicks } from './background.ts'

export interface SamplerInput {
  source: 'systeminformation' | 'proc-stat'
  hz: number
  durationMs: number
}

export interface SamplerOutput {
  calls: number
  wallMs: number
  threadCpuMs: number
  childCpuMs: number
  blockMs: number[]
  cores: number
}

const input = workerData as SamplerInput
const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** Reads /proc/stat directly and returns each core's busy share since the previous call. */
function procStatSampler(): () => Promise<number[]> {
  let previous: { busy: number; total: number }[] = []
  return async () => {
    const text = readFileSync('/proc/stat', 'utf8')
    const now: { busy: number; total: number }[] = []
    for (const line of text.split('\n')) {
      if (!line.startsWith('cpu') || line[3] === ' ') continue
      if (!/^cpu\d/.test(line)) break
      const f = line.split(' ').slice(1).map(Number)
      const total = f[0]! + f[1]! + f[2]! + f[3]! + f[4]! + f[5]! + f[6]! + f[7]!
      now.push({ busy: total - f[3]! - f[4]!, total })
    }
    const loads = now.map((c, i) => {
      const p = previous[i]
      return p && c.total > p.total ? ((c.busy - p.busy) / (c.total - p.total)) * 100 : 0
    })
    previous = now
    return loads
  }
}

async function siSampler(): Promise<() => Promise<number[]>> {
  const si = (await import('systeminformation')).default
  return async () => (await si.currentLoad()).cpus.map((c) => c.load)
}

const sample = input.source === 'systeminformation' ? await siSampler() : procStatSampler()
const interval = 1000 / input.hz
// Prime: systeminformation's first call waits 500 ms for a baseline; both keep a previous sample.
let cores = (await sample()).length
await sleep(interval)

const calls = Math.max(1, Math.round((input.durationMs / 1000) * input.hz))
const blockMs: number[] = []
const cpu0 = process.threadCpuUsage()
const child0 = reapedChildTicks()
const start = performance.now()
for (let k = 0; k < calls; k++) {
  const wait = start + k * interval - performance.now()
  if (wait > 0) await sleep(wait)
  const t = performance.now()
  cores = (await sample()).length
  blockMs.push(performance.now() - t)
}
const end = start + calls * interval
if (end > performance.now()) await sleep(end - performance.now())
const wallMs = performance.now() - start
const cpu1 = process.threadCpuUsage(cpu0)
const childTicks = reapedChildTicks() - child0
const output: SamplerOutput = {
  calls,
  wallMs,
  threadCpuMs: (cpu1.user + cpu1.system) / 1000,
  childCpuMs: (childTicks * 1000) / clockTicks,
  blockMs,
  cores,
}
parentPort!.postMessage(output)
