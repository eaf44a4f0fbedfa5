// The original Python experiments, run as shell jobs where python3 exists, so the GIL
// contrast is measured rather than claimed. Each script prints one JSON line with its own
// wall time (interpreter start-up excluded, as the tutorials time it).
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface PythonInfo {
  available: boolean
  version: string | null
  note: string | null
}

let cached: Promise<PythonInfo> | null = null

export function findPython(): Promise<PythonInfo> {
  cached ??= new Promise((resolve) => {
    execFile('python3', ['--version'], { timeout: 5000 }, (error, stdout, stderr) => {
      if (error)
        resolve({
          available: false,
          version: null,
          note: 'python3 was not found on this machine, so the Python versions were not run',
        })
      else resolve({ available: true, version: `${stdout}${stderr}`.trim(), note: null })
    })
  })
  return cached
}

/** One script holds every experiment; argv picks the experiment, the strategy and the sizes. */
const SCRIPT = String.raw`
import asyncio, json, sys, time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool

def sum_squares(n):
    total = 0
    for i in range(n):
        total += i * i
    return total

def wait(seconds):
    time.sleep(seconds)
    return seconds

async def fetch(host, port, path):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    body = await reader.read()
    writer.close()
    return len(body)

def fetch_blocking(host, port, path):
    return asyncio.run(fetch(host, port, path))

async def gather_sleeps(count, seconds):
    await asyncio.gather(*(asyncio.sleep(seconds) for _ in range(count)))

async def gather_fetches(count, host, port, path):
    return await asyncio.gather(*(fetch(host, port, path) for _ in range(count)))

async def gather_squares(count, n):
    async def task():
        return sum_squares(n)
    return await asyncio.gather(*(task() for _ in range(count)))

def run_map(strategy, pool, fn, args, gathered):
    """The same calls, one after another, on a thread pool, on a process pool, or gathered."""
    if strategy == "python-sequential":
        [fn(arg) for arg in args]
    elif strategy == "python-threads":
        with ThreadPoolExecutor(pool) as ex:
            list(ex.map(fn, args))
    elif strategy == "python-processes":
        with Pool(pool) as p:
            p.map(fn, args)
    else:
        asyncio.run(gathered())

def main():
    experiment, strategy, pool, *rest = sys.argv[1:]
    pool = int(pool)
    start = time.perf_counter()
    if experiment == "sleep-pool":
        count, seconds = int(rest[0]), float(rest[1])
        run_map(strategy, pool, wait, [seconds] * count, lambda: gather_sleeps(count, seconds))
    elif experiment == "gather-fetch":
        count, host, port, path = int(rest[0]), rest[1], int(rest[2]), rest[3]
        if strategy == "python-sequential":
            [fetch_blocking(host, port, path) for _ in range(count)]
        else:
            asyncio.run(gather_fetches(count, host, port, path))
    elif experiment in ("cpu-parallel", "cpu-sequential"):
        count, n = int(rest[0]), int(rest[1])
        run_map(strategy, pool, sum_squares, [n] * count, lambda: gather_squares(count, n))
    elif experiment == "timers-10k":
        count, seconds = int(rest[0]), float(rest[1])
        asyncio.run(gather_sleeps(count, seconds))
    print(json.dumps({"wallMs": (time.perf_counter() - start) * 1000}))

if __name__ == "__main__":
    main()
`

export async function writePythonScript(dir: string): Promise<string> {
  const path = join(dir, 'corelane_lab.py')
  await writeFile(path, SCRIPT)
  return path
}
