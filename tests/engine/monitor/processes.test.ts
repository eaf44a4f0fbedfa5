// The process list on this machine, read from /proc in the real sampler thread: a busy child
// process pinned to one core shows up at the top with its CPU, its core (the one it is pinned
// to, for the process and for its threads), its user and memory, marked as Corelane's; the
// test's own process is marked as the host (the API host then tells the engine's own workers
// apart: tests/engine/host/api-host-monitor.test.ts). systeminformation.processes() (the fallback off
// Linux) is read the same way. Linux only: /proc and taskset.
import { spawn, type ChildProcess } from 'node:child_process'
import { cpus, userInfo } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { startMonitor, type Monitor } from '../../../src/main/engine/index.ts'
import { parseStat } from '../../../src/main/engine/monitor/proc-processes.ts'
import type { ProcessesSample } from '../../../src/shared/monitor.ts'

const linux = process.platform === 'linux'
let monitor: Monitor | null = null
let child: ChildProcess | null = null

afterEach(async () => {
  child?.kill('SIGKILL')
  child = null
  await monitor?.close()
  monitor = null
})

/** Resolves with the first process list for which `done` holds (they come once a second). */
function processesUntil(m: Monitor, done: (p: ProcessesSample) => boolean, timeoutMs = 15_000): Promise<ProcessesSample> {
  return new Promise((resolve, reject) => {
    let last: ProcessesSample | undefined
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no matching process list in ${timeoutMs} ms; last: ${JSON.stringify(last?.list.slice(0, 5))}`))
    }, timeoutMs)
    const off = m.onSample((sample) => {
      if (!sample.processes) return
      last = sample.processes
      if (!done(sample.processes)) return
      clearTimeout(timer)
      off()
      resolve(sample.processes)
    })
  })
}

/** A process that spins on one core until killed. */
function busyChild(core: number): ChildProcess {
  return spawn('taskset', ['-c', String(core), process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' })
}

describe('processes', () => {
  it('parses /proc/<pid>/stat, even when the name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3))
    fields[4 - 3] = '77' // ppid
    fields[14 - 3] = '120' // utime
    fields[15 - 3] = '30' // stime
    fields[20 - 3] = '9' // threads
    fields[24 - 3] = '2048' // rss pages
    fields[39 - 3] = '5' // processor
    const stat = parseStat(`4242 (my (odd) name) ${fields.join(' ')}`)
    expect(stat).toEqual({ comm: 'my (odd) name', ppid: 77, ticks: 150, threads: 9, rssPages: 2048, processor: 5 })
    expect(parseStat('garbage')).toBeNull()
  })

  it.runIf(linux)(
    'reports a busy process pinned to a core: its CPU, its core and its threads there, marked as started by Corelane',
    async () => {
      const core = cpus().length - 1
      child = busyChild(core)
      monitor = startMonitor({ hz: 4 })
      const list = await processesUntil(monitor, (p) => (p.list.find((x) => x.pid === child!.pid)?.cpuPercent ?? 0) > 5, 30_000)
      expect(list.source).toBe('proc')
      expect(list.total).toBeGreaterThan(list.list.length - 1)
      const busy = list.list.find((p) => p.pid === child!.pid)!
      expect(busy.name).toBe('node')
      expect(busy.user).toBe(userInfo().username)
      expect(busy.cpuPercent).toBeLessThanOrEqual(110) // one spinning thread: about one core
      expect(busy.core).toBe(core)
      expect(busy.cores.map((c) => c.core)).toEqual([core])
      expect(busy.cores[0]!.cpuPercent).toBeGreaterThan(0)
      expect(busy.threads).toBeGreaterThanOrEqual(1)
      expect(busy.memBytes).toBeGreaterThan(5 * 2 ** 20)
      expect(busy.corelane).toBe('child') // a descendant of the process running the monitor
      expect(busy.ppid).toBeGreaterThan(0)
      // Busiest first.
      for (let i = 1; i < list.list.length; i++)
        expect(list.list[i]!.cpuPercent).toBeLessThanOrEqual(list.list[i - 1]!.cpuPercent)
      // This test's process (the monitor's host) is marked too, when it is among the top ones.
      const self = list.list.find((p) => p.pid === process.pid)
      if (self) expect(self.corelane).toBe('host')
      const strangers = list.list.filter((p) => p.pid !== process.pid && p.corelane !== null)
      for (const p of strangers) expect(p.corelane).toBe('child')
    },
  )

  it.runIf(linux)('reads the same busy process through systeminformation.processes(), without cores', async () => {
    child = busyChild(0)
    monitor = startMonitor({ hz: 2, processSource: 'systeminformation', hardware: false })
    const list = await processesUntil(monitor, (p) => (p.list.find((x) => x.pid === child!.pid)?.cpuPercent ?? 0) > 5, 30_000)
    expect(list.source).toBe('systeminformation')
    const busy = list.list.find((p) => p.pid === child!.pid)!
    expect(busy.corelane).toBe('child')
    expect(busy.core).toBeNull()
  })

  it('sends processes at most once a second, even at 4 Hz', async () => {
    monitor = startMonitor({ hz: 4, hardware: false })
    const times: number[] = []
    let samples = 0
    await new Promise<void>((resolve) => {
      const off = monitor!.onSample((s) => {
        samples++
        if (s.processes) times.push(s.at)
        if (samples < 10) return
        off()
        resolve()
      })
    })
    expect(times.length).toBeGreaterThanOrEqual(2)
    expect(times.length).toBeLessThanOrEqual(4)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(700)
    expect(monitor.machine().processes).not.toBeNull()
  })
})
