// Test projects. `npm test` (scripts/test.ts) runs them all; `vitest run --project engine` runs one.
//
// The build machine has 2 cores, and some engine tests measure wall time and speed-up, so:
//   - group 0: `engine` and `renderer` run together, at most 2 workers in all;
//   - group 1: `engine-serial` (tests/engine/serial/**: timing-sensitive tests) runs alone, one file at a time;
//   - group 2: `e2e` (real Chromium) runs alone, one file at a time;
//   - group 3: `cluster` (real redis-server and agent processes) runs alone, one file at a time.
import vue from '@vitejs/plugin-vue'
import { configDefaults, defineConfig } from 'vitest/config'

const MAX_WORKERS = 2

export default defineConfig({
  test: {
    maxWorkers: MAX_WORKERS,
    projects: [
      {
        extends: true,
        test: {
          name: 'engine',
          environment: 'node',
          include: [
            'tests/engine/**/*.test.ts',
            'tests/electron/**/*.test.ts',
            'tests/cli/**/*.test.ts',
            'tests/shared/**/*.test.ts',
            'tests/lint/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, 'tests/engine/serial/**'],
          pool: 'forks',
          maxWorkers: MAX_WORKERS,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        plugins: [vue()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['tests/renderer/**/*.test.ts'],
          maxWorkers: MAX_WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'engine-serial',
          environment: 'node',
          include: ['tests/engine/serial/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          environment: 'node',
          include: ['tests/cluster/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
})
