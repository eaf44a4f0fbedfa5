// The cluster's machines as the host last reported them (the contract's `machines` event,
// pushed only when the host follows a cluster: `corelane serve --redis`, or the
// `clusterRedisUrl` setting; start-up wires it in startup/connect.ts). The list replaces
// itself on every event; `seen` turns the Machines view's tab on. `link` is the host's link to
// the cluster its settings name (the `cluster` event), shown on the Settings screen.
import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { ClusterLinkStatus, MachineView } from '../../../shared/cluster.ts'

export const useMachinesStore = defineStore('machines', () => {
  const list = shallowRef<MachineView[]>([])
  const seen = shallowRef(false)
  const live = computed(() => list.value.filter((m) => !m.gone))
  const link = shallowRef<ClusterLinkStatus | null>(null)

  function set(machines: MachineView[]): void {
    list.value = machines
    seen.value = true
  }

  /** Takes the host's new link status; returns the one it replaces. */
  function setLink(status: ClusterLinkStatus): ClusterLinkStatus | null {
    const previous = link.value
    link.value = status
    return previous
  }

  return { list, live, seen, set, link, setLink }
})
