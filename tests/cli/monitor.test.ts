// `corelane monitor` as a user runs it: a real process sampling this machine (JSON lines with
// per-core load, memory and the top processes with their cores; nulls where this machine
// reports nothing), the terminal view of a replayed 128-core server (a dual EPYC 7601, built
// from a published capture: tests/engine/monitor/recorded/README.md) as a heatmap, Ctrl-C, and bad flags refused
// by name with exit code 2.
import { spawn } from 'node:child_process'
import { cpus } from 'node:os'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { textLines } from '../../src/cli/monitor-view.ts'

const CLI = resolve(import.meta.dirname, '../../src/cli/main.ts')
const SERVER = resolve(import.meta.dirname, '../engine/monitor/recorded/server-128-cores.json')
const LAPTOP = resolve(import.meta.dirname, '../engine/monitor/recorded/laptop-16-cores-sensors-gpu.json')

/**
 * Runs the CLI; `interruptOn`: Ctrl-C once the output shows it (each view is one write), so a
 * slow start on a loaded machine cannot end the run before the first view.
 */
function corelane(args: string[], { interruptOn }: { interruptOn?: RegExp } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [CLI, ...args])
    let stdout = ''
    let stderr = ''
    let interrupted = false
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      if (interruptOn && !interrupted && interruptOn.test(stdout)) {
        interrupted = true
        child.kill('SIGINT')
      }
    })
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

describe('corelane monitor', () => {
  it('--json: one line per sample with every core, memory and the top processes with their cores', async () => {
    const { code, stdout, stderr } = await corelane(['monitor', '--json', '--interval', '500', '--count', '3'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines).toHaveLength(3)
    for (const line of lines) {
      expect(line.cores).toHaveLength(cpus().length)
      for (const core of line.cores) {
        expect(core.load).toBeGreaterThanOrEqual(0)
        expect(core.load).toBeLessThanOrEqual(100)
        // A frequency is a real reading or null (this virtual machine reads 0: null).
        expect(core.mhz === null || core.mhz > 0).toBe(true)
      }
      expect(line.memory.used).toBeGreaterThan(0)
      expect(line.memory.used).toBeLessThanOrEqual(line.memory.total)
    }
    const last = lines.at(-1)
    expect(last.processes.length).toBeGreaterThan(0)
    if (process.platform === 'linux')
      for (const p of last.processes) {
        expect(p.core).toBeGreaterThanOrEqual(0)
        expect(p.core).toBeLessThan(cpus().length)
      }
    // The monitor's own process is among them, marked as Corelane's host, when it is busy enough to rank.
    const self = last.processes.find((p: { corelane: string | null }) => p.corelane === 'host')
    if (self) expect(self.name).toBe('node')
    expect(Date.parse(lines[2].at) - Date.parse(lines[0].at)).toBeGreaterThan(600)
  })

  it('shows a replayed 128-core server as a heatmap, with its readings and processes, then stops on Ctrl-C', async () => {
    const { code, stdout } = await corelane(['monitor', '--recording', SERVER, '--interval', '500'], { interruptOn: /cc1plus/ })
    expect(code).toBe(0)
    const view = stdout.trim().split('\n\n').at(-1)!.split('\n')
    expect(view[0]).toContain('128 logical / 64 physical cores')
    const rows = view.filter((line) => /^\s+\d+ [·░▒▓█]+$/.test(line))
    expect(rows.map((r) => r.trim().split(' ')[0])).toEqual(['0', '64'])
    expect(rows.every((r) => r.trim().split(' ').slice(1).join(' ').length === 64)).toBe(true)
    // Its capture has no sensors and no GPU: both said in words, not drawn as zeros.
    expect(view.join('\n')).toMatch(/temperature: not available here {3}GPU: not available here/)
    expect(view.join('\n')).toMatch(/frequency: \S+ GHz/)
    expect(view.join('\n')).toContain('cc1plus')
  })

  it("a replayed real laptop (i7-11800H + GTX 1650 captures): per-core clocks and temperatures in JSON, the GPU's missing utilization said in words", async () => {
    const json = await corelane(['monitor', '--recording', LAPTOP, '--json', '--interval', '500', '--count', '2'])
    expect(json.code).toBe(0)
    const line = JSON.parse(json.stdout.trim().split('\n').at(-1)!)
    expect(line.cores).toHaveLength(16)
    expect(line.cores[7].mhz).toBeLessThan(1000) // the core the capture caught at 800 MHz
    expect(line.cores[0].mhz).toBeGreaterThan(2000)
    // Per physical core: cpu0 and cpu1 share core 0 (44 °C), cpu6 and cpu7 core 3 (48 °C).
    expect(line.cores.slice(0, 8).map((c: { temperatureC: number }) => c.temperatureC)).toEqual([44, 44, 45, 45, 44, 44, 48, 48])
    expect(line.temperatureC).toBe(46)
    expect(line.gpus).toEqual([
      expect.objectContaining({ model: 'NVIDIA GeForce GTX 1650', utilizationPercent: null, temperatureC: 48 }),
    ])
    const text = await corelane(['monitor', '--recording', LAPTOP, '--interval', '500'], { interruptOn: /GPU: NVIDIA/ })
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('temperature: 46 °C   GPU: NVIDIA GeForce GTX 1650 utilization not available here 48 °C 1.8 W')
  })

  it('keeps 256 cores readable in a 100-column terminal: four rows of 64 shades, each core in its place', () => {
    const cores = Array.from({ length: 256 }, (_, i) => (i === 200 ? 100 : 0))
    const sample = { at: Date.now(), cores, total: 100 / 256, memUsed: 1 << 30, memTotal: 4 << 30 }
    const lines = textLines({ sample, processes: null, hardware: null, topology: null }, 100)
    const rows = lines.filter((line) => /^\s+\d+ [·░▒▓█]+$/.test(line))
    expect(rows.map((r) => r.trim().split(' ')[0])).toEqual(['0', '64', '128', '192'])
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(100)
    expect(rows[3]!.trim().split(' ')[1]![200 - 192]).toBe('█')
  })

  it('refuses an interval out of range, a recording it cannot read and an unknown flag, naming them', async () => {
    const fast = await corelane(['monitor', '--interval', '10'])
    expect(fast.code).toBe(2)
    expect(fast.stderr).toContain('--interval: must be at least 250 ms')
    const missing = await corelane(['monitor', '--recording', '/nonexistent/machine.json'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--recording: cannot read /nonexistent/machine.json')
    const odd = await corelane(['monitor', '--pool', '3'])
    expect(odd.code).toBe(2)
    expect(odd.stderr).toContain('--pool: not accepted by this command')
  })
})
