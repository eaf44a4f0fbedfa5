// The peer pools, behind one tiny interface: Piscina, Tinypool and workerpool, each sized to
// the same number of workers as Corelane's CPU lane (one per core), all workers started up
// front, running the same no-op. Sizing them alike keeps the comparison about overhead.
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'

export type PeerName = 'piscina' | 'tinypool' | 'workerpool'

/** How each peer is named in the table. */
export const PEER_LABEL: Record<PeerName, string> = { piscina: 'Piscina', tinypool: 'Tinypool', workerpool: 'workerpool' }

export interface PeerPool {
  run(): Promise<unknown>
  close(): Promise<void>
}

const NOOP = fileURLToPath(new URL('../peers/noop.mjs', import.meta.url))
const WORKERPOOL_NOOP = fileURLToPath(new URL('../peers/workerpool-noop.mjs', import.meta.url))

export async function createPeer(name: PeerName): Promise<PeerPool> {
  const size = availableParallelism()
  if (name === 'piscina') {
    const { Piscina } = await import('piscina')
    const pool = new Piscina({ filename: NOOP, minThreads: size, maxThreads: size })
    return { run: () => pool.run(null), close: () => pool.close() }
  }
  if (name === 'tinypool') {
    const { Tinypool } = await import('tinypool')
    const pool = new Tinypool({ filename: NOOP, minThreads: size, maxThreads: size })
    return { run: () => pool.run(null), close: () => pool.destroy() }
  }
  const workerpool = (await import('workerpool')).default
  const pool = workerpool.pool(WORKERPOOL_NOOP, { minWorkers: size, maxWorkers: size, workerType: 'thread' })
  return {
    run: () => pool.exec('noop', []) as Promise<unknown>,
    close: async () => {
      await pool.terminate()
    },
  }
}
