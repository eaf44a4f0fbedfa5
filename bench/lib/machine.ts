// What the numbers were measured on: cores, CPU model, memory, OS, Node, peer versions and
// python3. Printed with every table, since a ratio means little without the machine.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os'

export interface MachineInfo {
  date: string
  cores: number
  logicalCpus: number
  cpuModel: string
  memoryGiB: number
  os: string
  node: string
  peers: Record<string, string>
  python: string | null
  /** The commit measured, and whether the engine had uncommitted changes. */
  revision: string
}

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url)
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
  } catch {
    return 'missing'
  }
}

/** The commit and whether src/ differs from it: results must say which engine they measured. */
export function revision(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: new URL('../..', import.meta.url),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  try {
    const head = git('rev-parse', '--short', 'HEAD')
    const dirty = git('status', '--porcelain', '--', 'src').length > 0
    return dirty ? `${head} + uncommitted changes in src/` : head
  } catch {
    return 'unknown (not a git checkout)'
  }
}

/** python3's version, or null when it is not installed. */
export function pythonVersion(): string | null {
  try {
    return execFileSync('python3', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .trim()
      .replace(/^Python /, '')
  } catch {
    return null
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus()
  return {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    logicalCpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    peers: {
      piscina: packageVersion('piscina'),
      tinypool: packageVersion('tinypool'),
      workerpool: packageVersion('workerpool'),
      systeminformation: packageVersion('systeminformation'),
    },
    python: pythonVersion(),
    revision: revision(),
  }
}

export function machineLine(m: MachineInfo): string {
  const peers = Object.entries(m.peers)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  return (
    `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ` +
    `${peers}, python3 ${m.python ?? 'absent'}; commit ${m.revision}; ${m.date}`
  )
}
