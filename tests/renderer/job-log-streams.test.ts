// The details panel's log with stdout and stderr told apart (issue #13): stderr lines carry an
// "err" label and the error colour's class, a line with both streams is marked, the filter
// shows one stream, and the download stays the raw log. The host is the fake one; the engine
// side (which bytes are stderr) has its own test (tests/engine/log-streams.test.ts), and
// tests/e2e/web-window-controls.test.ts runs both together in Chromium.
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { logLines } from '../../src/renderer/src/lib/log-lines.ts'
import { useUiStore } from '../../src/renderer/src/stores/ui.ts'
import { captureDownloads } from './downloads.ts'
import { createFakeApi, makeJob, makeSnapshot } from './fake-api.ts'
import { mountConnected } from './mount-app.ts'

const TEXT = 'compiling\nwarning: unused x\nhalf to stdout, half to stderr\ndone\n'
const from = (part: string) => TEXT.indexOf(part)
/** "warning: unused x\n" and "half to stderr\n" came from stderr. */
const STDERR: [number, number][] = [
  [from('warning'), from('half to stdout')],
  [from('half to stderr'), from('done')],
]

describe('log lines', () => {
  it('cuts the text into lines of pieces, each marked with its stream, and filters one stream', () => {
    const all = logLines(TEXT, STDERR)
    expect(all.map((l) => [l.pieces.map((p) => `${p.stderr ? 'E' : 'O'}:${p.text}`).join('|'), l.stderr])).toEqual([
      ['O:compiling', false],
      ['E:warning: unused x', true],
      ['O:half to stdout, |E:half to stderr', true],
      ['O:done', false],
    ])
    expect(logLines(TEXT, STDERR, 'stderr').map((l) => l.pieces.map((p) => p.text).join(''))).toEqual([
      'warning: unused x',
      'half to stderr',
    ])
    expect(logLines(TEXT, STDERR, 'stdout').map((l) => l.pieces.map((p) => p.text).join(''))).toEqual([
      'compiling',
      'half to stdout, done',
    ])
    expect(logLines('a\n\nb', [])).toHaveLength(3)
  })
})

describe('the details panel log', () => {
  it('marks stderr lines (label and colour class), filters by stream, and downloads the raw log', async () => {
    const fake = createFakeApi(makeSnapshot({ jobs: [makeJob(5, { state: 'succeeded', kind: 'shell' })] }))
    fake.handle('jobLog', () => ({ text: TEXT, stderr: STDERR, truncated: false, file: null }))
    fake.handle('jobParams', () => ({ params: {} }))
    const { wrapper } = await mountConnected(App, fake)
    useUiStore().openLog(5)
    await flushPromises()

    const lines = () => wrapper.findAll('[data-testid="log-text"] .line')
    const marked = () => lines().map((l) => [l.attributes('data-stream'), l.find('.tag').text(), l.text()])
    expect(marked()).toEqual([
      ['stdout', '', 'compiling'],
      ['stderr', 'err', 'errstderr: warning: unused x'],
      ['stderr', 'err', 'errstderr: half to stdout, half to stderr'],
      ['stdout', '', 'done'],
    ])
    // The stderr piece of the mixed line is coloured, its stdout piece is not.
    expect(
      lines()[2]!
        .findAll('.err')
        .map((s) => s.text()),
    ).toEqual(['half to stderr'])

    await wrapper.get('[data-testid="log-filter-stderr"]').setValue(true)
    expect(marked().map((l) => l[2])).toEqual(['errstderr: warning: unused x', 'errstderr: half to stderr'])
    await wrapper.get('[data-testid="log-filter-stdout"]').setValue(true)
    expect(marked().map((l) => l[2])).toEqual(['compiling', 'half to stdout, done'])

    const downloads = captureDownloads()
    await wrapper.get('[data-testid="log-download"]').trigger('click')
    await expect(downloads.files[0]!.text()).resolves.toBe(TEXT)
  })

  it('shows a log with no stderr as plain text, and says when a stream is empty', async () => {
    const fake = createFakeApi(makeSnapshot({ jobs: [makeJob(6, { state: 'succeeded' })] }))
    fake.handle('jobLog', () => ({ text: 'only out\n', stderr: [], truncated: false, file: null }))
    fake.handle('jobParams', () => ({ params: {} }))
    const { wrapper } = await mountConnected(App, fake)
    useUiStore().openLog(6)
    await flushPromises()
    expect(wrapper.get('[data-testid="log-text"]').text()).toBe('only out')
    expect(wrapper.findAll('[data-testid="log-text"] .line')).toHaveLength(0)
    await wrapper.get('[data-testid="log-filter-stderr"]').setValue(true)
    expect(wrapper.get('[data-testid="log-text"]').text()).toBe('Nothing on stderr.')
  })
})
