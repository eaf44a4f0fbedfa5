// The engine's state and knobs: counts, limits, pause/resume and placement support.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { EngineLimits, EngineStats } from '../../../shared/job.ts'
import { call } from '../api/api.ts'
import { runCommand } from '../api/run-command.ts'

export const useEngineStore = defineStore('engine', () => {
  const stats = shallowRef<EngineStats | null>(null)
  const busy = ref(false)
  const paused = computed(() => stats.value?.paused ?? false)
  const limits = computed(() => stats.value?.limits ?? null)
  const cores = computed(() => stats.value?.cores ?? 0)

  function set(next: EngineStats): void {
    stats.value = next
  }

  async function run(title: string, action: () => Promise<EngineStats>): Promise<boolean> {
    busy.value = true
    try {
      const next = await runCommand(title, action)
      if (next) set(next)
      return next !== undefined
    } finally {
      busy.value = false
    }
  }

  const pause = () => run('Could not pause', () => call('pause', {}))
  const resume = () => run('Could not resume', () => call('resume', {}))
  const togglePause = () => (paused.value ? resume() : pause())
  const setLimits = (patch: Partial<EngineLimits>) => run('Could not change the limits', () => call('setLimits', patch))

  return { stats, busy, paused, limits, cores, set, pause, resume, togglePause, setLimits }
})
