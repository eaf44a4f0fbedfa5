// The pure parts of the desktop habits: what the taskbar shows for a list of batches, and
// which command-line arguments are batch files.
import { describe, expect, it } from 'vitest'
import { emptyCounts, type BatchView } from '../../src/shared/job.ts'
import { batchProgress } from '../../src/main/electron/batch-progress.ts'
import { batchFilesInArgv } from '../../src/main/electron/open-batch.ts'

function batch(id: number, total: number, counts: Partial<BatchView['counts']>, ended: boolean): BatchView {
  return {
    id,
    name: `b${id}`,
    total,
    counts: { ...emptyCounts(), ...counts },
    createdAt: 0,
    endedAt: ended ? 1 : null,
    paused: false,
    throughput: 0,
    etaMs: null,
  }
}

describe('taskbar progress', () => {
  it('is the done share of the running batches, none when nothing runs, and counts failures as the badge', () => {
    expect(batchProgress([])).toEqual({ progress: null, failed: 0 })
    expect(batchProgress([batch(1, 4, { succeeded: 1, running: 1, queued: 2 }, false)])).toEqual({ progress: 0.25, failed: 0 })
    const mixed = [
      batch(1, 10, { succeeded: 8, failed: 2 }, true), // ended: counts for the badge only
      batch(2, 4, { succeeded: 1, failed: 1, 'timed-out': 1, queued: 1 }, false),
      batch(3, 4, { cancelled: 1, queued: 3 }, false),
    ]
    expect(batchProgress(mixed)).toEqual({ progress: 4 / 8, failed: 4 })
    expect(batchProgress([batch(1, 3, { succeeded: 3 }, true)]).progress).toBeNull()
  })
})

describe('batch files on the command line', () => {
  it('takes .json arguments only, resolved against the start folder', () => {
    expect(batchFilesInArgv(['/opt/Corelane/corelane-desktop'], '/home/u')).toEqual([])
    expect(
      batchFilesInArgv(['corelane-desktop', '--enable-logging', 'a.json', 'notes.txt', '/abs/B.JSON', '--x=y.json'], '/home/u'),
    ).toEqual(['/home/u/a.json', '/abs/B.JSON'])
    // `electron .` in development: the app folder is not a batch.
    expect(batchFilesInArgv(['electron', '.', 'batch.json'], '/w')).toEqual(['/w/batch.json'])
  })
})
