// `npm run screenshots`: runs the two end-to-end tests that photograph the main views, and lets
// them replace the README's screenshots in docs/screenshots/ when they pass. A plain `npm test`
// leaves those files alone (its shots stay in test-results/screenshots/).
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const result = spawnSync(
  process.execPath,
  [resolve(root, 'scripts/test.ts'), '--project', 'e2e', 'tests/e2e/web-ui.test.ts', 'tests/e2e/web-lab.test.ts'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, CORELANE_UPDATE_SCREENSHOTS: '1' } },
)
process.exit(result.status ?? 1)
