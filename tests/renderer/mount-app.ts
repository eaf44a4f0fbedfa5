// Test helper: a real Pinia with the session started on the fake host (see fake-api.ts),
// then the component under test mounted with it.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Component } from 'vue'
import { useSessionStore } from '../../src/renderer/src/stores/session.ts'
import { createFakeApi, fakeLink } from './fake-api.ts'
import type { FakeApi } from './fake-api.ts'

export async function mountConnected(component: Component, fake: FakeApi = createFakeApi()) {
  const pinia = createPinia()
  setActivePinia(pinia)
  await useSessionStore().start(fakeLink(fake))
  const wrapper = mount(component, { global: { plugins: [pinia] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, fake, pinia }
}
