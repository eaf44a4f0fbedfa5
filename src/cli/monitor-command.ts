// `corelane monitor [--json] [--interval MS] [--count N]`: the window's monitor samples in a
// terminal, from the same sampler thread (startMonitor): a compact per-core view redrawn in
// place on a terminal (appended otherwise), or one JSON line per sample. Ends after --count
// samples, or on Ctrl-C.
import { access } from 'node:fs/promises'
import * as v from 'valibot'
import { startMonitor } from '../main/engine/index.ts'
import { MAX_HZ, MIN_HZ } from '../main/engine/monitor/protocol.ts'
import type { MonitorSample } from '../shared/contract.ts'
import { checkFlags } from './args.ts'
import { InputError } from './batch-file.ts'
import { jsonLine, textLines } from './monitor-view.ts'

const MIN_INTERVAL = 1000 / MAX_HZ
const MAX_INTERVAL = 1000 / MIN_HZ

const whole = (min: number, max: number, unit: string) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, 'must be a whole number'),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}${unit}`),
    v.maxValue(max, `must be at most ${max}${unit}`),
  )

export const MonitorFlagsSchema = v.object({
  json: v.optional(v.boolean(), false),
  interval: v.optional(whole(MIN_INTERVAL, MAX_INTERVAL, ' ms'), '1000'),
  count: v.optional(whole(1, 1_000_000, '')),
  recording: v.optional(v.pipe(v.string(), v.minLength(1))),
})

export interface MonitorIo {
  out: NodeJS.WriteStream | NodeJS.WritableStream
  /** Ctrl-C: resolves when the user asks to stop. */
  interrupted?: Promise<void>
}

export async function monitorCommand(values: Record<string, unknown>, io: MonitorIo): Promise<number> {
  const flags = checkFlags(MonitorFlagsSchema, values, ['json', 'interval', 'count', 'recording'])
  if (flags.recording !== undefined)
    await access(flags.recording).catch(() => {
      throw new InputError('arguments', [{ field: '--recording', message: `cannot read ${flags.recording}` }])
    })
  // A sampler failure is said once per failure streak (the monitor restarts it with backoff).
  const onError = (message: string) => void process.stderr.write(`corelane monitor: ${message}\n`)
  const monitor = startMonitor({ hz: 1000 / flags.interval, recording: flags.recording, onError })
  const tty = !flags.json && 'isTTY' in io.out && io.out.isTTY === true
  const columns = ('columns' in io.out && io.out.columns) || 100
  let printed = 0
  let drawnLines = 0
  // The sampler thread does not hold the process open (it is unref'd for the engine's sake):
  // this does, until the count is reached or Ctrl-C, even while a failed sampler restarts.
  const keepAlive = setInterval(() => undefined, 60_000)
  try {
    await new Promise<void>((resolve) => {
      void io.interrupted?.then(resolve)
      monitor.onSample((sample: MonitorSample) => {
        const { processes, hardware, topology } = monitor.machine()
        const view = { sample, processes, hardware, topology }
        if (flags.json) io.out.write(`${jsonLine(view)}\n`)
        else {
          const lines = textLines(view, columns)
          // On a terminal, draw over the previous view; in a pipe or file, one view after another.
          if (tty && drawnLines) io.out.write(`\x1b[${drawnLines}F\x1b[J`)
          io.out.write(`${lines.join('\n')}\n${tty ? '' : '\n'}`)
          drawnLines = lines.length
        }
        printed++
        if (flags.count !== undefined && printed >= flags.count) resolve()
      })
    })
  } finally {
    clearInterval(keepAlive)
    await monitor.close()
  }
  return 0
}
