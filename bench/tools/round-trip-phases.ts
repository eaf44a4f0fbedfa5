// Where in a process two engines' round trips differ: an A/B of two checkouts of Corelane
// (say, main and the tree before a change), each driven as the latency measure drives it
// (`engine.run({ kind: 'noop' })` on threads, one at a time), with the p50 of each stretch of
// trips printed on its own. The bench's latency rows time one window of a process's life; V8
// compiles the engine's code in tiers as it runs (Maglev after about 400 calls of a function,
// TurboFan after about 3,000), so a window early in a process and one later can disagree, and
// this shows which stretch a difference is in. Processes alternate A, B, B, A, … so a drift of
// the host falls on both alike.
//
//   node bench/tools/round-trip-phases.ts <treeA> <treeB> [--pairs 24] [--segment 2000] [--segments 11] [--unpinned]
//     [--node-flags '<flags>']   (given to both trees' processes, e.g. '--single-threaded-gc', to test a cause)
//
// A tree is a checkout's root (its src/main/engine/index.ts is imported). Pinned by default:
// the whole process on CPU 0 (taskset), where a round trip's cost is the code's own.
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { median } from '../lib/stats.ts'

interface Options {
  trees: [string, string]
  pairs: number
  segment: number
  segments: number
  pinned: boolean
  nodeFlags: string[]
}

function parse(argv: string[]): Options {
  const trees: string[] = []
  const options = { pairs: 24, segment: 2000, segments: 11, pinned: true, nodeFlags: [] as string[] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const count = (): number => {
      const value = Number(argv[++i])
      if (!Number.isInteger(value) || value < 1) throw new Error(`${arg} needs a whole number ≥ 1`)
      return value
    }
    if (arg === '--pairs') options.pairs = count()
    else if (arg === '--segment') options.segment = count()
    else if (arg === '--segments') options.segments = count()
    else if (arg === '--unpinned') options.pinned = false
    else if (arg === '--node-flags') {
      const flags = argv[++i]?.split(/\s+/).filter(Boolean) ?? []
      if (flags.length === 0) throw new Error('--node-flags needs the flags, quoted as one argument')
      options.nodeFlags = flags
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`)
    else trees.push(resolve(arg))
  }
  if (trees.length !== 2) throw new Error('give two trees: <treeA> <treeB>')
  return { ...options, trees: [trees[0]!, trees[1]!] }
}

/** In a child process: one engine of `tree`, `segments` stretches of `segment` trips; prints each stretch's p50 (µs). */
async function child(tree: string, segment: number, segments: number): Promise<void> {
  const { createEngine, forkProcessHost } = await import(pathToFileURL(join(tree, 'src/main/engine/index.ts')).href)
  const dataDir = await mkdtemp(join(tmpdir(), 'corelane-phases-'))
  const engine = createEngine({ processHost: forkProcessHost, dataDir })
  const spec = { kind: 'noop', params: {}, executor: 'thread' } as const
  const p50s: number[] = []
  try {
    for (let s = 0; s < segments; s++) {
      const us: number[] = new Array(segment)
      for (let i = 0; i < segment; i++) {
        const t0 = performance.now()
        const view = await engine.run(spec)
        if (view.state !== 'succeeded') throw new Error(`job ${view.id} ended ${view.state}`)
        us[i] = (performance.now() - t0) * 1000
      }
      p50s.push(median(us))
    }
  } finally {
    await engine.close()
    await rm(dataDir, { recursive: true, force: true })
  }
  console.log(JSON.stringify(p50s))
}

function runChild(tree: string, options: Options): number[] {
  const node = process.execPath
  const args = [...options.nodeFlags, import.meta.filename, '--child', tree, String(options.segment), String(options.segments)]
  const out = options.pinned
    ? execFileSync('taskset', ['-c', '0', node, ...args], { encoding: 'utf8' })
    : execFileSync(node, args, { encoding: 'utf8' })
  return JSON.parse(out.trim().split('\n').pop()!) as number[]
}

function main(options: Options): void {
  const [a, b] = options.trees
  const runs: { a: number[]; b: number[] }[] = []
  for (let pair = 0; pair < options.pairs; pair++) {
    // A B, then B A: each tree runs first in half the pairs.
    const first = pair % 2 === 0 ? runChild(a, options) : null
    const second = runChild(b, options)
    runs.push({ a: first ?? runChild(a, options), b: second })
    if (process.stderr.isTTY) process.stderr.write(`pair ${pair + 1}/${options.pairs}\r`)
  }
  if (process.stderr.isTTY) process.stderr.write('\x1b[K')
  const cell = (v: number, digits = 1) => v.toFixed(digits).padStart(8)
  const segments = Array.from({ length: options.segments }, (_, s) => s)
  console.log(
    `A: ${a}\nB: ${b}\n${options.pairs} pairs, ${options.pinned ? 'on CPU 0' : 'unpinned'}${options.nodeFlags.length ? `, node ${options.nodeFlags.join(' ')}` : ''}; p50 of each ${options.segment} trips (µs)`,
  )
  console.log('trips from  ' + segments.map((s) => String(s * options.segment).padStart(8)).join(''))
  console.log('A, median  ' + segments.map((s) => cell(median(runs.map((r) => r.a[s]!)))).join(''))
  console.log('B, median  ' + segments.map((s) => cell(median(runs.map((r) => r.b[s]!)))).join(''))
  console.log('A ÷ B pairs' + segments.map((s) => cell(median(runs.map((r) => r.a[s]! / r.b[s]!)), 2)).join(''))
  console.log(
    'A slower   ' +
      segments.map((s) => String(runs.filter((r) => r.a[s]! > r.b[s]!).length).padStart(8)).join('') +
      `  (of ${options.pairs})`,
  )
}

if (process.argv[2] === '--child') await child(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]))
else main(parse(process.argv.slice(2)))
