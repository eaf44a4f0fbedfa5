// A Redis with AUTH: the default user off, and an ACL user limited to Corelane's keys and
// channels (`~corelane:* &corelane:*`), as the README sets it up. The agent and the CLI
// reach it with the user and password in the URL; a wrong password or none is a clear
// error naming the URL (password masked), exit code 2.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { RedisServer, runCli, startAgent, tempDir, type AgentProcess } from './harness.ts'

let redis: RedisServer
let agent: AgentProcess
const user = (password: string) => `redis://corelane:${password}@127.0.0.1:${redis.port}`

beforeAll(async () => {
  redis = await new RedisServer({
    conf: ['user default off', 'user corelane on >s3cret-pass ~corelane:* &corelane:* +@all -@admin'],
  }).start()
  agent = await startAgent(user('s3cret-pass'), 'locked')
})
afterAll(async () => {
  await agent?.stop()
  await redis?.stop()
})

it('runs a batch through an ACL user limited to corelane:* keys and channels', async () => {
  const batch = join(tempDir('batch'), 'b.json')
  writeFileSync(batch, JSON.stringify({ template: { kind: 'sleep', params: { ms: 20 } }, count: 5 }))
  const run = await runCli(['run', batch, '--json', '--redis', user('s3cret-pass'), '--data-dir', tempDir('auth')])
  expect(run.code).toBe(0)
  expect(run.stdout).toContain('"agent":"locked"')
  expect(agent.output()).not.toContain('s3cret-pass') // the agent's own messages mask it
})

it('a wrong password, or none, is exit code 2 with the reason and the password masked', async () => {
  const wrong = await runCli(['agents', '--redis', user('nope')])
  expect(wrong.code).toBe(2)
  expect(wrong.stderr).toMatch(/cannot reach Redis at redis:\/\/corelane:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/)
  expect(wrong.stderr).not.toContain('nope')
  const none = await runCli(['agents', '--redis', `redis://127.0.0.1:${redis.port}`])
  expect(none.code).toBe(2)
  expect(none.stderr).toMatch(/NOAUTH/)
})
