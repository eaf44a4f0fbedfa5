// Small promises of the CLI (issue 13, item 14; issue 16, item 14): `lab` with no name lists
// and exits 0, the progress bar's last frame shows a rate, `history --format json` prints
// the same ISO times as `run --json`, a shell job's log file is named once in its line, and a
// thread script closing fd 1 cannot take the CLI's output down with it.
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CLI, runCli, tempDir } from '../engine/faults/helpers.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function run(args: string[], stdin?: string) {
  const cli = runCli(args)
  cli.child.stdin.end(stdin ?? '')
  const { code } = await cli.exit
  return { code, stdout: cli.stdout, stderr: cli.stderr }
}

describe('the CLI', () => {
  it('`corelane lab` with no name lists the experiments and exits 0', async () => {
    const result = await run(['lab'])
    expect(result.code).toBe(0)
    expect(result.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(3)
  })

  it('ends the progress bar on the run’s rate, never on `-/s` (under a real pseudo-terminal)', async (ctx) => {
    const dir = await tempDir('corelane-bar-', cleanup)
    const batch = join(dir, 'bar.json')
    await writeFile(batch, JSON.stringify({ template: { kind: 'sleep', params: { ms: 30 } }, count: 20 }))
    const command = [process.execPath, CLI, 'run', batch, '--data-dir', join(dir, 'data')].map((a) => `'${a}'`).join(' ')
    const pty = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 })
    if (pty.error) ctx.skip(`no \`script\` to give the CLI a terminal: ${pty.error.message}`)
    expect(pty.status).toBe(0)
    // Frames are separated by carriage returns or the "column 1" escape (ESC [1G).
    const frames = pty.stdout
      .split('\r')
      .flatMap((f) => f.split(`${String.fromCharCode(27)}[1G`))
      .filter((f) => f.includes('jobs |'))
    expect(frames.at(-1)).toMatch(/20\/20 jobs \| 0 failed \| \d+(\.\d)?\/s \| ETA 0s/)
    expect(pty.stdout).not.toMatch(/\| -\/s/)
  })

  it('`history --format json` prints ISO times, the same as `run --json`; a shell job’s logFile appears once', async () => {
    const dir = await tempDir('corelane-iso-', cleanup)
    const dataDir = join(dir, 'data')
    const ran = await run(
      ['run', '-', '--json', '--data-dir', dataDir],
      JSON.stringify({ jobs: [{ kind: 'shell', params: { argv: ['echo', 'hi'] } }] }),
    )
    expect(ran.code).toBe(0)
    const line = ran.stdout.split('\n')[0]!
    expect(line.split('"logFile"').length - 1).toBe(1)
    const job = JSON.parse(line) as { startedAt: string; endedAt: string; logFile: string; result: Record<string, unknown> }
    expect(job.result).toMatchObject({ exitCode: 0 })
    expect(job.logFile).toMatch(/logs\/1\.log$/)
    const history = await run(['history', '--format', 'json', '--data-dir', dataDir])
    const [stored] = JSON.parse(history.stdout) as { startedAt: string; endedAt: string; createdAt: string }[]
    expect(stored!.startedAt).toBe(job.startedAt)
    expect(stored!.endedAt).toBe(job.endedAt)
    expect(stored!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  })

  it('survives a thread script that calls fs.closeSync(1): that job fails, the rest and the summary print', async () => {
    const dir = await tempDir('corelane-fd1-', cleanup)
    const script = join(dir, 'close1.mjs')
    await writeFile(script, "import fs from 'node:fs'\nexport default async function () { fs.closeSync(1); return 'closed' }\n")
    const jobs = [{ kind: 'script', executor: 'thread', params: { module: script } }, { kind: 'noop' }, { kind: 'noop' }]
    const result = await run(['run', '-', '--json', '--data-dir', join(dir, 'data')], JSON.stringify({ jobs }))
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(result.code).toBe(1)
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.at(-1)).toMatchObject({ summary: { total: 3, succeeded: 2, failed: 1 } })
    expect(lines.find((l) => l.kind === 'script')).toMatchObject({
      state: 'failed',
      error: { message: expect.stringMatching(/may not close fd 1/) },
    })
  })
})
