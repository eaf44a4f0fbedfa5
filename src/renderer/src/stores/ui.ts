// View state shared between distant components: the top-level view (work, lab, history), the
// work area's tab, open dialogs, and focus requests from keyboard shortcuts (`n` focuses the
// job form, `/` the job filter).
import { defineStore } from 'pinia'
import { ref } from 'vue'

export type View = 'work' | 'lab' | 'history' | 'machines'
export type Tab = 'jobs' | 'workers' | 'stream' | 'processes' | 'hardware'
export type FocusTarget = 'job-form' | 'job-filter'

export const useUiStore = defineStore('ui', () => {
  const view = ref<View>('work')
  const tab = ref<Tab>('jobs')
  const helpOpen = ref(false)
  /** The job whose log is shown in the side panel. */
  const logJobId = ref<number | null>(null)
  const focusRequest = ref<{ target: FocusTarget; seq: number } | null>(null)
  let seq = 0

  function requestFocus(target: FocusTarget): void {
    // Both targets live in the work view.
    view.value = 'work'
    if (target === 'job-filter') tab.value = 'jobs'
    focusRequest.value = { target, seq: ++seq }
  }

  /** Shows `next`; asking for the view already shown goes back to the work view (a toggle). */
  function toggleView(next: View): void {
    view.value = view.value === next ? 'work' : next
  }

  function openLog(id: number): void {
    logJobId.value = id
  }

  function closeOverlays(): boolean {
    const open = helpOpen.value || logJobId.value !== null
    helpOpen.value = false
    logJobId.value = null
    return open
  }

  return { view, tab, helpOpen, logJobId, focusRequest, requestFocus, toggleView, openLog, closeOverlays }
})
