// The job kinds the engine offers, with their params JSON Schemas, as the snapshot sent them.
import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { KindDescriptor } from '../../../shared/contract.ts'

export const useKindsStore = defineStore('kinds', () => {
  const list = shallowRef<KindDescriptor[]>([])
  const visible = computed(() => list.value.filter((k) => !k.hidden))
  const byName = computed(() => new Map(list.value.map((k) => [k.name as string, k])))

  function set(kinds: KindDescriptor[]): void {
    list.value = kinds
  }

  function get(name: string): KindDescriptor | undefined {
    return byName.value.get(name)
  }

  return { list, visible, set, get }
})
