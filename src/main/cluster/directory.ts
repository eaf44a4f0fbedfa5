// The machines of a cluster as a controller sees them: each agent's last telemetry, read from
// the agents hash at start and kept current from the telemetry channel. It gives the remote
// executor its capacity (the live agents' concurrency) and the Machines view its data.
import type { Redis } from 'ioredis'
import {
  AGENT_GONE_MS,
  TelemetrySchema,
  parseClusterMessage,
  type AgentTelemetry,
  type MachineView,
} from '../../shared/cluster.ts'
import { KEYS } from './redis.ts'

/** Every agent in the hash, with `gone` for those unheard for AGENT_GONE_MS; bad entries are skipped and named. */
export async function readAgents(connection: Redis, now = Date.now()): Promise<{ machines: MachineView[]; problems: string[] }> {
  const entries = await connection.hgetall(KEYS.agents)
  const machines: MachineView[] = []
  const problems: string[] = []
  for (const [name, text] of Object.entries(entries)) {
    const parsed = parseClusterMessage(TelemetrySchema, text)
    if (parsed.ok) machines.push({ ...parsed.value, gone: now - parsed.value.at > AGENT_GONE_MS })
    else problems.push(`agent ${JSON.stringify(name)}: ${parsed.error}`)
  }
  machines.sort((a, b) => a.name.localeCompare(b.name))
  return { machines, problems }
}

export class ClusterDirectory {
  private readonly agents = new Map<string, AgentTelemetry>()
  private readonly listeners = new Set<(machines: MachineView[]) => void>()
  private readonly subscriber: Redis
  private readonly connection: Redis

  /** `subscriber` is put in subscriber mode: give it a connection of its own. */
  constructor(connection: Redis, subscriber: Redis) {
    this.connection = connection
    this.subscriber = subscriber
    subscriber.on('message', (_channel: string, text: string) => {
      const parsed = parseClusterMessage(TelemetrySchema, text)
      if (!parsed.ok) return
      if (parsed.value.state === 'leaving') this.agents.delete(parsed.value.name)
      else this.agents.set(parsed.value.name, parsed.value)
      for (const listener of this.listeners) listener(this.machines())
    })
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(KEYS.telemetry)
    for (const machine of (await readAgents(this.connection)).machines) if (!machine.gone) this.agents.set(machine.name, machine)
  }

  machines(now = Date.now()): MachineView[] {
    return [...this.agents.values()]
      .map((a) => ({ ...a, gone: now - a.at > AGENT_GONE_MS }))
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Packs the live agents take at once. */
  capacity(now = Date.now()): number {
    let total = 0
    for (const agent of this.agents.values())
      if (now - agent.at <= AGENT_GONE_MS && agent.state === 'ready') total += agent.concurrency
    return total
  }

  onChange(listener: (machines: MachineView[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    this.listeners.clear()
    this.subscriber.disconnect()
  }
}
