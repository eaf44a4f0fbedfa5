// `corelane run --redis <url>`: the run's engine also hands jobs to a cluster's agents (see
// src/main/cluster/engine-link.ts). The controller's machine keeps one CPU slot and one I/O
// job of its own unless --cpu-slots / --io-concurrency say otherwise (it is one machine of the
// cluster too); every --json line names the machine that ran the job.
import { hostname } from 'node:os'
import type { Engine } from '../main/engine/index.ts'
import { linkEngineToCluster, type EngineLink } from '../main/cluster/engine-link.ts'
import { logsDir } from '../main/engine/data-layout.ts'

export interface RunCluster {
  /** The agent that ran a job, or this machine's name when it ran here. */
  agentOf(jobId: number): string
  close(): Promise<void>
}

export async function joinCluster(engine: Engine, redisUrl: string, dataDir: string): Promise<RunCluster> {
  const link: EngineLink = await linkEngineToCluster(engine, { redisUrl, logDir: logsDir(dataDir) })
  const here = hostname()
  return {
    agentOf: (jobId) => link.machineOf(jobId) ?? here,
    close: () => link.close(),
  }
}
