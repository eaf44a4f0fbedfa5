// http-get against a real loopback server: bodies counted and saved, non-2xx fails the job,
// a connection refused says so, and a stalled response is cancelled by the signal.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpGet } from '../../../src/main/engine/kinds/http-get.ts'
import { cancelAfter, makeTestContext, sameBytes, withContext } from './test-context.ts'

const BIG = Buffer.alloc(3 * 1024 * 1024 + 11, 'corelane ')
let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hello') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '12' })
      res.end('hello world\n')
    } else if (req.url === '/big') {
      // Written in pieces with a known length, so progress has a total.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG.length) })
      let offset = 0
      const more = () => {
        while (offset < BIG.length) {
          const piece = BIG.subarray(offset, offset + 256 * 1024)
          offset += piece.length
          if (!res.write(piece)) return void res.once('drain', more)
        }
        res.end()
      }
      more()
    } else if (req.url === '/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('part one, ')
      setTimeout(() => res.end('part two'), 20)
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: '/hello' })
      res.end()
    } else if (req.url === '/slow') {
      // Headers and a first piece, then nothing for a long time.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' })
      res.write('a start')
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('no such thing')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('http-get', () => {
  it('fetches a body and reports status, bytes and type', async () => {
    await withContext(async ({ ctx }) => {
      expect(await httpGet({ url: `${base}/hello` }, ctx)).toEqual({
        status: 200,
        bytes: 12,
        contentType: 'text/plain; charset=utf-8',
      })
      // Without a content-length, and after a redirect.
      expect(await httpGet({ url: `${base}/chunked` }, ctx)).toMatchObject({ status: 200, bytes: 18 })
      expect(await httpGet({ url: `${base}/moved` }, ctx)).toMatchObject({ status: 200, bytes: 12 })
    })
  })

  it('saves the body to a file, with progress against content-length', async () => {
    await withContext(async ({ ctx, dir, progress }) => {
      const saveTo = join(dir, 'downloads', 'big.bin')
      expect(await httpGet({ url: `${base}/big`, saveTo }, ctx)).toEqual({
        status: 200,
        bytes: BIG.length,
        contentType: 'application/octet-stream',
        savedTo: saveTo,
      })
      expect(sameBytes(await readFile(saveTo), BIG)).toBe(true)
      expect(progress.length).toBeGreaterThan(0)
      expect(progress.every((p) => p.fraction > 0 && p.fraction <= 1)).toBe(true)
    })
  })

  it('fails the job on a non-2xx status', async () => {
    await withContext(async ({ ctx, dir }) => {
      const saveTo = join(dir, 'missing.txt')
      await expect(httpGet({ url: `${base}/missing`, saveTo }, ctx)).rejects.toThrow(/^HTTP 404 Not Found$/)
      await expect(access(saveTo)).rejects.toThrow()
    })
  })

  it('says why when nothing listens', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    await withContext(async ({ ctx }) => {
      await expect(httpGet({ url: `http://127.0.0.1:${port}/` }, ctx)).rejects.toThrow(/ECONNREFUSED/)
    })
  })

  it('stops a stalled download when cancelled and removes the partial file', async () => {
    const t = await makeTestContext()
    try {
      const saveTo = join(t.dir, 'slow.txt')
      const { reason, error, stopMs } = await cancelAfter(httpGet({ url: `${base}/slow`, saveTo }, t.ctx), t.controller, 150)
      expect(error).toBe(reason)
      expect(stopMs).toBeLessThan(500)
      await expect(access(saveTo)).rejects.toThrow()
    } finally {
      await t.cleanup()
    }
    const u = await makeTestContext()
    try {
      const { reason, error } = await cancelAfter(httpGet({ url: `${base}/slow` }, u.ctx), u.controller, 150)
      expect(error).toBe(reason)
    } finally {
      await u.cleanup()
    }
  })
})
