// The shell kind's fast path: programs are started by a long-lived /bin/sh (one fork of a tiny
// process per job), with arguments passed literally however they are quoted, their own process
// group, a program's own exit code 127 told apart from a missing program, and Node's spawn
// taking over for what a shell line cannot say exactly (a newline, an odd variable name).
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { shell } from '../../../src/main/engine/kinds/shell.ts'
import { commandLine } from '../../../src/main/engine/kinds/shell-server.ts'
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
    expect(commandLine({ argv: ['echo', 'two\nlines'], useShell: false, logPath: '/tmp/x.log' })).toBeNull()
    expect(commandLine({ argv: ['env'], env: { 'odd-name': '1' }, useShell: false, logPath: '/tmp/x.log' })).toBeNull()
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
    // The log file of the fast path is the same file the context hands out.
    await withContext(async ({ ctx, dir }) => {
      await shell({ argv: ['sh', '-c', 'echo hi; echo err >&2'], shell: false }, ctx)
      expect(await readFile(`${dir}/job.log`, 'utf8')).toBe('hi\nerr\n')
    })
  })
})
