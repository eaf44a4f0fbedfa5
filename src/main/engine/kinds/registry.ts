// Every kind's implementation by name: the one place the worker looks a kind up. Imports are
// static so a worker (or a bundle) loads them all once at start-up.
import type { KindName } from '../../../shared/kinds.ts'
import type { KindRunner } from './context.ts'
import { allocUntilOom } from './alloc-until-oom.ts'
import { compress } from './compress.ts'
import { copy } from './copy.ts'
import { du } from './du.ts'
import { hash } from './hash.ts'
import { httpGet } from './http-get.ts'
import { mandelbrot } from './mandelbrot.ts'
import { noop } from './noop.ts'
import { primes } from './primes.ts'
import { script } from './script.ts'
import { shell } from './shell.ts'
import { sleep } from './sleep.ts'
import { sort } from './sort.ts'
import { sumSquares } from './sum-squares.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- params are validated per kind before lookup
export const kindRunners: Record<KindName, KindRunner<any>> = {
  noop,
  'sum-squares': sumSquares,
  primes,
  hash,
  compress,
  mandelbrot,
  sort,
  sleep,
  'http-get': httpGet,
  copy,
  du,
  shell,
  script,
  'alloc-until-oom': allocUntilOom,
}
