// The file kinds on real temp files: compress (round trip through zlib), copy and du.
import { access, chmod, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { brotliDecompress, gunzip } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { compress } from '../../../src/main/engine/kinds/compress.ts'
import { copy } from '../../../src/main/engine/kinds/copy.ts'
import { du } from '../../../src/main/engine/kinds/du.ts'
import { cancelAfter, makeTestContext, sameBytes, withContext } from './test-context.ts'

const gunzipAsync = promisify(gunzip)
const brotliAsync = promisify(brotliDecompress)

/** Text-like data that compresses, but not to nothing. */
function sampleText(bytes: number): Buffer {
  const words = ['core', 'lane', 'job', 'queue', 'thread', 'process', 'batch', 'retry', 'cancel', 'worker']
  const parts: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const word = words[(i * 7919 + (i >> 3)) % words.length] + (i % 13 === 0 ? '\n' : ' ')
    parts.push(word)
    size += word.length
  }
  return Buffer.from(parts.join('')).subarray(0, bytes)
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  )

describe('compress', () => {
  it('gzips a file that decompresses to the input', async () => {
    await withContext(async ({ ctx, dir, progress }) => {
      const input = join(dir, 'in.txt')
      const content = sampleText(3 * 1024 * 1024 + 5)
      await writeFile(input, content)
      const output = join(dir, 'nested', 'deeper', 'in.txt.gz')
      const result = (await compress({ input, output, format: 'gzip', level: 6 }, ctx)) as Record<string, number>
      const packed = await readFile(output)
      expect(sameBytes(await gunzipAsync(packed), content)).toBe(true)
      expect(result).toEqual({
        input,
        output,
        bytesIn: content.length,
        bytesOut: packed.length,
        ratio: Math.round((packed.length / content.length) * 10000) / 10000,
      })
      expect(result.ratio).toBeLessThan(0.5)
      expect(progress.length).toBeGreaterThan(0)
    })
  })

  it('brotli-compresses a file that decompresses to the input', async () => {
    await withContext(async ({ ctx, dir }) => {
      const input = join(dir, 'in.txt')
      const content = sampleText(300_000)
      await writeFile(input, content)
      const output = join(dir, 'in.txt.br')
      await compress({ input, output, format: 'brotli', level: 11 }, ctx)
      expect(sameBytes(await brotliAsync(await readFile(output)), content)).toBe(true)
    })
  })

  it('clamps the level to what gzip accepts, and handles an empty file', async () => {
    await withContext(async ({ ctx, dir }) => {
      const input = join(dir, 'empty')
      await writeFile(input, '')
      const output = join(dir, 'empty.gz')
      const result = await compress({ input, output, format: 'gzip', level: 11 }, ctx)
      expect(result).toMatchObject({ bytesIn: 0, ratio: 0 })
      expect((await gunzipAsync(await readFile(output))).length).toBe(0)
    })
  })

  it('refuses to overwrite its input, and reports a missing input', async () => {
    await withContext(async ({ ctx, dir }) => {
      const input = join(dir, 'same')
      await writeFile(input, 'keep me')
      await expect(compress({ input, output: input, format: 'gzip', level: 6 }, ctx)).rejects.toThrow(/differ from input/)
      expect(await readFile(input, 'utf8')).toBe('keep me')
      await expect(
        compress({ input: join(dir, 'nope'), output: join(dir, 'x.gz'), format: 'gzip', level: 6 }, ctx),
      ).rejects.toThrow(/ENOENT/)
    })
  })

  it('stops when cancelled and leaves no partial output', async () => {
    const t = await makeTestContext()
    try {
      const input = join(t.dir, 'big.txt')
      await writeFile(input, sampleText(16 * 1024 * 1024))
      const output = join(t.dir, 'big.txt.br')
      // Brotli at quality 11 takes many seconds for this much.
      const job = compress({ input, output, format: 'brotli', level: 11 }, t.ctx)
      const { reason, error, stopMs } = await cancelAfter(job, t.controller, 200)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(1000)
      expect(await exists(output)).toBe(false)
    } finally {
      await t.cleanup()
    }
  })
})

describe('copy', () => {
  it('copies a file into a folder it creates', async () => {
    await withContext(async ({ ctx, dir, progress }) => {
      const from = join(dir, 'src.bin')
      const content = sampleText(2 * 1024 * 1024 + 3)
      await writeFile(from, content)
      const to = join(dir, 'a', 'b', 'copy.bin')
      expect(await copy({ from, to }, ctx)).toEqual({ from, to, bytes: content.length })
      expect(sameBytes(await readFile(to), content)).toBe(true)
      expect(progress.at(-1)?.note).toMatch(/ of 2\.0 MiB$/)
    })
  })

  it('refuses to copy a file onto itself, and reports a missing source', async () => {
    await withContext(async ({ ctx, dir }) => {
      const from = join(dir, 'f')
      await writeFile(from, 'data')
      await expect(copy({ from, to: join(dir, '.', 'f') }, ctx)).rejects.toThrow(/destination is the source/)
      expect(await readFile(from, 'utf8')).toBe('data')
      await expect(copy({ from: join(dir, 'missing'), to: join(dir, 'g') }, ctx)).rejects.toThrow(/ENOENT/)
      await expect(copy({ from: dir, to: join(dir, 'g') }, ctx)).rejects.toThrow(/not a file/)
    })
  })

  it('stops mid-file when cancelled and removes the partial copy', async () => {
    const reason = new Error('cancelled mid-copy')
    await withContext(
      async ({ ctx, dir, progress }) => {
        const from = join(dir, 'src.bin')
        await writeFile(from, sampleText(8 * 1024 * 1024))
        const to = join(dir, 'dst.bin')
        await expect(copy({ from, to }, ctx)).rejects.toBe(reason)
        expect(progress).toHaveLength(1)
        expect(progress[0].fraction).toBeLessThan(0.5)
        expect(await exists(to)).toBe(false)
      },
      // Cancel on the first progress report: the first MiB has been read, the rest has not.
      { onProgress: (_f, _n, t) => t.controller.abort(reason) },
    )
  })
})

describe('du', () => {
  it('counts files, folders and bytes without following symlinks', async () => {
    await withContext(async ({ ctx, dir, progress }) => {
      const root = join(dir, 'tree')
      const outside = join(dir, 'outside')
      await mkdir(join(root, 'a', 'b', 'c'), { recursive: true })
      await mkdir(join(root, 'empty'))
      await mkdir(outside)
      await writeFile(join(outside, 'huge'), Buffer.alloc(100_000))
      const files: [string, number][] = [
        ['top.txt', 10],
        ['a/one', 1000],
        ['a/b/two', 2000],
        ['a/b/c/three', 3],
      ]
      for (let i = 0; i < 70; i++) files.push([`a/b/many-${i}`, i]) // more than one lstat batch
      for (const [name, size] of files) await writeFile(join(root, name), Buffer.alloc(size))
      await symlink(outside, join(root, 'link-to-outside'))
      const linkSize = (await lstat(join(root, 'link-to-outside'))).size

      const result = await du({ path: root }, ctx)
      expect(result).toEqual({
        path: root,
        files: files.length + 1,
        dirs: 4,
        bytes: files.reduce((sum, [, size]) => sum + size, 0) + linkSize,
        skipped: 0,
      })
      expect(progress.length).toBeGreaterThan(0)
      expect(progress.at(-1)?.note).toMatch(/\d+ files, \d+ folders/)
    })
  })

  it('rejects a path that is not a folder', async () => {
    await withContext(async ({ ctx, dir }) => {
      await writeFile(join(dir, 'f'), 'x')
      await expect(du({ path: join(dir, 'f') }, ctx)).rejects.toThrow(/not a folder/)
      await expect(du({ path: join(dir, 'missing') }, ctx)).rejects.toThrow(/ENOENT/)
    })
  })

  it('skips unreadable folders and logs them', async (t) => {
    if (process.getuid?.() === 0) {
      // Root reads a chmod 000 folder anyway, so there is nothing unreadable to skip.
      const reason = 'running as root, which can read a chmod 000 folder, so no folder is unreadable'
      ;(t.task.meta as Record<string, unknown>).skipReason = reason
      return t.skip(reason)
    }
    await withContext(async ({ ctx, dir, logs }) => {
      await mkdir(join(dir, 'locked'))
      await writeFile(join(dir, 'locked', 'secret'), 'x')
      await writeFile(join(dir, 'open'), 'abc')
      await chmod(join(dir, 'locked'), 0o000)
      try {
        const result = await du({ path: dir }, ctx)
        expect(result).toMatchObject({ files: 1, dirs: 1, skipped: 1 })
        expect(logs.join('\n')).toMatch(/skipped .*locked: EACCES/)
      } finally {
        await chmod(join(dir, 'locked'), 0o755)
      }
    })
  })

  it('stops when cancelled', async () => {
    await withContext(async ({ ctx, dir, controller }) => {
      await mkdir(join(dir, 'x', 'y'), { recursive: true })
      await writeFile(join(dir, 'x', 'y', 'f'), 'x')
      controller.abort(new Error('cancelled before start'))
      await expect(du({ path: dir }, ctx)).rejects.toBe(controller.signal.reason)
    })
    const t = await makeTestContext()
    try {
      // A wide tree, cancelled while it is being walked.
      for (let i = 0; i < 20; i++) {
        await mkdir(join(t.dir, `d${i}`))
        await Promise.all(Array.from({ length: 40 }, (_, k) => writeFile(join(t.dir, `d${i}`, `f${k}`), 'x')))
      }
      const job = du({ path: t.dir }, t.ctx)
      const { reason, error, stopMs } = await cancelAfter(job, t.controller, 5)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(1000)
    } finally {
      await t.cleanup()
    }
  })
})
