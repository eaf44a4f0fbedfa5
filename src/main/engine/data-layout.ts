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
/** The workers' compiled code (Node's compile cache); safe to delete. */
export const COMPILE_CACHE_DIR = 'compile-cache'

export const databasePath = (dataDir: string): string => join(dataDir, DATABASE_FILE)
export const lockPath = (dataDir: string): string => join(dataDir, LOCK_FILE)
export const logsDir = (dataDir: string): string => join(dataDir, LOGS_DIR)
export const logPath = (dataDir: string, jobId: number): string => join(dataDir, LOGS_DIR, logFileName(jobId))
export const outputsDir = (dataDir: string, jobId: number): string => join(dataDir, OUTPUTS_DIR, String(jobId))
export const compileCacheDir = (dataDir: string): string => join(dataDir, COMPILE_CACHE_DIR)
/** A job's log file name inside the logs folder. */
export const logFileName = (jobId: number): string => `${jobId}.log`
/** Where the stderr byte ranges of a job's log are kept, given the log's path. */
export const stderrRangesPath = (logFile: string): string => logFile.replace(/\.log$/, '') + '.stderr-ranges'
