// `corelane agent --redis <url>`: joins a cluster and runs the jobs it takes on this
// machine's own engine (see src/main/cluster/agent.ts). Built-in kinds only unless
// --allow-shell / --allow-script say otherwise: an agent runs what anyone who can write to
// the queue sends. SIGTERM or SIGINT: stop taking work, finish (or hand back after
// --drain-ms) what runs, leave with code 0. An unreachable Redis at start: exit 2.
import { hostname } from 'node:os'
import { Agent } from '../main/cluster/agent.ts'
import { safeUrl } from '../main/cluster/redis.ts'
import { agentDataDir } from '../main/engine/data-layout.ts'
import { AgentFlagsSchema, checkFlags } from './args.ts'
import { defaultDataDir } from './data-dir.ts'
import { availableParallelism } from 'node:os'

const FLAGS = [
  'redis',
  'name',
  'cpu-slots',
  'io-concurrency',
  'data-dir',
  'allow-shell',
  'allow-script',
  'lock-ms',
  'stalled-ms',
  'drain-ms',
]

export async function agentCommand(values: Record<string, unknown>): Promise<number> {
  const flags = checkFlags(AgentFlagsSchema, { ...values, redis: values.redis ?? process.env.CORELANE_REDIS_URL }, FLAGS)
  const name =
    flags.name ??
    hostname()
      .replace(/[^\w.@-]/g, '_')
      .slice(0, 120)
  const agent = new Agent({
    redisUrl: flags.redis,
    name,
    dataDir: flags['data-dir'] ?? agentDataDir(defaultDataDir(), name),
    cpuSlots: flags['cpu-slots'] ?? availableParallelism(),
    ioConcurrency: flags['io-concurrency'],
    allowShell: flags['allow-shell'],
    allowScript: flags['allow-script'],
    lockDurationMs: flags['lock-ms'],
    stalledIntervalMs: flags['stalled-ms'],
    drainMs: flags['drain-ms'],
  })
  await agent.start()
  process.stderr.write(
    `corelane agent ${name}: ready on ${safeUrl(flags.redis)} (${flags['cpu-slots'] ?? availableParallelism()} CPU slots${flags['allow-shell'] ? ', shell allowed' : ''}${flags['allow-script'] ? ', script allowed' : ''})\n`,
  )
  // A bad message or a failed Redis call must never take the agent down: log it and go on.
  process.on('unhandledRejection', (error) =>
    process.stderr.write(`corelane agent ${name}: ${(error as Error)?.message ?? String(error)}\n`),
  )
  await new Promise<void>((resolve) => {
    const leave = () => {
      process.stderr.write(`corelane agent ${name}: leaving\n`)
      agent.leave().then(resolve, resolve)
    }
    process.once('SIGTERM', leave)
    process.once('SIGINT', leave)
  })
  return 0
}
