// The command-group record on disk (command-groups.json), written in place: whatever was
// written last and however long earlier records were, the file parses and lists exactly the
// groups still running, and it does not keep the length of its longest record for good.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CommandGroups, WRITE_DELAY_MS } from '../../src/main/engine/command-groups.ts'
import { commandGroupsPath } from '../../src/main/engine/data-layout.ts'

let dir = ''

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
  dir = ''
})

async function onRecord(): Promise<number[]> {
  const { groups } = JSON.parse(await readFile(commandGroupsPath(dir), 'utf8')) as { groups: { pgid: number }[] }
  return groups.map((group) => group.pgid).sort((a, b) => a - b)
}

const i = (pgid: number) => pgid - 4_000_000

/** Retries `check` (the writes are asynchronous) until it passes or 5 s have gone. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 5000
  for (;;) {
    try {
      return await check()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

/** Ends every group by its end report (no signal is sent: endAll finds none left) and waits for the writes. */
async function settle(groups: CommandGroups<string>, owner: string, pgids: number[]): Promise<void> {
  for (const pgid of pgids) groups.ended(owner, pgid)
  await groups.endAll()
}

describe('the command-group record', () => {
  it('lists the running groups after each change, padded over longer earlier records', async () => {
    dir = await mkdtemp(join(tmpdir(), 'corelane-groups-'))
    const groups = new CommandGroups<string>(dir)
    // Never signalled: every group here ends by its end report, so endAll finds none to end.
    const pgids = Array.from({ length: 40 }, (_, i) => 4_000_000 + i)
    for (const pgid of pgids) groups.started('w', pgid, 100 + i(pgid))
    await eventually(async () => expect(await onRecord()).toEqual(pgids))
    for (const pgid of pgids.slice(1)) groups.ended('w', pgid)
    await eventually(async () => expect(await onRecord()).toEqual([4_000_000]))
    const text = await readFile(commandGroupsPath(dir), 'utf8')
    // The one group, then spaces over what the 40 left.
    expect(text.trimEnd()).toBe(JSON.stringify({ groups: [{ pgid: 4_000_000, since: 100 }], tags: [] }))
    expect(text.length).toBeGreaterThan(text.trimEnd().length)
    await settle(groups, 'w', [4_000_000])
    expect(await onRecord()).toEqual([])
  })

  it('writes changes that come in a stream at most once per WRITE_DELAY_MS, the last record current', async () => {
    dir = await mkdtemp(join(tmpdir(), 'corelane-groups-'))
    const groups = new CommandGroups<string>(dir)
    // Short shell jobs one after another, each a turn of the loop: tagged, its command starts,
    // ends, untagged. Without the delay each turn's changes were a write of their own.
    const pgids = Array.from({ length: 300 }, (_, i) => 4_100_000 + i)
    const t0 = performance.now()
    for (const pgid of pgids) {
      groups.tagged('w', pgid - 4_000_000, 1)
      groups.started('w', pgid, 1)
      await new Promise((resolve) => setImmediate(resolve))
      if (pgid === pgids[0]) continue
      groups.ended('w', pgid)
      groups.untagged('w', pgid - 4_000_000, false)
      await new Promise((resolve) => setImmediate(resolve))
    }
    const elapsed = performance.now() - t0
    await eventually(async () => expect(await onRecord()).toEqual([4_100_000]))
    expect(groups.writes).toBeLessThanOrEqual(Math.ceil(elapsed / WRITE_DELAY_MS) + 2)
    expect(groups.writes).toBeLessThan(pgids.length / 4)
    await settle(groups, 'w', [4_100_000])
    expect(await onRecord()).toEqual([])
  })

  it('pads over a longer file an earlier run left, and cuts it back once it is much longer than the record', async () => {
    dir = await mkdtemp(join(tmpdir(), 'corelane-groups-'))
    const file = commandGroupsPath(dir)
    const earlier = { groups: Array.from({ length: 400 }, (_, i) => ({ pgid: 4_200_000 + i, since: 1 })) }
    await writeFile(file, JSON.stringify(earlier))
    const before = (await stat(file)).size
    expect(before).toBeGreaterThan(8192)
    const groups = new CommandGroups<string>(dir)
    groups.started('w', 4_300_000, 7)
    await eventually(async () => {
      expect(await onRecord()).toEqual([4_300_000])
      expect((await stat(file)).size).toBeLessThan(1024)
    })
    await settle(groups, 'w', [4_300_000])
    expect(await onRecord()).toEqual([])
  })
})
