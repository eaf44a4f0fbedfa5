// hash: digests of real files and of the generated data, checked against node:crypto directly.
import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generatedMiB, hash } from '../../../src/main/engine/kinds/hash.ts'
import { cancelAfter, makeTestContext, withContext } from './test-context.ts'

const digest = (algorithm: string, ...parts: Buffer[]) => {
  const h = createHash(algorithm)
  for (const part of parts) h.update(part)
  return h.digest('hex')
}

describe('hash', () => {
  it('hashes a file like crypto does', async () => {
    await withContext(async ({ ctx, dir }) => {
      const file = join(dir, 'data.bin')
      // Larger than one read chunk, and not a multiple of it.
      const content = Buffer.alloc(3 * 1024 * 1024 + 17)
      for (let i = 0; i < content.length; i++) content[i] = (i * 7 + (i >> 11)) & 255
      await writeFile(file, content)
      expect(await hash({ file, rounds: 1, algorithm: 'sha256' }, ctx)).toEqual({
        digest: digest('sha256', content),
        bytes: content.length,
        rounds: 1,
        algorithm: 'sha256',
      })
      expect(await hash({ file, rounds: 3, algorithm: 'md5' }, ctx)).toEqual({
        digest: digest('md5', content, content, content),
        bytes: 3 * content.length,
        rounds: 3,
        algorithm: 'md5',
      })
    })
  })

  it('hashes a known small file', async () => {
    await withContext(async ({ ctx, dir }) => {
      const file = join(dir, 'abc.txt')
      await writeFile(file, 'abc')
      const result = (await hash({ file, rounds: 1, algorithm: 'sha1' }, ctx)) as { digest: string }
      expect(result.digest).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    })
  })

  it('hashes generated data, the same in every run', async () => {
    await withContext(async ({ ctx, progress }) => {
      // Pinned, so the generated data cannot drift between versions.
      expect(digest('sha256', generatedMiB())).toBe('3e75ec671075e4115fc876c4c55d5abbac3bfe487a67ff4ca2db38386a014f27')
      const result = await hash({ mib: 64, rounds: 2, algorithm: 'sha512' }, ctx)
      expect(result).toEqual({
        digest: digest('sha512', ...Array.from({ length: 128 }, generatedMiB)),
        bytes: 128 * 1024 * 1024,
        rounds: 2,
        algorithm: 'sha512',
      })
      expect(progress.length).toBeGreaterThan(0)
      expect(progress.at(-1)?.note).toMatch(/ of 128 MiB$/)
    })
  })

  it('fails clearly on a missing file', async () => {
    await withContext(async ({ ctx, dir }) => {
      await expect(hash({ file: join(dir, 'nope'), rounds: 1, algorithm: 'sha256' }, ctx)).rejects.toThrow(/ENOENT/)
    })
  })

  it('stops within a second when cancelled', async () => {
    const t = await makeTestContext()
    try {
      const job = hash({ mib: 65536, rounds: 1, algorithm: 'sha256' }, t.ctx)
      const { reason, error, stopMs } = await cancelAfter(job, t.controller, 100)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(1000)
    } finally {
      await t.cleanup()
    }
  })
})
