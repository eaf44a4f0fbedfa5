// The same CPU tasks "concurrently" on one event loop (and Python threads under the GIL):
// concurrency without more cores interleaves CPU work, it does not add CPU.
import type { LabExperiment } from '../experiment.ts'
import { ran, repeat, seconds, times, within } from '../experiment.ts'

export const cpuSequential: LabExperiment = {
  info: {
    id: 'cpu-sequential',
    title: 'The same CPU tasks on one event loop',
    question: 'The same three CPU tasks, "concurrently" on one event loop (or Python threads under the GIL). How long?',
    expectation: 'about the sum of their times',
    strategies: ['sequential', 'async'],
    python: true,
  },
  cpuBound: true,
  pythonStrategies: ['python-sequential', 'python-threads', 'python-asyncio'],
  jobs: ({ squaresN }) => repeat({ name: 'sum of squares', kind: 'sum-squares', params: { n: squaresN } }, 3),
  pythonArgs: ({ scale }) => ['3', String(scale.pythonSquaresN)],
  checks(find, { scale }) {
    const pySeq = find('python-sequential')
    return [
      within(
        '3 CPU tasks on one event loop: about the sum of their times',
        find('async'),
        find('sequential')?.wallMs ?? 0,
        scale.cpuToleranceBelow,
        scale.cpuToleranceAbove,
      ),
      pySeq && !pySeq.skipped
        ? // ±50 %: on several cores, threads contending for the GIL often take longer than the
          // same work done sequentially (measured here up to 1.41×); the lesson is the missing speed-up.
          within(
            'Python threads under the GIL: about the sum of their times, often more',
            find('python-threads'),
            pySeq.wallMs,
            0.5,
          )
        : null,
    ]
  },
  explain(result) {
    const seq = ran(result, 'sequential')
    const async = ran(result, 'async')
    if (!seq || !async) return ''
    const py = ran(result, 'python-threads')
    return (
      `On one event loop the 3 CPU tasks took ${seconds(async.wallMs)}, about the ${seconds(seq.wallMs)} of running them one after another (${times(async.speedup)}): concurrency without more cores only interleaves CPU work, it does not add CPU.` +
      (py
        ? ` Python's threads, held back by the GIL, took ${seconds(py.wallMs)} against ${seconds(ran(result, 'python-sequential')?.wallMs ?? 0)} sequentially.`
        : '')
    )
  },
}
