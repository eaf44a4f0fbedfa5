// One shared clock for live durations: ticks only while some component uses it and the page
// is visible, so an idle or hidden window does no work.
import { onScopeDispose, readonly, ref } from 'vue'
import type { Ref } from 'vue'

const now = ref(Date.now())
let users = 0
let timer: ReturnType<typeof setInterval> | null = null
const TICK_MS = 500

function tick(): void {
  if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return
  now.value = Date.now()
}

export function useNow(): Readonly<Ref<number>> {
  users++
  if (!timer) {
    // The clock may have stood still while nobody used it: start from the present.
    now.value = Date.now()
    timer = setInterval(tick, TICK_MS)
  }
  onScopeDispose(() => {
    users--
    if (!users && timer) {
      clearInterval(timer)
      timer = null
    }
  })
  return readonly(now)
}
