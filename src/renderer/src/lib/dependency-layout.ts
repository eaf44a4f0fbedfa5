// Where each job of a batch with dependencies goes in DependencyGraph.vue: a layered drawing
// (each job one column right of the last job it waits for, so edges run left to right),
// jobs within a column ordered near the jobs they wait for. Pure, so it is tested alone.

export interface GraphNodeInput {
  id: number
  /** Ids of the jobs it waits for (ids outside the input are ignored). */
  after: readonly number[]
}

export interface PlacedNode {
  id: number
  layer: number
  row: number
}

export interface GraphLayout {
  nodes: PlacedNode[]
  edges: { from: number; to: number }[]
  layers: number
  rows: number
}

/** Layers by longest path from a job that waits for nothing; a cycle (refused at submit) is cut. */
export function layoutGraph(input: readonly GraphNodeInput[]): GraphLayout {
  const ids = new Set(input.map((n) => n.id))
  const deps = new Map(input.map((n) => [n.id, n.after.filter((d) => ids.has(d) && d !== n.id)]))
  const dependents = new Map<number, number[]>(input.map((n) => [n.id, []]))
  const remaining = new Map<number, number>()
  for (const [id, list] of deps) {
    remaining.set(id, list.length)
    for (const d of list) dependents.get(d)!.push(id)
  }
  const layer = new Map<number, number>()
  const queue = input.filter((n) => remaining.get(n.id) === 0).map((n) => n.id)
  for (const id of queue) layer.set(id, 0)
  for (let q = 0; q < queue.length; q++) {
    const id = queue[q]!
    for (const next of dependents.get(id)!) {
      layer.set(next, Math.max(layer.get(next) ?? 0, layer.get(id)! + 1))
      const left = remaining.get(next)! - 1
      remaining.set(next, left)
      if (left === 0) queue.push(next)
    }
  }
  // Jobs on a cycle never reach 0 remaining: put them after everything else.
  const last = Math.max(0, ...layer.values())
  for (const n of input) if (!layer.has(n.id)) layer.set(n.id, last + 1)

  const columns: number[][] = []
  for (const n of [...input].sort((a, b) => a.id - b.id)) {
    const l = layer.get(n.id)!
    ;(columns[l] ??= []).push(n.id)
  }
  const row = new Map<number, number>()
  columns.forEach((column, l) => {
    if (l > 0) {
      // Each job near the mean row of the jobs it waits for (the barycentre heuristic).
      const centre = (id: number) => {
        const placed = deps.get(id)!.filter((d) => row.has(d))
        return placed.length ? placed.reduce((sum, d) => sum + row.get(d)!, 0) / placed.length : Infinity
      }
      column.sort((a, b) => centre(a) - centre(b) || a - b)
    }
    column.forEach((id, r) => row.set(id, r))
  })
  return {
    nodes: input.map((n) => ({ id: n.id, layer: layer.get(n.id)!, row: row.get(n.id)! })),
    edges: [...deps].flatMap(([to, list]) => list.map((from) => ({ from, to }))),
    layers: columns.length,
    rows: Math.max(0, ...columns.map((c) => c?.length ?? 0)),
  }
}
