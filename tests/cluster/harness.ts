// Real parts for the cluster tests: a redis-server on a random loopback port (Debian's
// package; AOF when a test restarts it), agent processes started by the real CLI
// (`corelane agent`), each with its own name and data folder and in its own process group
// (so a test can kill -9 the whole group, workers included), and the CLI itself.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Engine } from '../../src/main/engine/index.ts'
import { readEvents, type EventReader } from '../../src/main/engine/worker/protocol.ts'

export const ROOT = resolve(import.meta.dirname, '../..')
export const NODE = join(ROOT, 'node_modules/.bin/node')
export const CLI = join(ROOT, 'src/cli/main.ts')

/** Fast stalled-pack recovery for tests: a dead agent's packs are redelivered within ~2.5 s. */
export const FAST_RECOVERY = ['--lock-ms', '1500', '--stalled-ms', '500']

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `corelane-${prefix}-`))
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolvePort(port))
    })
  })
}

function waitForLine(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<void> {
  return new Promise((resolveWait, reject) => {
    let seen = ''
    const timer = setTimeout(
      () => reject(new Error(`${what}: not ready within ${timeoutMs} ms; output so far:\n${seen}`)),
      timeoutMs,
    )
    const onData = (chunk: Buffer) => {
      seen += chunk.toString()
      if (pattern.test(seen)) {
        clearTimeout(timer)
        child[stream]!.off('data', onData)
        resolveWait()
      }
    }
    child[stream]!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited (${code}) before it was ready:\n${seen}`))
    })
  })
}

export interface RedisTls {
  cert: string
  key: string
  ca: string
}

export class RedisServer {
  readonly dir = tempDir('redis')
  port = 0
  child: ChildProcess | null = null
  private readonly aof: boolean
  private readonly conf: string[]
  private readonly tls: RedisTls | null

  /**
   * `conf`: redis.conf lines (ACL users, say), written to a file it starts with. `tls`: TLS
   * only (no plain port), with that certificate, key and CA; clients need no certificate.
   */
  constructor(options: { aof?: boolean; conf?: string[]; tls?: RedisTls } = {}) {
    this.aof = options.aof ?? false
    this.conf = options.conf ?? []
    this.tls = options.tls ?? null
  }

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`
  }

  async start(): Promise<this> {
    if (!this.port) this.port = await freePort()
    const ports = this.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.tls.cert, '--tls-key-file', this.tls.key]
      : ['--port', String(this.port)]
    if (this.tls) ports.push('--tls-ca-cert-file', this.tls.ca, '--tls-auth-clients', 'no')
    const args = [...ports, '--bind', '127.0.0.1', '--save', '', '--dir', this.dir]
    if (this.conf.length) {
      const file = join(this.dir, 'redis.conf')
      writeFileSync(file, `${this.conf.join('\n')}\n`)
      args.unshift(file)
    }
    if (this.aof) args.push('--appendonly', 'yes', '--appendfsync', 'always')
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    await waitForLine(child, 'stdout', /Ready to accept connections/, 10_000, 'redis-server')
    return this
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal)
  }

  /** Stops it hard (SIGKILL: no final save, only what the AOF holds survives). */
  async kill(): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null) return
    const gone = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await gone
    this.child = null
  }

  async stop(): Promise<void> {
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export interface AgentProcess {
  name: string
  child: ChildProcess
  dataDir: string
  output: () => string
  /** kill -9 of its whole process group (the agent and every worker process it started). */
  killGroup(): void
  /** SIGTERM, then resolves with its exit code. */
  stop(): Promise<number | null>
}

export async function startAgent(url: string, name: string, extra: string[] = []): Promise<AgentProcess> {
  const dataDir = tempDir(`agent-${name}`)
  const child = spawn(NODE, [CLI, 'agent', '--redis', url, '--name', name, '--data-dir', dataDir, ...extra], {
    cwd: ROOT,
    detached: true, // its own process group
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()))
  await waitForLine(child, 'stderr', /ready on/, 30_000, `agent ${name}`)
  return {
    name,
    child,
    dataDir,
    output: () => output,
    killGroup() {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL')
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
      child.kill('SIGTERM')
      const code = await exited
      rmSync(dataDir, { recursive: true, force: true })
      return code
    },
  }
}

/** Runs the real CLI to its end. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now()
  return new Promise((resolveRun) => {
    const child = spawn(NODE, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('exit', (code) => resolveRun({ code, stdout, stderr, ms: Date.now() - started }))
  })
}

/** Polls until `check` holds (or fails with `what` after timeoutMs). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * A Redis, `count` agents (1 CPU slot each) and a controller: the real engine linked to the
 * cluster (`linkEngineToCluster`, as `corelane run --redis` links it), with no CPU slot and no
 * I/O job of its own, so every job goes to the agents. `fastRecovery` (default true):
 * FAST_RECOVERY's short pack locks, for the fault tests (on a loaded machine a 1.5 s lock can
 * lapse, and its pack is redone).
 */
export async function startCluster(options: { agents: number; aof?: boolean; agentArgs?: string[]; fastRecovery?: boolean }) {
  const { createEngine } = await import('../../src/main/engine/index.ts')
  const { linkEngineToCluster } = await import('../../src/main/cluster/engine-link.ts')
  const redis = await new RedisServer({ aof: options.aof }).start()
  const names = Array.from({ length: options.agents }, (_, i) => `agent${i + 1}`)
  const agents = await Promise.all(
    names.map((name) =>
      startAgent(redis.url, name, [
        '--cpu-slots',
        '1',
        ...(options.fastRecovery === false ? [] : FAST_RECOVERY),
        ...(options.agentArgs ?? []),
      ]),
    ),
  )
  const dataDir = tempDir('controller')
  const engine = createEngine({ dataDir, cpuSlots: 0, ioConcurrency: 0, graceMs: 3000, retryBackoffMs: 100 })
  const ends = countEnds(engine)
  const settled = new Map<number, number>()
  engine.onJobSettled((job) => settled.set(job.id, (settled.get(job.id) ?? 0) + 1))
  const link = await linkEngineToCluster(engine, { redisUrl: redis.url, logDir: join(dataDir, 'logs'), reconcileMs: 500 })
  await until(() => link.directory.machines().length === options.agents, 20_000, `${options.agents} agents heard`)
  return {
    redis,
    agents,
    engine,
    link,
    dataDir,
    /** How many times each job reached a terminal state (each must be 1). */
    settled,
    /** How many ends (done, failed) the cluster's executor handed the engine for each job (see countEnds). */
    ends,
    async close() {
      // The link first: a closing engine ends its executors, and the link would replace this one.
      await link.close()
      await engine.close()
      await Promise.all(agents.map((a) => a.stop()))
      await redis.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * Counts, per job, the ends (EV_DONE, EV_FAILED) that executors added to `engine` from then on
 * report: a tap on the hooks the engine hands them, read with the protocol's own reader. The
 * engine drops an end for a job its executor no longer holds, so a second end the
 * RemoteExecutor let through would not show in the engine's states: it shows here.
 */
export function countEnds(engine: Engine): Map<number, number> {
  const ends = new Map<number, number>()
  const end = (id: unknown) => ends.set(id as number, (ends.get(id as number) ?? 0) + 1)
  const ignore = () => {}
  const reader: EventReader = {
    started: ignore,
    done: end,
    failed: end,
    progress: ignore,
    dropped: ignore,
    lateError: ignore,
    command: ignore,
    commandEnded: ignore,
  }
  const addExecutor = engine.addExecutor.bind(engine)
  engine.addExecutor = (create) =>
    addExecutor((id, hooks) =>
      create(id, {
        ...hooks,
        onEvents: (executor, events) => {
          readEvents(events, 0, reader)
          hooks.onEvents(executor, events)
        },
      }),
    )
  return ends
}
