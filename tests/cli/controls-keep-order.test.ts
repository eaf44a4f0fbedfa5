// --keep-order through the real CLI: --json lines in input order although the jobs end in
// the opposite order; without it they come as jobs end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonLines, sandbox, type Sandbox } from './controls-cli.ts'

let box: Sandbox
beforeAll(async () => {
  box = await sandbox()
})
afterAll(async () => {
  await box.remove()
})

// All at once on the I/O lane; the first input sleeps longest, so it ends last.
const batch = { keepOrder: false, template: { name: 'n{}', kind: 'sleep', params: { ms: '{}' } }, inputs: [900, 600, 300, 0] }

describe('corelane run --keep-order', () => {
  it('prints lines in input order with -k, and in end order without it', async () => {
    const file = await box.batch('order.json', batch)
    const plain = jsonLines((await box.corelane(['run', file, '--json'])).stdout).slice(0, -1)
    expect(plain.map((l) => l.name)).toEqual(['n0', 'n300', 'n600', 'n900'])

    const kept = await box.corelane(['run', file, '--json', '-k'])
    expect(kept.code).toBe(0)
    const lines = jsonLines(kept.stdout)
    expect(lines.at(-1)!.summary).toMatchObject({ succeeded: 4 })
    const jobs = lines.slice(0, -1)
    expect(jobs.map((l) => l.name)).toEqual(['n900', 'n600', 'n300', 'n0'])
    // They did end in the other order: the output was held, not the jobs serialised.
    const ends = jobs.map((l) => Date.parse(l.endedAt as string))
    expect(ends[0]).toBeGreaterThan(ends[3]!)
  })

  it('takes keepOrder from the batch file', async () => {
    const file = await box.batch('order-file.json', { ...batch, keepOrder: true })
    const lines = jsonLines((await box.corelane(['run', file, '--json'])).stdout).slice(0, -1)
    expect(lines.map((l) => l.name)).toEqual(['n900', 'n600', 'n300', 'n0'])
  })
})
