// The window's keyboard shortcuts. Keys never fire while the user types in a field; space
// is left alone on buttons and other controls, where it means "press this".
import { onBeforeUnmount, onMounted } from 'vue'
import { useEngineStore } from '../stores/engine.ts'
import { useJobsStore } from '../stores/jobs.ts'
import { useUiStore } from '../stores/ui.ts'

export const SHORTCUTS: readonly { keys: string[]; action: string }[] = [
  { keys: ['n'], action: 'New job: focus the job form' },
  { keys: ['/'], action: 'Filter the job table' },
  { keys: ['Space'], action: 'Pause or resume the engine' },
  { keys: ['Delete'], action: 'Cancel the selected jobs' },
  { keys: ['r'], action: 'Retry the selected jobs' },
  { keys: ['l'], action: 'Open the concurrency lab (again: back to the work)' },
  { keys: ['h'], action: 'Open the job history (again: back to the work)' },
  { keys: ['?'], action: 'Show or hide this help' },
  { keys: ['Esc'], action: 'Close a dialog or panel' },
]

const TEXT_INPUT_TYPES = new Set(['', 'text', 'search', 'number', 'url', 'email', 'password', 'tel', 'date', 'time'])

/** True when the key should go to the focused element instead of a shortcut. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable) return true
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true
  if (target instanceof HTMLInputElement) return TEXT_INPUT_TYPES.has(target.type)
  return false
}

function isControl(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    !!target.closest('button, a[href], input, select, textarea, summary, [role="button"], [role="checkbox"]')
  )
}

export function handleShortcut(event: KeyboardEvent): boolean {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return false
  const ui = useUiStore()
  if (event.key === 'Escape') return ui.closeOverlays()
  if (isTyping(event.target)) return false
  switch (event.key) {
    case 'n':
      ui.requestFocus('job-form')
      return true
    case '/':
      ui.requestFocus('job-filter')
      return true
    case ' ':
      if (isControl(event.target)) return false
      void useEngineStore().togglePause()
      return true
    case 'Delete':
    case 'Backspace':
      void useJobsStore().cancel()
      return true
    case 'r':
      void useJobsStore().retry()
      return true
    case 'l':
      ui.toggleView('lab')
      return true
    case 'h':
      ui.toggleView('history')
      return true
    case '?':
      ui.helpOpen = !ui.helpOpen
      return true
    default:
      return false
  }
}

export function useShortcuts(): void {
  const onKeydown = (event: KeyboardEvent) => {
    if (handleShortcut(event)) event.preventDefault()
  }
  onMounted(() => window.addEventListener('keydown', onKeydown))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeydown))
}
