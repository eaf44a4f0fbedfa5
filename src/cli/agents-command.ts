// `corelane agents --redis <url> [--json]`: the cluster's machines as their telemetry last
// said: cores and their load, slots, memory, running jobs and when each was last heard.
// With --cpu-slots or --io-concurrency it first changes them on every agent (or on --name),
// through the control channel, and lists the machines once they say so.
import type { ControlMessage } from '../shared/cluster.ts'
import { readAgents } from '../main/cluster/directory.ts'
import { KEYS, connectRedis, probeRedis } from '../main/cluster/redis.ts'
import { AgentsFlagsSchema, checkFlags } from './args.ts'

export async function agentsCommand(values: Record<string, unknown>, out: NodeJS.WritableStream): Promise<number> {
  const flags = checkFlags(AgentsFlagsSchema, { ...values, redis: values.redis ?? process.env.CORELANE_REDIS_URL }, [
    'redis',
    'json',
    'name',
    'cpu-slots',
    'io-concurrency',
  ])
  await probeRedis(flags.redis)
  const connection = connectRedis(flags.redis, 'corelane-agents')
  try {
    const cpuSlots = flags['cpu-slots']
    const ioConcurrency = flags['io-concurrency']
    if (cpuSlots !== undefined || ioConcurrency !== undefined) {
      const message: ControlMessage = { t: 'limits', agent: flags.name ?? null, cpuSlots, ioConcurrency }
      const heard = await connection.publish(KEYS.control, JSON.stringify(message))
      process.stderr.write(`corelane agents: sent to ${heard} agent(s)${flags.name ? ` (for ${flags.name})` : ''}\n`)
      // Each agent publishes its telemetry as soon as it applied the change.
      const applied = async () =>
        (await readAgents(connection)).machines
          .filter((m) => !m.gone && (!flags.name || m.name === flags.name))
          .every(
            (m) =>
              (cpuSlots === undefined || m.cpuSlots === cpuSlots) &&
              (ioConcurrency === undefined || m.ioConcurrency === ioConcurrency),
          )
      for (let i = 0; i < 30 && !(await applied()); i++) await new Promise((r) => setTimeout(r, 100))
    }
    const { machines, problems } = await readAgents(connection)
    const now = Date.now()
    if (flags.json) {
      for (const m of machines) out.write(`${JSON.stringify({ ...m, lastSeenMs: now - m.at })}\n`)
    } else if (machines.length === 0) out.write('no agents\n')
    else {
      out.write('name             state    cores  slots  load per core             mem used    running  last seen\n')
      for (const m of machines) {
        const load = m.cores.map((c) => String(Math.round(c)).padStart(3)).join(' ')
        const state = m.gone ? 'gone' : m.state
        out.write(
          `${m.name.padEnd(16)} ${state.padEnd(8)} ${String(m.cores.length).padStart(5)}  ${String(m.cpuSlots).padStart(5)}  ${load.padEnd(24)}  ${`${(m.memUsed / 2 ** 30).toFixed(1)}/${(m.memTotal / 2 ** 30).toFixed(1)} GiB`.padEnd(10)}  ${String(m.running).padStart(7)}  ${((now - m.at) / 1000).toFixed(1)} s ago\n`,
        )
      }
    }
    for (const problem of problems) process.stderr.write(`corelane agents: skipped ${problem}\n`)
    return 0
  } finally {
    connection.disconnect()
  }
}
