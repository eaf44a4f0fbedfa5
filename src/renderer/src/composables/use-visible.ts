// Whether an element is on screen (in the viewport, its tab shown, the page visible), so
// animations such as the task stream run only while someone can see them.
import { computed, onBeforeUnmount, onMounted, ref } from 'vue'
import type { Ref } from 'vue'

export function useVisible(target: Ref<HTMLElement | null | undefined>): Readonly<Ref<boolean>> {
  const inView = ref(false)
  const pageVisible = ref(typeof document === 'undefined' || document.visibilityState !== 'hidden')
  let observer: IntersectionObserver | null = null

  const onVisibility = () => {
    pageVisible.value = document.visibilityState !== 'hidden'
  }

  onMounted(() => {
    document.addEventListener('visibilitychange', onVisibility)
    if (typeof IntersectionObserver === 'undefined' || !target.value) {
      inView.value = true
      return
    }
    observer = new IntersectionObserver((entries) => {
      inView.value = entries.some((e) => e.isIntersecting)
    })
    observer.observe(target.value)
  })
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility)
    observer?.disconnect()
  })
  return computed(() => inView.value && pageVisible.value)
}
