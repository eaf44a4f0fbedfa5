// stdout and stderr of jobs run on an agent: the log tail an agent ships back carries which
// parts came from stderr, and the controller keeps them in its own stderr ranges sidecar, so
// a remote job's log view, `--results` files and joblog Receive are those of a local job.
// Real parts: a real redis-server, a real agent process started with --allow-shell, the real
// engine linked to the cluster, and the real CLI.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { linkEngineToCluster, type EngineLink } from '../../src/main/cluster/engine-link.ts'
import { createEngine, type Engine } from '../../src/main/engine/index.ts'
import { RedisServer, runCli, startAgent, tempDir, until, type AgentProcess } from './harness.ts'

let redis: RedisServer
let agent: AgentProcess
const dirs: string[] = []

// Non-ASCII on both streams: the agent sends text offsets, the controller writes byte offsets.
const script = (n: number) =>
  `printf 'out é ${n}\\n'; printf 'err ✓ ${n}\\n' >&2; sleep 0.1; printf 'out2 ${n}\\n'; printf 'err2 ${n}\\n' >&2`
const stdoutOf = (n: number) => `out é ${n}\nout2 ${n}\n`
const stderrOf = (n: number) => `err ✓ ${n}\nerr2 ${n}\n`

beforeAll(async () => {
  redis = await new RedisServer().start()
  agent = await startAgent(redis.url, 'streamer', ['--cpu-slots', '1', '--io-concurrency', '2', '--allow-shell'])
})

afterAll(async () => {
  await agent?.stop()
  await redis?.stop()
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

/** A controller engine linked to the test's Redis, once it has heard the agent; closed after `body`. */
async function withLinkedEngine(
  name: string,
  body: (engine: Engine, link: EngineLink, dataDir: string) => Promise<void>,
): Promise<void> {
  const dataDir = tempDir(name)
  dirs.push(dataDir)
  const engine: Engine = createEngine({ dataDir, cpuSlots: 1, ioConcurrency: 1, retryBackoffMs: 100 })
  let link: EngineLink | null = null
  try {
    link = await linkEngineToCluster(engine, { redisUrl: redis.url, logDir: join(dataDir, 'logs'), reconcileMs: 500 })
    await until(() => link!.directory.machines().length === 1, 10_000, 'the agent heard')
    await body(engine, link, dataDir)
  } finally {
    await link?.close()
    await engine.close()
  }
}

it('a shell job run on an agent: the controller’s jobLog marks its stderr as a local job’s does', async () => {
  await withLinkedEngine('streams-engine', async (engine, link) => {
    const { jobIds } = await engine.submit({
      jobs: Array.from({ length: 6 }, (_, n) => ({ kind: 'shell', params: { argv: ['sh', '-c', script(n)] } })),
    })
    await engine.whenSettled(jobIds)
    const remote = jobIds.filter((id) => link.machineOf(id) === 'streamer')
    expect(remote.length).toBeGreaterThan(0)
    for (const [n, id] of jobIds.entries()) {
      const job = engine.getJob(id)!
      // The error is in the comparison so that a failure says why the job failed.
      expect({ id, state: job.state, error: job.error }).toEqual({ id, state: 'succeeded', error: undefined })
      const log = await engine.readLog(id)
      // The text the stderr ranges cover is exactly what the job wrote to stderr, the rest its stdout.
      let stderr = ''
      let stdout = ''
      let at = 0
      for (const [start, end] of log.stderr) {
        stdout += log.text.slice(at, start)
        stderr += log.text.slice(start, end)
        at = end
      }
      stdout += log.text.slice(at)
      expect({ id, remote: remote.includes(id), stdout, stderr }).toEqual({
        id,
        remote: remote.includes(id),
        stdout: stdoutOf(n),
        stderr: stderrOf(n),
      })
    }
  })
})

it('`corelane run --redis --results DIR --joblog`: a remote job’s stdout and stderr files and Receive are a local job’s', async () => {
  const dir = tempDir('streams-cli')
  dirs.push(dir)
  const batch = join(dir, 'b.json')
  const inputs = ['0', '1', '2', '3', '4', '5']
  const argv = ['sh', '-c', script(0).replaceAll(' 0\\n', ' {}\\n')]
  await writeFile(batch, JSON.stringify({ template: { kind: 'shell', params: { argv } }, inputs }))
  const run = await runCli([
    'run',
    batch,
    '--json',
    '--data-dir',
    join(dir, 'data'),
    '--cpu-slots',
    '1',
    '--io-concurrency',
    '1',
    '--redis',
    redis.url,
    '--results',
    join(dir, 'out'),
    '--joblog',
    join(dir, 'run.joblog'),
  ])
  expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0)
  const jobs = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => !l.summary)
  expect(jobs.some((j) => j.agent === 'streamer')).toBe(true)
  for (const input of inputs) {
    const n = Number(input)
    expect(await readFile(join(dir, 'out/1', input, 'stdout'), 'utf8')).toBe(stdoutOf(n))
    expect(await readFile(join(dir, 'out/1', input, 'stderr'), 'utf8')).toBe(stderrOf(n))
  }
  // Receive (the 6th column) counts stdout's bytes only, for every job wherever it ran.
  const rows = (await readFile(join(dir, 'run.joblog'), 'utf8')).trim().split('\n').slice(1)
  expect(rows).toHaveLength(6)
  for (const row of rows) {
    const cells = row.split('\t')
    expect(Number(cells[5])).toBe(Buffer.byteLength(stdoutOf(Number(cells[0]) - 1)))
  }
})

it('the report schema refuses stderr ranges that are not sorted, apart pairs inside the text, naming the field', async () => {
  const { AgentReportSchema, parseClusterMessage } = await import('../../src/shared/cluster.ts')
  const report = (logs: unknown) => parseClusterMessage(AgentReportSchema, { agent: 'a', e: [], logs })
  expect(report([[1, 'out\nerr\n', [4, 8]]]).ok).toBe(true)
  expect(report([[1, 'all stdout\n']]).ok).toBe(true)
  for (const stderr of [[4], [4, 9], [5, 4], [0, 2, 2, 4], [2, 4, 0, 1], [-1, 2], [0.5, 2]]) {
    const parsed = report([[1, 'out\nerr\n', stderr]])
    expect(parsed.ok, JSON.stringify(stderr)).toBe(false)
    if (!parsed.ok) expect(parsed.error).toMatch(/^logs\[0\]/)
  }
})

it('a remote log longer than the shipped tail keeps its stderr ranges past the note that starts it', async () => {
  await withLinkedEngine('streams-long', async (engine, link, dataDir) => {
    // A stderr line, 300,000 bytes of stdout, then a line on each stream (their pipes are read
    // apart: either may come first): the tail the agent ships starts with a note, then cuts
    // into the stdout, so the first stderr line stays on the agent.
    const sh = `printf 'err-early\\n' >&2; yes a | head -c 300000; printf 'err-last ✓\\n' >&2; printf 'out-last\\n'`
    const { jobIds } = await engine.submit({
      jobs: Array.from({ length: 4 }, () => ({ kind: 'shell', params: { argv: ['sh', '-c', sh] } })),
    })
    await engine.whenSettled(jobIds)
    const remote = jobIds.filter((id) => link.machineOf(id) === 'streamer')
    expect(remote.length).toBeGreaterThan(0)
    for (const id of remote) {
      expect(engine.getJob(id)!.state).toBe('succeeded')
      const kept = await readFile(join(dataDir, 'logs', `${id}.log`), 'utf8')
      expect(kept).toMatch(/^\[… the first \d+ bytes are on the agent\]\n[a\n]+(err-last ✓\nout-last|out-last\nerr-last ✓)\n$/)
      const log = await engine.readLog(id, 1 << 20)
      expect(log.stderr.map(([start, end]) => log.text.slice(start, end))).toEqual(['err-last ✓\n'])
    }
  })
})
