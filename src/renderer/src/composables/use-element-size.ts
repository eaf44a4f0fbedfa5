// An element's content size, kept current with a ResizeObserver (for canvases and charts).
import { onBeforeUnmount, onMounted, ref } from 'vue'
import type { Ref } from 'vue'

export function useElementSize(target: Ref<HTMLElement | null | undefined>): { width: Ref<number>; height: Ref<number> } {
  const width = ref(0)
  const height = ref(0)
  let observer: ResizeObserver | null = null

  const measure = () => {
    const el = target.value
    if (!el) return
    width.value = el.clientWidth
    height.value = el.clientHeight
  }

  onMounted(() => {
    measure()
    if (typeof ResizeObserver === 'undefined' || !target.value) return
    observer = new ResizeObserver(measure)
    observer.observe(target.value)
  })
  onBeforeUnmount(() => observer?.disconnect())
  return { width, height }
}
