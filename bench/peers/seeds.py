"""The Python seed experiments Corelane's concurrency lessons come from, timed the way the
tutorials time them: from creating the pool (or event loop) to having every result (pool
shutdown not included), in one interpreter, with the standard library only. Prints one JSON
object of wall times in ms.

usage: python3 seeds.py <sleep_seconds> <cpu_n> <cpu_pool_size>
"""

import asyncio
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def sum_squares(n):
    return sum(i * i for i in range(n))


def since(t0):
    return (time.perf_counter() - t0) * 1000


def main():
    sleep_s = float(sys.argv[1])
    cpu_n = int(sys.argv[2])
    cpu_pool = int(sys.argv[3])
    out = {}

    # 8 tasks that each sleep, on a pool of 4.
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(time.sleep, [sleep_s] * 8))
        out["sleepsThreadPool"] = since(t0)

    # 4 simulated fetches gathered concurrently.
    async def fetch():
        await asyncio.sleep(sleep_s)
        return 1

    async def gather():
        await asyncio.gather(*(fetch() for _ in range(4)))

    t0 = time.perf_counter()
    asyncio.run(gather())
    out["gatherAsyncio"] = since(t0)

    # 3 CPU tasks in parallel processes.
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=cpu_pool) as pool:
        list(pool.map(sum_squares, [cpu_n] * 3))
        out["cpuProcessPoolExecutor"] = since(t0)

    t0 = time.perf_counter()
    with multiprocessing.Pool(cpu_pool) as pool:
        pool.map(sum_squares, [cpu_n] * 3)
        out["cpuMultiprocessing"] = since(t0)

    # The same CPU tasks one after another on the main thread.
    t0 = time.perf_counter()
    for _ in range(3):
        sum_squares(cpu_n)
    out["cpuSequential"] = since(t0)

    print(json.dumps(out))


if __name__ == "__main__":
    main()
