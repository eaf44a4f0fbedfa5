// The data folder's layout, in one place: every path Corelane keeps under a data folder (the
// CLI's and web mode's `--data-dir`, the app's `userData`) is named here and only here.
// Pure path arithmetic (node:path only), so the engine, its workers, the hosts and the CLI can
// all use it.
import { join } from 'node:path'

/** The job database (SQLite); beside it SQLite keeps `-wal` and `-shm` while it is open. */
export const DATABASE_FILE = 'corelane.db'
/** Holds the pid of the Corelane using the folder (see store/data-lock.ts). */
export const LOCK_FILE = 'corelane.lock'
/**
 * One log file per job: `logs/<job id>.log`, stdout and stderr in the order they arrived.
 * Beside it `logs/<job id>.stderr-ranges` says which bytes of it came from stderr (see
 * log-streams.ts); a log without one is all stdout.
 */
export const LOGS_DIR = 'logs'
/** Large results: `outputs/<job id>/`. */
export const OUTPUTS_DIR = 'outputs'
/** A result too large to keep inline goes to `outputs/<job id>/result.json` (see worker/results.ts). */
export const LARGE_RESULT_FILE = 'result.json'
/** The workers' compiled code (Node's compile cache); safe to delete. */
export const COMPILE_CACHE_DIR = 'compile-cache'
/** The process groups and tags of the commands running now, for the next start to end (see command-groups.ts). */
export const COMMAND_GROUPS_FILE = 'command-groups.json'
/** The saved settings (see host/settings-store.ts); one that fails the schema is kept aside as `settings.json.invalid`. */
export const SETTINGS_FILE = 'settings.json'
/** The desktop window's place and size (only the app has a window). */
export const WINDOW_STATE_FILE = 'window-state.json'
/** `corelane agent` without --data-dir: each agent's own data folder, `agents/<name>/`, inside the default one. */
export const AGENTS_DIR = 'agents'
/** The lab's scratch folders, `corelane-lab-<random>/`, removed when its experiment ends. */
export const LAB_SCRATCH_PREFIX = 'corelane-lab-'

export const databasePath = (dataDir: string): string => join(dataDir, DATABASE_FILE)
export const lockPath = (dataDir: string): string => join(dataDir, LOCK_FILE)
export const logsDir = (dataDir: string): string => join(dataDir, LOGS_DIR)
export const logPath = (dataDir: string, jobId: number): string => join(dataDir, LOGS_DIR, logFileName(jobId))
export const outputsDir = (dataDir: string, jobId: number): string => join(dataDir, OUTPUTS_DIR, String(jobId))
export const compileCacheDir = (dataDir: string): string => join(dataDir, COMPILE_CACHE_DIR)
export const commandGroupsPath = (dataDir: string): string => join(dataDir, COMMAND_GROUPS_FILE)
export const settingsPath = (dataDir: string): string => join(dataDir, SETTINGS_FILE)
export const windowStatePath = (dataDir: string): string => join(dataDir, WINDOW_STATE_FILE)
export const agentDataDir = (dataDir: string, agentName: string): string => join(dataDir, AGENTS_DIR, agentName)
/** The prefix `mkdtemp` completes: the folder is `<dir>/corelane-lab-XXXXXX`. */
export const labScratchPrefix = (dir: string): string => join(dir, LAB_SCRATCH_PREFIX)
/** A job's log file name inside the logs folder. */
export const logFileName = (jobId: number): string => `${jobId}.log`
/** Where the stderr byte ranges of a job's log are kept, given the log's path. */
export const stderrRangesPath = (logFile: string): string => logFile.replace(/\.log$/, '') + '.stderr-ranges'
/** Where a settings file that did not pass is kept, given its path. */
export const invalidSettingsPath = (settingsFile: string): string => `${settingsFile}.invalid`
/**
 * Where a damaged database is kept when a new one is started (--reset-db), given its path and
 * when: `corelane.db.corrupt-<ISO time with - for : and .>`, a name every file system takes.
 * SQLite's `-wal` and `-shm` move beside it under the same name.
 */
export const corruptDatabasePath = (databaseFile: string, at: Date): string =>
  `${databaseFile}.corrupt-${at.toISOString().replace(/[:.]/g, '-')}`
