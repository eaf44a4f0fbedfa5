// `npm test`: runs every Vitest project (see vitest.config.ts), shows the default reporter on
// the terminal, writes a JSON report to test-results/vitest.json, then prints one last line
//
//   N passed, N failed, N skipped
//
// counting individual tests (skipped and todo count as skipped, never as passed). Exits
// non-zero if any test failed, if Vitest itself failed (e.g. a file that does not load), or if
// no test ran at all. Extra arguments go to Vitest: `npm test -- tests/engine --project engine`.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const reportFile = join(root, 'test-results', 'vitest.json')

interface JsonAssertion {
  status: string
  title?: string
  fullName?: string
  meta?: { skipReason?: string }
}
interface JsonFile {
  name?: string
  status?: string
  message?: string
  assertionResults?: JsonAssertion[]
}
interface JsonReport {
  success?: boolean
  testResults?: JsonFile[]
}

export interface Counts {
  passed: number
  failed: number
  skipped: number
}

/** Counts individual tests in a Vitest JSON report. Anything neither passed nor failed is skipped. */
export function countTests(report: JsonReport): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 }
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'passed') counts.passed++
      else if (test.status === 'failed') counts.failed++
      else counts.skipped++ // skipped, pending, todo, disabled
    }
  }
  return counts
}

function runVitest(args: string[]): Promise<number> {
  const vitestCli = join(root, 'node_modules', 'vitest', 'vitest.mjs')
  const argv = [vitestCli, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...args]
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: 'inherit', env: process.env })
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal)
    const onInt = forward('SIGINT')
    const onTerm = forward('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
    child.on('error', (err) => {
      console.error(`could not start vitest: ${err.message}`)
      resolvePromise(1)
    })
    child.on('close', (code, signal) => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      if (signal) console.error(`vitest was stopped by ${signal}`)
      resolvePromise(code ?? 1)
    })
  })
}

/** Test files that failed without any failed test in them (did not load, a hook threw, ...). */
export function brokenFiles(report: JsonReport): JsonFile[] {
  return (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  )
}

async function main(): Promise<number> {
  mkdirSync(dirname(reportFile), { recursive: true })
  rmSync(reportFile, { force: true })
  let code = await runVitest(process.argv.slice(2))

  let counts: Counts = { passed: 0, failed: 0, skipped: 0 }
  let report: JsonReport | null = null
  if (existsSync(reportFile)) {
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport
      counts = countTests(report)
      for (const file of brokenFiles(report)) {
        const where = file.name ? relative(root, file.name) : 'a test file'
        console.error(`${where} failed outside any test: ${(file.message ?? '').split('\n')[0]}`)
      }
      if (report.success === false && code === 0) code = 1
    } catch (err) {
      console.error(`could not read ${reportFile}: ${(err as Error).message}`)
      if (code === 0) code = 1
    }
  } else {
    console.error(`vitest wrote no report to ${reportFile}`)
    if (code === 0) code = 1
  }
  if (code === 0 && counts.failed > 0) code = 1
  if (code === 0 && counts.passed + counts.failed === 0) {
    console.error('no tests ran')
    code = 1
  }

  // Skips are never silent: each one is listed with its reason when the test gave one.
  if (report) {
    for (const file of report.testResults ?? []) {
      for (const test of file.assertionResults ?? []) {
        if (test.status === 'passed' || test.status === 'failed') continue
        const reason = test.meta?.skipReason
        console.log(`skipped: ${test.fullName ?? test.title}${reason ? ` (${reason})` : ''}`)
      }
    }
  }

  // Always the last line.
  console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`)
  return code
}

if (import.meta.main) process.exitCode = await main()
