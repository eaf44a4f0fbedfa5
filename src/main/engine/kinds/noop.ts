// The empty job: measures what scheduling, messaging and bookkeeping cost on their own, so
// it must do nothing at all (no checks, no progress, no allocation).
import type { KindParams } from '../../../shared/kinds.ts'
import type { KindRunner } from './context.ts'

export const noop: KindRunner<KindParams<'noop'>> = async () => null
