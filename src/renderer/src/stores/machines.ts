// The cluster's machines as the host last reported them (the contract's `machines` event,
// pushed only when the host follows a cluster: `corelane serve --redis`). The list replaces
// itself on every event; `seen` turns the Machines view's tab on.
import { defineStore } from 'pinia'
import { computed, shallowRef, watch } from 'vue'
import type { MachineView } from '../../../shared/cluster.ts'
import { useSessionStore } from './session.ts'

export const useMachinesStore = defineStore('machines', () => {
  const list = shallowRef<MachineView[]>([])
  const seen = shallowRef(false)
  const live = computed(() => list.value.filter((m) => !m.gone))

  function set(machines: MachineView[]): void {
    list.value = machines
    seen.value = true
  }

  // Follows whichever API the session talks to (it changes on reconnect to another transport).
  const session = useSessionStore()
  let off: (() => void) | null = null
  watch(
    () => session.api,
    (api) => {
      off?.()
      off = api ? api.on('machines', set) : null
    },
    { immediate: true },
  )

  return { list, live, seen, set }
})
