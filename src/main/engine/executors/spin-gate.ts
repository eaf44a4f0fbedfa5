// Whether an idle thread worker may watch its wake counter before it blocks
// (worker/message-wait.ts). Watching keeps a CPU busy for a moment so the next job finds the
// worker awake, which is most of an unpinned round trip; but a worker that watches while
// every CPU is wanted takes one from the engine thread or a busy worker, and then everything
// waits on it (measured: 64 jobs in flight on two CPUs ran 12–18 % slower with every idle
// worker watching). So the pool keeps one shared cell, 1 while a CPU is to spare: the
// local CPU workers holding jobs (the one about to go idle still counted, as it has not
// been released yet) plus the engine's own thread fit in the CPUs this process may use.
// Pinned to one CPU, that is never. The worker reads the cell itself (message-wait.ts).

export class SpinGate {
  /** Shared with every serial thread worker: 1 while an idle one may watch, 0 while it must block at once. */
  readonly cell = new Int32Array(new SharedArrayBuffer(4))
  private readonly cores: number

  constructor(cores: number) {
    this.cores = cores
    this.update(0)
  }

  /** The local CPU workers holding jobs changed. */
  update(busyCpu: number): void {
    // (One CPU: shut even with none busy, for a worker whose release the engine applied first.)
    Atomics.store(this.cell, 0, this.cores > 1 && busyCpu + 1 <= this.cores ? 1 : 0)
  }
}
