// Choosing the transport, and errors from Electron IPC normalised to ContractError.
import { describe, expect, it } from 'vitest'
import { CommandError, toCommandError } from '../../src/renderer/src/transport/errors.ts'
import { createIpcTransport } from '../../src/renderer/src/transport/ipc-transport.ts'
import { pickTransport } from '../../src/renderer/src/transport/transport.ts'
import { createFakeApi } from './fake-api.ts'

describe('transport', () => {
  it('uses IPC when the preload bridge is there', async () => {
    const fake = createFakeApi()
    const link = pickTransport({ corelane: fake.api } as unknown as Window)
    expect(link.status()).toMatchObject({ via: 'ipc', state: 'open' })
    await link.api.call('pause', {})
    expect(fake.callsOf('pause')).toHaveLength(1)
  })

  it('turns whatever IPC throws into a CommandError', async () => {
    const fake = createFakeApi()
    fake.handle('cancel', () => {
      throw new Error("Error invoking remote method 'corelane:cancel': Error: no such job")
    })
    const link = createIpcTransport(fake.api)
    const error = await link.api.call('cancel', { ids: [1] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandError)
    expect(error).toMatchObject({ code: 'internal', message: 'no such job', fields: [] })
  })

  it('keeps code and fields of a plain ContractError object', () => {
    const e = toCommandError({ code: 'invalid-input', message: 'bad', fields: [{ field: 'ids', message: 'empty' }] })
    expect(e).toMatchObject({ code: 'invalid-input', message: 'bad', fields: [{ field: 'ids', message: 'empty' }] })
    expect(toCommandError('oops').message).toBe('oops')
    expect(toCommandError({ code: 'weird', message: 'x' }).code).toBe('internal')
  })
})
