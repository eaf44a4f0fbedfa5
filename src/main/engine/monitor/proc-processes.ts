// The top processes by CPU, read from /proc directly (Linux). Runs inside the monitor's
// sampler thread only, where synchronous reads of these small kernel files are the cheapest
// way to read them (no event-loop round trip per file, and the thread has nothing else to do).
// The bench's monitor-cost rows compare this reader with systeminformation.processes(), which
// spawns `ps` and parses its output: this one costs a fraction of it (see bench/README).
import { readFileSync, readdirSync, statSync } from 'node:fs'
import type { ProcessInfo, ProcessesSample } from '../../../shared/monitor.ts'

/** Clock ticks per second in /proc/<pid>/stat: 100 on every Linux Node runs on. */
const CLK_TCK = 100

interface Stat {
  comm: string
  ppid: number
  ticks: number
  threads: number
  rssPages: number
  processor: number | null
}

/** Parses /proc/<pid>/stat (or a task's): the comm may hold spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): Stat | null {
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open < 0 || close < open) return null
  // Fields from 3 (state) on; field n is at index n - 3.
  const f = text.slice(close + 2).split(' ')
  const num = (n: number) => Number(f[n - 3])
  const processor = num(39)
  return {
    comm: text.slice(open + 1, close),
    ppid: num(4),
    ticks: num(14) + num(15),
    threads: num(20),
    rssPages: num(24),
    processor: Number.isInteger(processor) ? processor : null,
  }
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'latin1')
  } catch {
    return null // the process ended between listing and reading: normal
  }
}

/** User names by uid from /etc/passwd (read once; uids not listed show as numbers). */
function loadUsers(): Map<number, string> {
  const users = new Map<number, string>()
  for (const line of (read('/etc/passwd') ?? '').split('\n')) {
    const [name, , uid] = line.split(':')
    if (name && uid && /^\d+$/.test(uid)) users.set(Number(uid), name)
  }
  return users
}

/** The page size, from this process's own RSS in pages (statm) and in kB (status). */
function pageSize(): number {
  const pages = Number(read('/proc/self/statm')?.split(' ')[1])
  const kb = Number(/VmRSS:\s+(\d+)/.exec(read('/proc/self/status') ?? '')?.[1])
  if (!(pages > 0 && kb > 0)) return 4096
  // Round to a power of two: RSS moves a little between the two reads.
  return 2 ** Math.round(Math.log2((kb * 1024) / pages))
}

export interface ProcReaderOptions {
  /** How many of the busiest processes to report. */
  top: number
  /** The process that runs the engine (its descendants are Corelane's workers). */
  hostPid: number
}

export class ProcProcessReader {
  private readonly users = loadUsers()
  private readonly page = pageSize()
  private previous = new Map<number, number>()
  private previousThreads = new Map<string, number>()
  private previousAt = 0
  private readonly options: ProcReaderOptions

  constructor(options: ProcReaderOptions) {
    this.options = options
  }

  sample(): ProcessesSample {
    const now = performance.now()
    const seconds = this.previousAt ? (now - this.previousAt) / 1000 : 0
    this.previousAt = now
    const ticksNow = new Map<number, number>()
    const all: (Stat & { pid: number; cpuPercent: number })[] = []
    const parents = new Map<number, number>()
    for (const entry of readdirSync('/proc')) {
      const c = entry.charCodeAt(0)
      if (c < 48 || c > 57) continue
      const pid = Number(entry)
      const text = read(`/proc/${pid}/stat`)
      const stat = text ? parseStat(text) : null
      if (!stat) continue
      ticksNow.set(pid, stat.ticks)
      parents.set(pid, stat.ppid)
      const before = this.previous.get(pid)
      // A process first seen now has no interval yet: 0 % rather than its average since it started.
      const cpuPercent = seconds > 0 && before !== undefined ? ((stat.ticks - before) / CLK_TCK / seconds) * 100 : 0
      all.push({ ...stat, pid, cpuPercent: Math.max(0, cpuPercent) })
    }
    this.previous = ticksNow
    all.sort((a, b) => b.cpuPercent - a.cpuPercent || b.rssPages - a.rssPages)
    const top = all.slice(0, this.options.top)
    const threadsNow = new Map<string, number>()
    const list = top.map((p) => this.describe(p, seconds, parents, threadsNow))
    this.previousThreads = threadsNow
    return { at: Date.now(), list, total: all.length, source: 'proc' }
  }

  private describe(
    p: Stat & { pid: number; cpuPercent: number },
    seconds: number,
    parents: Map<number, number>,
    threadsNow: Map<string, number>,
  ): ProcessInfo {
    return {
      pid: p.pid,
      name: this.nameOf(p.pid, p.comm),
      user: this.userOf(p.pid),
      cpuPercent: Math.round(p.cpuPercent * 10) / 10,
      memBytes: p.rssPages * this.page,
      core: p.processor,
      cores: this.threadCores(p.pid, seconds, threadsNow),
      threads: p.threads,
      ppid: p.ppid,
      ...this.corelaneRole(p.pid, parents),
    }
  }

  /** The executable's base name from cmdline, as htop shows it (comm is cut at 15 characters and often renamed by threads). */
  private nameOf(pid: number, comm: string): string {
    const argv0 = read(`/proc/${pid}/cmdline`)?.split('\0')[0]
    if (!argv0) return comm // kernel threads have no cmdline
    // Programs that rewrite their title join it with spaces ("sshd: root@pts/0", "chromium --type=renderer").
    const program = argv0.split(' ')[0]!.replace(/:$/, '')
    return program.slice(program.lastIndexOf('/') + 1) || comm
  }

  private userOf(pid: number): string {
    try {
      const uid = statSync(`/proc/${pid}`).uid
      return this.users.get(uid) ?? String(uid)
    } catch {
      return '?'
    }
  }

  /** Per-thread CPU since the previous sample, summed on the core each thread last ran on. */
  private threadCores(pid: number, seconds: number, threadsNow: Map<string, number>): ProcessInfo['cores'] {
    let tids: string[]
    try {
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      return []
    }
    const byCore = new Map<number, number>()
    for (const tid of tids) {
      const text = read(`/proc/${pid}/task/${tid}/stat`)
      const stat = text ? parseStat(text) : null
      if (!stat) continue
      const key = `${pid}/${tid}`
      threadsNow.set(key, stat.ticks)
      const before = this.previousThreads.get(key)
      if (before === undefined || seconds <= 0 || stat.processor === null) continue
      const percent = ((stat.ticks - before) / CLK_TCK / seconds) * 100
      if (percent > 0) byCore.set(stat.processor, (byCore.get(stat.processor) ?? 0) + percent)
    }
    return [...byCore]
      .map(([core, cpuPercent]) => ({ core, cpuPercent: Math.round(cpuPercent * 10) / 10 }))
      .sort((a, b) => a.core - b.core)
  }

  private corelaneRole(pid: number, parents: Map<number, number>): Pick<ProcessInfo, 'corelane' | 'via'> {
    const host = this.options.hostPid
    if (pid === host) return { corelane: 'host' }
    // Walk up the parents: a shell job's children are Corelane's too (bounded against loops).
    let below = pid
    let at = parents.get(pid)
    for (let depth = 0; at !== undefined && at > 1 && depth < 32; depth++) {
      if (at === host) return { corelane: 'child', via: below }
      below = at
      at = parents.get(at)
    }
    return { corelane: null }
  }
}
