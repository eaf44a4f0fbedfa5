// A map that keeps about the newest `limit` entries: two generations, the older dropped whole
// when the newer fills. Evicting the oldest entry one by one from a Map (delete of
// keys().next()) leaves deleted slots at its head that every next() walks over again, which
// cost the controller more than the rest of a report's bookkeeping at 20,000 placements.
export class RecentMap<K, V> {
  private newer = new Map<K, V>()
  private older = new Map<K, V>()
  private readonly half: number

  constructor(limit: number) {
    this.half = Math.max(1, Math.ceil(limit / 2))
  }

  get(key: K): V | undefined {
    return this.newer.get(key) ?? this.older.get(key)
  }

  set(key: K, value: V): void {
    if (this.newer.size >= this.half) {
      this.older = this.newer
      this.newer = new Map()
    }
    this.newer.set(key, value)
  }
}
