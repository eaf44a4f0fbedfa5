// The tiny runner each variant gets to itself: `node bench/lib/child.ts <measure> <variant> <ctx>`.
// A fresh process per variant and round means no JIT state, heap or worker pool leaks from one
// peer into the next. The numbers go back to the orchestrator over the fork IPC channel.
import { loadMeasure } from '../measures/index.ts'
import { isPinned, pinThisProcess } from './pin.ts'
import type { VariantContext } from './types.ts'

const [measureName, variant, rawCtx] = process.argv.slice(2)
if (!measureName || !variant || !rawCtx || !process.send) {
  console.error('usage: forked by bench/run.ts as child.ts <measure> <variant> <ctx-json>')
  process.exit(2)
}

const reply = (message: object): void => {
  // Exit once the message is out: a pool that forgot to unref a handle must not hang the round.
  process.send!(message, () => process.exit(0))
}

try {
  const measure = await loadMeasure(measureName)
  const ctx = JSON.parse(rawCtx) as VariantContext
  if (isPinned(variant)) pinThisProcess()
  const metrics = await measure.run(variant, ctx)
  reply({ metrics })
} catch (error) {
  reply({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
}
