// The cluster over TLS: a TLS-only redis-server (no plain port) with a certificate made here
// by openssl for 127.0.0.1, signed by itself, so only a client that trusts that certificate as
// its CA gets in. An agent trusts it through `--redis-ca FILE`, the controller (`corelane run
// --redis rediss://…`) through CORELANE_REDIS_CA; a client trusting only the system's CAs is
// refused with the certificate's reason. A redis-server built without TLS skips this file
// with the reason printed (never a pass).
import { execFile } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { RedisServer, runCli, startAgent, tempDir, type AgentProcess } from './harness.ts'

const certDir = tempDir('tls')
const ca = join(certDir, 'cert.pem')
let redis: RedisServer | null = null
let agent: AgentProcess | null = null
let missing: string | null = null

beforeAll(async () => {
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(certDir, 'key.pem'),
    '-out',
    ca,
  ])
  const server = new RedisServer({ tls: { cert: ca, key: join(certDir, 'key.pem'), ca } })
  try {
    redis = await server.start()
  } catch (error) {
    const text = (error as Error).message
    // Built without TLS: it refuses the tls-* directives before it listens.
    if (!/tls/i.test(text)) throw error
    missing = `redis-server cannot start with TLS here: ${text.split('\n').slice(-3).join(' ').trim()}`
    return
  }
  agent = await startAgent(redis.url, 'secure', ['--cpu-slots', '1', '--redis-ca', ca])
}, 60_000)

afterAll(async () => {
  await agent?.stop()
  await redis?.stop()
  rmSync(certDir, { recursive: true, force: true })
})

function skipWithoutTls(skip: (note?: string) => void): void {
  if (!missing) return
  process.stderr.write(`SKIPPED (not a pass): ${missing}\n`)
  skip(missing)
}

it('runs a batch through an agent over rediss://, the CA trusted by --redis-ca and CORELANE_REDIS_CA', async ({ skip }) => {
  skipWithoutTls(skip)
  expect(redis!.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/)
  const batch = join(tempDir('tls-batch'), 'b.json')
  writeFileSync(batch, JSON.stringify({ name: 'tls', template: { kind: 'sleep', params: { ms: 200 } }, count: 6 }))
  const dataDir = tempDir('tls-run')
  const run = await runCli(['run', batch, '--json', '--data-dir', dataDir, '--redis', redis!.url], { CORELANE_REDIS_CA: ca })
  expect(run.code, run.stderr).toBe(0)
  const lines = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  expect(lines.at(-1).summary.succeeded).toBe(6)
  // The controller keeps one I/O job here: the rest went to the agent, over TLS.
  expect(lines.filter((l) => !l.summary).some((j) => j.agent === 'secure')).toBe(true)
  rmSync(dataDir, { recursive: true, force: true })
})

it('without the CA, the certificate is refused in seconds with its reason (exit 2); a missing CA file is named', async ({
  skip,
}) => {
  skipWithoutTls(skip)
  const env = { CORELANE_REDIS_CA: '' }
  const untrusted = await runCli(['agents', '--redis', redis!.url, '--json'], env)
  expect(untrusted.code).toBe(2)
  expect(untrusted.stderr).toMatch(/cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+: .*self[- ]signed certificate/i)
  const absent = await runCli(['agents', '--redis', redis!.url, '--redis-ca', join(certDir, 'nope.pem')], env)
  expect(absent.code).toBe(2)
  expect(absent.stderr).toMatch(/CORELANE_REDIS_CA \(--redis-ca\): cannot read .*nope\.pem: ENOENT/)
})
