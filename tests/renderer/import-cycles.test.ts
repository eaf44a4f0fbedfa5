// The renderer's own guard against import circles (issue #9): reads every module under
// src/renderer/src, follows its runtime imports (type-only imports vanish when compiled, so
// they cannot form a circle at run time) and fails naming the circle if there is one.
import { describe, expect, it } from 'vitest'

/** Every renderer module's source, read by Vite at test time (no Node APIs in renderer tests). */
const SOURCES = import.meta.glob<string>(['../../src/renderer/src/**/*.ts', '../../src/renderer/src/**/*.vue', '!**/*.d.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
})
const PREFIX = '../../src/renderer/src/'

/** `a/b/../c.ts` → `a/c.ts`, for paths relative to src/renderer/src. */
function normalise(path: string): string {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '..') parts.pop()
    else if (part !== '.' && part !== '') parts.push(part)
  }
  return parts.join('/')
}

/** Relative specifiers a module imports or re-exports at run time. */
export function runtimeImports(source: string): string[] {
  const out: string[] = []
  const statement = /^\s*(import|export)\s+(type\s+)?([^'"`;]*?\bfrom\s+)?['"]([^'"]+)['"]/gm
  for (const match of source.matchAll(statement)) {
    const [, keyword, typeOnly, clause, specifier] = match
    if (typeOnly || !specifier?.startsWith('.')) continue
    if (keyword === 'export' && !clause) continue
    out.push(specifier)
  }
  return out
}

/** The first circle found in `graph` (module → modules it imports), as a path back to its start. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const done = new Set<string>()
  const onPath: string[] = []
  const visit = (node: string): string[] | null => {
    const at = onPath.indexOf(node)
    if (at >= 0) return [...onPath.slice(at), node]
    if (done.has(node)) return null
    onPath.push(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    onPath.pop()
    done.add(node)
    return null
  }
  for (const node of graph.keys()) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return null
}

function rendererGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const [key, source] of Object.entries(SOURCES)) {
    const file = key.slice(PREFIX.length)
    const dir = file.split('/').slice(0, -1).join('/')
    // Imports that climb out of src/renderer/src (shared/) cannot lead back into it.
    const deps = runtimeImports(source)
      .map((spec) => normalise(`${dir}/${spec}`))
      .filter((path) => `${PREFIX}${path}` in SOURCES)
    graph.set(file, deps)
  }
  return graph
}

describe('renderer import graph', () => {
  it('has no import circle', () => {
    const graph = rendererGraph()
    // The scan must see the modules that used to form circles, or it proves nothing.
    expect(graph.get('stores/jobs.ts')).toContain('api/api.ts')
    expect(graph.get('main.ts')).toContain('startup/start-session.ts')
    expect(findCycle(graph)?.join(' → ') ?? null).toBeNull()
  })

  it('finds a circle when there is one, and ignores type-only imports', () => {
    const source = [
      "import { a } from './a.ts'",
      "import type { B } from './b.ts'",
      "export { c } from './c.ts'",
      "import { defineStore } from 'pinia'",
    ].join('\n')
    expect(runtimeImports(source)).toEqual(['./a.ts', './c.ts'])
    const graph = new Map([
      ['session', ['connect']],
      ['connect', ['jobs']],
      ['jobs', ['session']],
    ])
    expect(findCycle(graph)).toEqual(['session', 'connect', 'jobs', 'session'])
  })
})
