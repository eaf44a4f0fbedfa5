// Allocates without bound until the worker is killed: the test and demo of memory limits.
// It must grow the V8 heap (the limit a thread's resourceLimits enforce) as well as native
// memory (what a process's RSS shows), so each step does both.
import { getHeapStatistics } from 'node:v8'
import type { KindParams } from '../../../shared/kinds.ts'
import { throwIfAborted } from './context.ts'
import type { KindRunner } from './context.ts'
import { yieldToLoop } from '../yield-to-loop.ts'

const MIB = 1 << 20

/** At least `mib` MiB of V8 heap: a packed array of doubles and many small objects. */
function heapChunk(mib: number): unknown[] {
  // Grown by push: `new Array(hugeLength)` would start out in slow dictionary mode.
  const numbers: number[] = []
  for (let i = 0; i < (mib * MIB) / 16; i++) numbers.push(i + 0.5)
  const objects: { i: number; s: string }[] = []
  for (let i = 0; i < (mib * MIB) / 80; i++) objects.push({ i, s: `#${i}` })
  return [numbers, objects]
}

export const allocUntilOom: KindRunner<KindParams<'alloc-until-oom'>> = async ({ chunkMb }, ctx) => {
  const kept: unknown[] = []
  let nativeMb = 0
  for (;;) {
    throwIfAborted(ctx.signal)
    kept.push(heapChunk(chunkMb))
    // Filled rather than zeroed, so the pages are really committed and show in RSS.
    kept.push(Buffer.alloc(chunkMb * MIB, 1))
    nativeMb += chunkMb
    const heapMb = Math.round(getHeapStatistics().used_heap_size / MIB)
    ctx.progress(0, `${heapMb} MiB heap used, ${nativeMb} MiB native kept`)
    await yieldToLoop()
  }
}
