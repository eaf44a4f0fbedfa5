// Test helper: a real Pinia with the session started on the fake host (see fake-api.ts),
// then the component under test mounted with it, and unmounted again when the test ends
// (passed or failed), so no test file keeps its own afterEach for that.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { onTestFinished } from 'vitest'
import type { Component } from 'vue'
import { startSession } from '../../src/renderer/src/startup/start-session.ts'
import { createFakeApi, fakeLink } from './fake-api.ts'
import type { FakeApi } from './fake-api.ts'

/** Call it inside a test: the unmount is tied to the test that is running. */
export async function mountConnected(component: Component, fake: FakeApi = createFakeApi()) {
  const pinia = createPinia()
  setActivePinia(pinia)
  await startSession(fakeLink(fake))
  const wrapper = mount(component, { global: { plugins: [pinia] }, attachTo: document.body })
  onTestFinished(() => wrapper.unmount())
  await flushPromises()
  return { wrapper, fake, pinia }
}
