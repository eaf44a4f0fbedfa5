// The cluster's machines as the host last reported them (the contract's `machines` event,
// pushed only when the host follows a cluster: `corelane serve --redis`; start-up wires it in
// startup/connect.ts). The list replaces itself on every event; `seen` turns the Machines
// view's tab on.
import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { MachineView } from '../../../shared/cluster.ts'

export const useMachinesStore = defineStore('machines', () => {
  const list = shallowRef<MachineView[]>([])
  const seen = shallowRef(false)
  const live = computed(() => list.value.filter((m) => !m.gone))

  function set(machines: MachineView[]): void {
    list.value = machines
    seen.value = true
  }

  return { list, live, seen, set }
})
