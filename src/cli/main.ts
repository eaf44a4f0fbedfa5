#!/usr/bin/env node
// The `corelane` command: headless front-ends on plain Node (run a batch, list kinds, serve
// the UI to a browser). Bad input ends with exit code 2 and a message naming the field.
// Each command's module is imported only when that command runs: start-up is most of a short
// batch's time, and the lab alone costs more to load than the rest of the CLI together.
import { checkFlags, HistoryFlagsSchema, LabFlagsSchema, parseCommandLine, RunFlagsSchema } from './args.ts'
import { InputError } from './input-error.ts'
import { CONTROL_FLAGS, CONTROL_USAGE } from './controls/flags.ts'
import { exitPastStuckThreads } from '../main/engine/executors/abandoned-threads.ts'

const USAGE = `Usage: corelane <command> [options]

Commands:
  run <batch.json | ->   Run a batch file (or JSON on standard input) headless
      --json                 one JSON line per finished job, then a summary line
      --cpu-slots N          CPU-lane slots (default: the core count)
      --io-concurrency N     I/O-lane jobs at once (default 1000)
      --executor E           thread | process | auto, for every job
      --pin                  pin CPU workers to cores (Linux)
      --data-dir DIR         where the job database, logs and large results go
      --resume               run again the unfinished jobs of this file's last run
      --reset-db             keep a damaged database aside and start a new one
      -q, --quiet            no progress bar or summary
${CONTROL_USAGE}
      --redis URL            also run it on a cluster's agents (or CORELANE_REDIS_URL)
      --redis-ca FILE        with rediss://: the CA its certificate must chain to (or
                             CORELANE_REDIS_CA; run, serve, agent and agents take it)
  agent --redis URL [--name N] [--cpu-slots N] [--io-concurrency N] [--data-dir DIR]
        [--allow-shell] [--allow-script] [--lock-ms N] [--stalled-ms N] [--drain-ms N]
                         Join a cluster: take jobs from its Redis and run them here
  agents --redis URL [--json] [--cpu-slots N] [--io-concurrency N] [--name AGENT]
                         The cluster's machines: cores, load, slots, running jobs;
                         with --cpu-slots / --io-concurrency, change them first (every
                         agent, or the one --name says)
  history [--state S] [--kind K] [--batch N] [--text T] [--limit N] [--offset N]
          [--format table|json|csv|joblog] [--data-dir DIR]
                         Past jobs from the database, filtered and paged
  lab [experiment] [--pool N] [--quick] [--python] [--json | --csv]
                         Run a classic concurrency experiment (no experiment: list them);
                         exit 1 when a measured result misses its expectation
  kinds [--json]         List the job kinds and their params
  serve [--port N] [--host 127.0.0.1] [--data-dir DIR] [--cpu-slots N]
        [--io-concurrency N] [--token-file FILE | --token T] [--reset-db] [--redis URL]
                         Serve the UI and the engine to a browser (web mode);
                         prints http://127.0.0.1:PORT/?token=… (a random 256-bit
                         token unless --token-file, CORELANE_TOKEN or --token
                         gives a random-looking one of 32+ characters)
  monitor [--json] [--interval MS] [--count N] [--recording FILE]
                         Per-core load, frequency, temperature, memory, GPUs and
                         the top processes with their cores, every MS (250..2000,
                         default 1000) until Ctrl-C or N samples; --json: one line
                         per sample; --recording: replay a recorded machine

Exit codes: 0 all jobs succeeded and are saved, 1 some did not, 2 invalid input, an
unusable data folder or Redis unreachable, 3 job records could not be saved (a full disk)
and the wait was given up.`

const CLUSTER_COMMANDS = new Set(['run', 'serve', 'agent', 'agents'])
/** The same name as src/main/cluster/redis.ts's REDIS_CA_ENV (not imported: that module loads ioredis). */
const REDIS_CA_ENV = 'CORELANE_REDIS_CA'

export async function main(argv: string[]): Promise<number> {
  const { command, positionals, values } = parseCommandLine(argv)
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return command === undefined && !values.help ? 2 : 0
  }
  // --redis-ca FILE, for every command that reaches a cluster: the CA a rediss:// server's
  // certificate must chain to (the same as CORELANE_REDIS_CA; redis.ts reads it).
  if (typeof values['redis-ca'] === 'string' && CLUSTER_COMMANDS.has(command)) {
    process.env[REDIS_CA_ENV] = values['redis-ca']
    delete values['redis-ca']
  }
  switch (command) {
    case 'run': {
      const flags = checkFlags(RunFlagsSchema, values, [
        'cpu-slots',
        'io-concurrency',
        'executor',
        'data-dir',
        'json',
        'pin',
        'quiet',
        'resume',
        'reset-db',
        ...CONTROL_FLAGS,
        'redis',
      ])
      if (positionals.length > 1)
        throw new InputError('arguments', [{ field: positionals[1]!, message: 'unexpected argument (one batch file per run)' }])
      const { runCommand } = await import('./run-command.ts')
      const redis = flags.redis ?? process.env.CORELANE_REDIS_URL
      return runCommand(positionals[0], { ...flags, redis }, { out: process.stdout, err: process.stderr })
    }
    case 'history': {
      const flags = checkFlags(HistoryFlagsSchema, values, [
        'state',
        'kind',
        'batch',
        'text',
        'limit',
        'offset',
        'format',
        'data-dir',
      ])
      const { historyCommand } = await import('./history-command.ts')
      return historyCommand(flags, process.stdout)
    }
    case 'lab': {
      const flags = checkFlags(LabFlagsSchema, values, ['pool', 'quick', 'python', 'json', 'csv', 'data-dir'])
      const { labCommand } = await import('./lab-command.ts')
      return labCommand(positionals[0], flags, process.stdout)
    }
    case 'kinds': {
      checkFlags(RunFlagsSchema, values, ['json'])
      const { kindsCommand } = await import('./kinds-command.ts')
      return kindsCommand(values.json === true, process.stdout)
    }
    case 'serve': {
      const { serveCommand } = await import('./serve-command.ts')
      return serveCommand(values)
    }
    case 'agent': {
      const { agentCommand } = await import('./agent-command.ts')
      return agentCommand(values)
    }
    case 'agents': {
      const { agentsCommand } = await import('./agents-command.ts')
      return agentsCommand(values, process.stdout)
    }
    case 'monitor': {
      const { monitorCommand } = await import('./monitor-command.ts')
      const interrupted = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
      return monitorCommand(values, { out: process.stdout, interrupted })
    }
    default:
      throw new InputError('arguments', [
        { field: command, message: 'unknown command (try: run, history, lab, kinds, serve, monitor, agent, agents)' },
      ])
  }
}

// A worker thread stuck in a system call would hold the exit forever (Node joins every thread).
// Registered first and meant to stay the only 'exit' listener: once it replaces the process,
// no listener after it runs.
process.on('exit', exitPastStuckThreads)

// A reader that goes away early (`corelane kinds | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

main(process.argv.slice(2)).then(
  (code) => {
    // Wait for stdout to drain (a pipe may be slow), then leave with the right code.
    process.exitCode = code
  },
  (error: unknown) => {
    if ((error as Error)?.name === 'ClusterConnectError') {
      // An unreachable (or too old) Redis is a problem with the input (the URL, or the network):
      // exit 2 at once (the failed Redis client's timers would hold the process a few seconds more).
      process.stderr.write(`corelane: ${(error as Error).message}\n`, () => process.exit(2))
    } else if (error instanceof InputError) {
      process.stderr.write(`corelane: invalid input: ${error.message}\n`)
      process.exitCode = 2
    } else {
      process.stderr.write(`corelane: ${(error as Error)?.message ?? String(error)}\n`)
      process.exitCode = 1
    }
  },
)
