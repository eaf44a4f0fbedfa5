// Is a value a tree of plain JSON data (objects, arrays, strings, numbers, booleans, null)?
// The worker runtime only reports results like that, but a user script shares its worker and
// can post lookalike events; a BigInt, a Map or a cycle would then break the database write,
// the web clients' JSON and the window's result column. Walks without allocating; a depth or
// size beyond the limits (a cycle reaches them) counts as not JSON.

const MAX_DEPTH = 200
const MAX_NODES = 200_000

export function isJsonTree(value: unknown): boolean {
  let nodes = 0
  const walk = (node: unknown, depth: number): boolean => {
    if (++nodes > MAX_NODES) return false
    if (node === null || node === undefined) return true
    switch (typeof node) {
      case 'string':
      case 'number':
      case 'boolean':
        return true
      case 'object': {
        if (depth >= MAX_DEPTH) return false
        if (Array.isArray(node)) {
          for (const item of node) if (!walk(item, depth + 1)) return false
          return true
        }
        const proto: unknown = Object.getPrototypeOf(node)
        if (proto !== Object.prototype && proto !== null) return false
        for (const key in node) if (!walk((node as Record<string, unknown>)[key], depth + 1)) return false
        return true
      }
      default:
        return false
    }
  }
  return walk(value, 0)
}
