// Ten thousand one-second timers on one event loop: a waiting task is a timer entry, so
// thousands cost little more than one. One second at every scale: ten thousand jobs have a
// fixed cost worth seeing against it.
import type { LabExperiment } from '../experiment.ts'
import { ran, seconds, within } from '../experiment.ts'

const TIMER_MS = 1000

export const timers10k: LabExperiment = {
  info: {
    id: 'timers-10k',
    title: '10,000 timers on the async lane',
    question: 'Ten thousand tasks each wait one second, all at once on one event loop. How long?',
    expectation: 'about 1 s',
    strategies: ['async'],
    python: true,
  },
  cpuBound: false,
  pythonStrategies: ['python-asyncio'],
  jobs: ({ scale }) => Array.from({ length: scale.timers }, () => ({ kind: 'sleep', params: { ms: TIMER_MS } })),
  pythonArgs: ({ scale }) => [String(scale.timers), String(TIMER_MS / 1000)],
  checks(find, { scale }) {
    const async = find('async')
    return [
      within(
        `${scale.timers.toLocaleString('en')} timers at once: about 1 s`,
        async,
        TIMER_MS + (async?.startupMs ?? 0),
        scale.waitTolerance,
      ),
      within('Python asyncio: about 1 s', find('python-asyncio'), TIMER_MS, scale.waitTolerance),
    ]
  },
  explain(result, { scale }) {
    const async = ran(result, 'async')
    if (!async) return ''
    return `${scale.timers.toLocaleString('en')} timers of 1 s finished in ${seconds(async.wallMs)} on one event loop: a waiting task is just a timer entry, so thousands cost little more than one.`
  },
}
