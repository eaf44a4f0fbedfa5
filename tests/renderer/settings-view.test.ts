// The settings screen against the REAL host side: the API host the IPC bridge and the
// WebSocket server both dispatch to, over a real settings file in a temporary folder (and a
// real, paused engine). Loading, saving only what changed, refusing a bad value with the field
// named (before sending, and by the host), and web mode's desktop-only settings shown but locked.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { h } from 'vue'
import AppToolbar from '../../src/renderer/src/components/AppToolbar.vue'
import SettingsView from '../../src/renderer/src/components/SettingsView.vue'
import { startSession } from '../../src/renderer/src/startup/start-session.ts'
import type { CommandName, CommandResponse, CorelaneApi, EventName } from '../../src/shared/contract.ts'

/** tests/engine/host/real-settings-host.ts, loaded at run time (it is Node code; see there). */
interface RealSettingsHost {
  handle(command: unknown, input: unknown): Promise<CommandResponse<CommandName>>
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void
  readSaved(): Promise<Record<string, unknown>>
  close(): Promise<void>
}
const HOST_MODULE = '../engine/host/real-settings-host.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** The host as web mode builds it (desktop: false) or the desktop app (desktop: true). */
async function host(desktop: boolean) {
  const { startRealSettingsHost } = (await import(/* @vite-ignore */ HOST_MODULE)) as {
    startRealSettingsHost(desktop: boolean): Promise<RealSettingsHost>
  }
  const real = await startRealSettingsHost(desktop)
  const sent: { command: string; input: unknown }[] = []
  // What a transport does: send (name, input), unwrap the CommandResponse.
  const api: CorelaneApi = {
    async call(command, input) {
      sent.push({ command, input })
      const response = await real.handle(command, input)
      if (!response.ok) throw response.error
      return response.value as never
    },
    on: (event, listener) => real.subscribe((name, payload) => name === event && listener(payload as never)),
  }
  cleanups.push(() => real.close())
  return { api, sent, readSaved: real.readSaved }
}

async function mountWith(api: CorelaneApi) {
  const pinia = createPinia()
  setActivePinia(pinia)
  await startSession({
    api,
    status: () => ({ via: 'ws' as const, state: 'open' as const, attempt: 0, retryAt: null, reason: null }),
    onStatus: () => () => {},
    reconnectNow: () => {},
    close: () => {},
  })
  // The screen opens from the toolbar's button.
  const wrapper = mount(
    { render: () => [h(AppToolbar), h(SettingsView)] },
    { global: { plugins: [pinia] }, attachTo: document.body },
  )
  onTestFinished(() => wrapper.unmount())
  await wrapper.get('header.toolbar [data-testid="settings-open"]').trigger('click')
  await flushPromises()
  return wrapper
}

describe('Settings screen', () => {
  it('loads the saved settings, saves only what changed, and the host keeps them', async () => {
    const { api, sent, readSaved } = await host(true)
    const wrapper = await mountWith(api)
    expect(wrapper.get('[data-testid="settings"]').attributes('role')).toBe('dialog')
    expect((wrapper.get('[data-testid="settings-cpuSlots"]').element as HTMLInputElement).value).toBe('')
    expect((wrapper.get('[data-testid="settings-launchAtLogin"]').element as HTMLInputElement).checked).toBe(false)
    expect((wrapper.get('[data-testid="settings-save"]').element as HTMLButtonElement).disabled).toBe(true)

    await wrapper.get('[data-testid="settings-cpuSlots"]').setValue('6')
    await wrapper.get('[data-testid="settings-theme"]').setValue('dark')
    await wrapper.get('[data-testid="settings-preventSleep"]').setValue(false)
    await wrapper.get('form').trigger('submit')
    await flushPromises()

    expect(sent.filter((s) => s.command === 'updateSettings').map((s) => s.input)).toEqual([
      { cpuSlots: 6, theme: 'dark', preventSleep: false },
    ])
    // The host writes the file (real disk I/O, which flushPromises does not wait for).
    await vi.waitFor(() => expect(wrapper.find('[data-testid="settings-saved"]').exists()).toBe(true))
    expect(await readSaved()).toMatchObject({ cpuSlots: 6, theme: 'dark', preventSleep: false })
  })

  it('names a bad value before sending it', async () => {
    const { api, sent } = await host(true)
    const wrapper = await mountWith(api)
    await wrapper.get('[data-testid="settings-cpuSlots"]').setValue('0')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="problem-cpuSlots"]').text().length).toBeGreaterThan(0)
    expect(sent.some((s) => s.command === 'updateSettings')).toBe(false)
    await wrapper.get('[data-testid="settings-ioConcurrency"]').setValue('2.5')
    await wrapper.get('[data-testid="settings-cpuSlots"]').setValue('')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="problem-cpuSlots"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="problem-ioConcurrency"]').text().length).toBeGreaterThan(0)
  })

  it('in web mode shows the desktop-only settings locked, and the rest works', async () => {
    const { api, readSaved } = await host(false)
    const wrapper = await mountWith(api)
    for (const field of ['launchAtLogin', 'taskbarProgress', 'preventSleep', 'notifications']) {
      expect((wrapper.get(`[data-testid="settings-${field}"]`).element as HTMLInputElement).disabled, field).toBe(true)
    }
    expect((wrapper.get('[data-testid="settings-pinning"]').element as HTMLInputElement).disabled).toBe(false)
    await wrapper.get('[data-testid="settings-ioConcurrency"]').setValue('50')
    await wrapper.get('form').trigger('submit')
    await vi.waitFor(async () => expect((await readSaved()).ioConcurrency).toBe(50))
  })

  it('keeps the cluster’s Redis URL: a bad one named before sending, a saved one shown with its password masked', async () => {
    const { api, sent, readSaved } = await host(false)
    const wrapper = await mountWith(api)
    const field = () => wrapper.get('[data-testid="settings-clusterRedisUrl"]')
    expect((field().element as HTMLInputElement).value).toBe('')
    await field().setValue('http://redis-host:6379')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="problem-clusterRedisUrl"]').text()).toMatch(/expected a redis:\/\/ or rediss:\/\/ URL/)
    expect(sent.some((s) => s.command === 'updateSettings')).toBe(false)

    await field().setValue('rediss://corelane:s3cret@redis-host:6380')
    await wrapper.get('form').trigger('submit')
    await vi.waitFor(async () => expect((await readSaved()).clusterRedisUrl).toBe('rediss://corelane:s3cret@redis-host:6380'))
    await vi.waitFor(() => expect((field().element as HTMLInputElement).value).toBe('rediss://corelane:***@redis-host:6380'))
    // The link's state is the host's (this one follows no cluster): nothing is claimed.
    expect(wrapper.find('[data-testid="settings-cluster-link"]').exists()).toBe(false)
    // Emptied: no cluster.
    await field().setValue('')
    await wrapper.get('form').trigger('submit')
    await vi.waitFor(async () => expect((await readSaved()).clusterRedisUrl).toBe(null))
  })

  it('shows the host’s refusal with the field named', async () => {
    const { api } = await host(true)
    const refusing: CorelaneApi = {
      ...api,
      // The host's answer when it refuses (e.g. a newer host with a stricter bound): shown as sent.
      call: async (command, input) => {
        if (command === 'updateSettings')
          throw { code: 'invalid-input', message: 'cpuSlots: too many', fields: [{ field: 'cpuSlots', message: 'too many' }] }
        return api.call(command, input)
      },
    }
    const wrapper = await mountWith(refusing)
    await wrapper.get('[data-testid="settings-cpuSlots"]').setValue('8')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="problem-cpuSlots"]').text()).toBe('too many')
  })
})
