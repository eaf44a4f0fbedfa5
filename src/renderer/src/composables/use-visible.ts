// Whether an element is on screen (in the viewport, its tab shown, the page visible), so
// animations such as the task stream run only while someone can see them.
import { onBeforeUnmount, onMounted, ref } from 'vue'
import type { Ref } from 'vue'

export function useVisible(target: Ref<HTMLElement | null | undefined>): Ref<boolean> {
  const inView = ref(false)
  const pageVisible = ref(typeof document === 'undefined' || document.visibilityState !== 'hidden')
  const visible = ref(false)
  let observer: IntersectionObserver | null = null

  const update = () => {
    visible.value = inView.value && pageVisible.value
  }
  const onVisibility = () => {
    pageVisible.value = document.visibilityState !== 'hidden'
    update()
  }

  onMounted(() => {
    document.addEventListener('visibilitychange', onVisibility)
    if (typeof IntersectionObserver === 'undefined' || !target.value) {
      inView.value = true
      return update()
    }
    observer = new IntersectionObserver((entries) => {
      inView.value = entries.some((e) => e.isIntersecting)
      update()
    })
    observer.observe(target.value)
  })
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility)
    observer?.disconnect()
  })
  return visible
}
