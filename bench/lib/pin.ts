// Pinning a variant to one CPU: a variant named `<name>@cpu0` runs with its whole process
// (every thread it has, and every thread and child process it starts later) on CPU 0. On a VM
// a round trip between threads on two vCPUs costs a wake-up of the idle one, which lands some
// runs in a slow mode at random; on one CPU the cost is the libraries' own. Linux (taskset) only.
import { execFileSync } from 'node:child_process'

const SUFFIX = '@cpu0'

export function isPinned(variant: string): boolean {
  return variant.endsWith(SUFFIX)
}

/** The variant's name without the pinning suffix. */
export function baseVariant(variant: string): string {
  return isPinned(variant) ? variant.slice(0, -SUFFIX.length) : variant
}

/** Why pinned variants cannot run here, or null when they can. */
export function pinningUnavailable(): string | null {
  if (process.platform !== 'linux') return 'pinning needs Linux'
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' })
    return null
  } catch {
    return 'taskset (util-linux) is not installed'
  }
}

/** Moves every thread of this process to CPU 0; threads and processes started later inherit it. */
export function pinThisProcess(): void {
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
}
