// An hour of per-core frequencies (one entry a second at most, as the sampler reads them), so
// a job's details can say how fast the cores it ran on were clocked while it ran. Float32
// rows keep a 256-core machine's hour near 3.5 MiB; NaN marks a core that read nothing.
import type { CoreFrequencyReport, HardwareSample } from '../../../shared/monitor.ts'

const KEEP_MS = 60 * 60 * 1000

export class FrequencyLog {
  private readonly times: number[] = []
  private readonly rows: Float32Array[] = []
  /** Whether any reading ever had a frequency: if not, the machine does not report them. */
  private everKnown = false

  add(hardware: HardwareSample): void {
    const mhz = hardware.frequenciesMhz
    if (!mhz) return
    this.everKnown = true
    this.times.push(hardware.at)
    this.rows.push(Float32Array.from(mhz, (v) => v ?? Number.NaN))
    let drop = 0
    while (drop < this.times.length && this.times[drop]! < hardware.at - KEEP_MS) drop++
    if (drop) {
      this.times.splice(0, drop)
      this.rows.splice(0, drop)
    }
  }

  report(from: number, to: number, cores: number[]): CoreFrequencyReport {
    // A job shorter than a sampling beat still gets the reading nearest to it.
    const inside: number[] = []
    for (let i = 0; i < this.times.length; i++) if (this.times[i]! >= from && this.times[i]! <= to) inside.push(i)
    if (!inside.length && this.times.length) {
      let nearest = 0
      for (let i = 1; i < this.times.length; i++)
        if (Math.abs(this.times[i]! - to) < Math.abs(this.times[nearest]! - to)) nearest = i
      if (Math.abs(this.times[nearest]! - to) <= 2000 || Math.abs(this.times[nearest]! - from) <= 2000) inside.push(nearest)
    }
    const rows = inside.map((i) => this.rows[i]!)
    const out = cores.map((core) => {
      const values = rows.map((row) => row[core]).filter((v): v is number => v !== undefined && !Number.isNaN(v))
      if (!values.length) return { core, meanMhz: null, minMhz: null, maxMhz: null }
      const mean = values.reduce((s, v) => s + v, 0) / values.length
      return { core, meanMhz: Math.round(mean), minMhz: Math.min(...values), maxMhz: Math.max(...values) }
    })
    const note = !this.everKnown
      ? 'frequencies are not available here'
      : rows.length
        ? null
        : 'no frequency readings kept for that time (an hour is kept)'
    return { from, to, cores: out, samples: rows.length, note }
  }
}
