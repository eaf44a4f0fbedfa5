// Four slow HTTP requests gathered on one event loop: while one waits for the server, the same
// loop sends the others, so four take about as long as one.
import type { LabExperiment } from '../experiment.ts'
import { ran, repeat, seconds, times, within } from '../experiment.ts'

export const gatherFetch: LabExperiment = {
  info: {
    id: 'gather-fetch',
    title: '4 fetches gathered',
    question: 'Four HTTP requests each take one second to answer. How long if they are gathered concurrently?',
    expectation: 'about 1 s',
    strategies: ['sequential', 'async'],
    python: true,
  },
  cpuBound: false,
  pythonStrategies: ['python-sequential', 'python-asyncio'],
  slowServerMs: (scale) => scale.fetchMs,
  jobs: ({ server }) => repeat({ name: 'fetch', kind: 'http-get', params: { url: server!.url } }, 4),
  pythonArgs: ({ server }) => ['4', '127.0.0.1', String(server?.port ?? 0), '/slow'],
  checks(find, { scale }) {
    const async = find('async')
    return [
      within(
        `4 fetches gathered: about one fetch, ${scale.fetchMs} ms`,
        async,
        scale.fetchMs + (async?.startupMs ?? 0),
        scale.fetchTolerance,
      ),
      within(
        `4 fetches one after another: about 4 × ${scale.fetchMs} ms`,
        find('sequential'),
        4 * scale.fetchMs,
        scale.fetchTolerance,
      ),
      within(`Python asyncio.gather: about ${scale.fetchMs} ms`, find('python-asyncio'), scale.fetchMs, scale.fetchTolerance),
    ]
  },
  explain(result) {
    const seq = ran(result, 'sequential')
    const async = ran(result, 'async')
    if (!seq || !async) return ''
    return `Gathered, the 4 requests took ${seconds(async.wallMs)} against ${seconds(seq.wallMs)} one after another (${times(async.speedup)}): while one request waits for the server, the same event loop sends the others, with no extra worker.`
  },
}
