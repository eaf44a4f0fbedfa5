// How a client drives a pool in the benches: everything at once, a bounded number in flight
// (a new job each time one finishes), or one round trip at a time. The same driver is used
// for Corelane and for each peer, so they are asked for the same thing in the same way.

/** Starts `total` calls keeping at most `limit` unfinished; resolves when all have finished. */
export function inFlight(total: number, limit: number, start: () => Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    let started = 0
    let finished = 0
    let failed = false
    const launch = (): void => {
      started++
      start().then(
        () => {
          finished++
          if (started < total) launch()
          else if (finished === total) resolve()
        },
        (error: unknown) => {
          if (!failed) reject(error)
          failed = true
        },
      )
    }
    for (let i = 0; i < Math.min(limit, total); i++) launch()
  })
}

/** Starts all `total` calls at once and waits for every one. */
export async function allAtOnce(total: number, start: () => Promise<unknown>): Promise<void> {
  const pending: Promise<unknown>[] = new Array(total)
  for (let i = 0; i < total; i++) pending[i] = start()
  await Promise.all(pending)
}

/** Awaits `total` calls one after another; returns each round trip's duration in microseconds. */
export async function roundTrips(total: number, start: () => Promise<unknown>): Promise<number[]> {
  const us: number[] = new Array(total)
  for (let i = 0; i < total; i++) {
    const t0 = performance.now()
    await start()
    us[i] = (performance.now() - t0) * 1000
  }
  return us
}
