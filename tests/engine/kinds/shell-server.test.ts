// The shell kind's fast path: programs are started by a long-lived /bin/sh (one fork of a tiny
// process per job), with arguments passed literally however they are quoted, their own process
// group, a program's own exit code 127 told apart from a missing program, and Node's spawn
// taking over for what a shell line cannot say exactly (a newline, an odd variable name).
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { shell } from '../../../src/main/engine/kinds/shell.ts'
import { BASH, commandLine, SH_SETSID, startOnServer } from '../../../src/main/engine/kinds/shell-server.ts'
import { withContext } from './test-context.ts'

/** The program's parent's command name and whether it leads its own process group. */
const WHO = 'printf "%s %s %s" "$(cat /proc/$PPID/comm)" "$$" "$(ps -o pgid= -p $$ | tr -d " ")"'

describe('shell, started by a shell server', () => {
  it('runs the program from a shell, not from the worker, leading its own process group', async () => {
    await withContext(async ({ ctx, readLog }) => {
      await shell({ argv: ['sh', '-c', WHO], shell: false }, ctx)
      const [parent, pid, pgid] = (await readLog()).split(' ')
      expect(['sh', 'bash']).toContain(parent)
      expect(pgid).toBe(pid)
    })
  })

  it('passes arguments literally: quotes, spaces, $, backticks and globs', async () => {
    const nasty = ["it's", 'a b', '$HOME', '`id`', '*', '"x"', '\\', '-n', '']
    await withContext(async ({ ctx, readLog }) => {
      await shell(
        { argv: [process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...nasty], shell: false },
        ctx,
      )
      expect(JSON.parse((await readLog()).trim())).toEqual(nasty)
    })
  })

  it('tells a program that exits 127 itself from a missing one', async () => {
    await withContext(async ({ ctx }) => {
      await expect(shell({ argv: ['sh', '-c', 'exit 127'], shell: false }, ctx)).rejects.toMatchObject({
        code: 'exit-code',
        exitCode: 127,
      })
      await expect(shell({ argv: ['corelane-missing-program'], shell: false }, ctx)).rejects.toThrow(/^program not found: /)
    })
  })

  it('leaves to Node what a shell line cannot say exactly, with the same result', async () => {
    expect(commandLine({ argv: ['echo', 'two\nlines'], useShell: false })).toBeNull()
    expect(commandLine({ argv: ['env'], env: { 'odd-name': '1' }, useShell: false })).toBeNull()
    await withContext(async ({ ctx, readLog }) => {
      await shell(
        {
          argv: [process.execPath, '-e', "console.log(process.env['odd-name'], JSON.stringify(process.argv[1]))", 'two\nlines'],
          env: { 'odd-name': 'yes' },
          shell: false,
        },
        ctx,
      )
      expect(await readLog()).toBe('yes "two\\nlines"\n')
    })
    // The fast path's output reaches the context with its streams told apart.
    await withContext(async ({ ctx, dir, outputs }) => {
      await shell({ argv: ['sh', '-c', 'echo hi; echo err >&2'], shell: false }, ctx)
      expect(await readFile(`${dir}/job.log`, 'utf8')).toMatch(/^(hi\nerr\n|err\nhi\n)$/)
      expect(
        outputs
          .filter((o) => o.stream === 'stdout')
          .map((o) => o.text)
          .join(''),
      ).toBe('hi\n')
      expect(
        outputs
          .filter((o) => o.stream === 'stderr')
          .map((o) => o.text)
          .join(''),
      ).toBe('err\n')
    })
  })
})

describe('shell servers and what a program leaves behind', () => {
  it('gives the next job a fresh server when a program left processes in its group, so their output is not the next job’s', async () => {
    await withContext(async ({ ctx, readLog }) => {
      // The background part keeps running (in the program's group) and writes after the job ended.
      await shell({ argv: ['sh', '-c', '(sleep 0.3; echo late) & echo early'], shell: false }, ctx)
      expect(await readLog()).toBe('early\n')
    })
    await withContext(async ({ ctx, readLog }) => {
      await shell({ argv: ['sh', '-c', 'sleep 1; echo next'], shell: false }, ctx)
      expect(await readLog()).toBe('next\n')
    })
  })
})

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

describe('shell servers of each flavour', () => {
  // Where there is no bash, sh has no job control without a terminal: setsid gives the group.
  for (const [name, flavour] of [
    ['bash with job control', BASH],
    ['sh with setsid', SH_SETSID],
  ] as const) {
    it(`${name}: the program keeps the reported pid, leads its group, and its status comes back`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'corelane-flavour-'))
      try {
        let out = ''
        const line = commandLine({ argv: ['sh', '-c', `${WHO}; exit 7`], useShell: false }, flavour.exec)!
        const run = await startOnServer(line, (_stream, chunk) => (out += chunk.toString()), flavour)
        expect(await run.ended).toEqual({ exitCode: 7, signal: null })
        const [, pid, pgid] = out.split(' ')
        expect(Number(pid)).toBe(run.pid)
        expect(pgid).toBe(pid)
        const killed = await startOnServer(
          commandLine({ argv: ['sleep', '30'], useShell: false }, flavour.exec)!,
          () => undefined,
          flavour,
        )
        // Under sh the program leads its group once setsid has run, a moment after its pid is known.
        for (let tries = 0; !groupExists(killed.pid) && tries < 100; tries++) await new Promise((done) => setTimeout(done, 10))
        process.kill(-killed.pid, 'SIGTERM')
        expect(await killed.ended).toEqual({ exitCode: null, signal: 'SIGTERM' })
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    })
  }
})
