// One engine per data folder: job ids come from the database, so two processes sharing a
// folder would hand out the same ids. A lock file holding the owner's pid keeps them apart;
// a lock left by a process that no longer exists (killed with -9, say) is taken over.
import { open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'

export class DataDirBusyError extends Error {
  readonly pid: number
  constructor(dir: string, pid: number) {
    super(`the data folder ${dir} is in use by another Corelane (pid ${pid}); pass a different --data-dir`)
    this.name = 'DataDirBusyError'
    this.pid = pid
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes the folder's lock; returns a function that releases it. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, 'corelane.lock')
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return async () => {
        await rm(file, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim())
      if (pid && pid !== process.pid && alive(pid)) throw new DataDirBusyError(dir, pid)
      await rm(file, { force: true })
    }
  }
  throw new Error(`could not lock ${dir}`)
}
