// A submit from the window (IPC or WebSocket) with its batch controls: the engine queues the
// jobs, and the controls that live above it are attached to the new batch (today: halt).
import type { CommandInput, SubmitResult } from '../../shared/contract.ts'
import { parseHalt } from '../../shared/halt.ts'
import { watchHalt } from '../engine/halt-control.ts'
import type { Engine } from '../engine/index.ts'

export async function submitWithControls(engine: Engine, input: CommandInput<'submit'>): Promise<SubmitResult> {
  const { halt, ...request } = input
  const result = await engine.submit(request)
  const rule = halt === undefined ? null : parseHalt(halt)
  // The schema has refused rules parseHalt cannot read, so an error here cannot happen.
  if (rule && !('error' in rule)) {
    const watch = watchHalt(engine, result.jobIds, rule)
    void engine.whenSettled(result.jobIds).then(() => watch.stop())
  }
  return result
}
