// Ending process groups safely: a command (and whatever it started) lives in a group of its
// own, led by its pid. A group is named by that pid plus the leader's start time (clock ticks
// after boot, /proc/<pid>/stat field 22), because a pid is used again once its process is gone:
// a group is signalled only while its leader is the process that was recorded, or while the
// leader is gone but members remain (Linux never hands out a pid that still names a group, so
// such a group is still the recorded one).
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'

/** One command's process group as recorded: its id (the leader's pid) and the leader's start time (0: unknown). */
export interface GroupRef {
  pgid: number
  since: number
}

/** After SIGTERM, how long a group gets before SIGKILL. */
export const GROUP_GRACE_MS = 2000
const POLL_MS = 25

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ')
}

/** What a stat line says: field 22 (starttime), field 5 (pgrp), field 3 (state: Z for a zombie); index = field number − 3. */
export interface ProcessStat {
  since: number
  pgrp: number
  state: string
}

function parse(text: string): ProcessStat {
  const fields = statFields(text)
  return { since: Number(fields[19]), pgrp: Number(fields[2]), state: fields[0] ?? '' }
}

/** A process's start time and group, or null when it is gone (or this is not Linux). */
export async function processStat(pid: number): Promise<ProcessStat | null> {
  try {
    return parse(await readFile(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return null
  }
}

/** The same, synchronously: for workers, where reading /proc once per command costs microseconds and holds up no one. */
export function processStatSync(pid: number): ProcessStat | null {
  try {
    return parse(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return null
  }
}

/** Whether any process is still in the group. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but is not ours to signal (then it is not ours to end either).
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // Already gone.
  }
}

/** Whether /proc can be read here (Linux): elsewhere a leader's start time cannot be checked. */
export const hasProc = processStatSync(process.pid) !== null

/**
 * Whether the group is still the recorded one (see the top of this file). Without /proc, a
 * group recorded in this run (its worker just ended) is taken as it is, one recorded by an
 * earlier run (`verifiedOnly`) never is.
 */
async function stillOurs(group: GroupRef, verifiedOnly: boolean): Promise<boolean> {
  if (!Number.isInteger(group.pgid) || group.pgid <= 1 || group.pgid === process.pid) return false
  if (!hasProc) return !verifiedOnly && groupAlive(group.pgid)
  const leader = await processStat(group.pgid)
  if (leader === null) return groupAlive(group.pgid)
  // A leader whose start time is unknown cannot be told from a stranger with its pid: left alone.
  return group.since > 0 && leader.since === group.since && leader.pgrp === group.pgid
}

/**
 * Ends the groups: SIGTERM to each that is still the recorded one, then SIGKILL to those with
 * members left after `graceMs`. Resolves once every group is empty (or `graceMs` after the
 * SIGKILL at the latest, for a member stuck in the kernel).
 */
export async function endGroups(groups: Iterable<GroupRef>, verifiedOnly = false, graceMs = GROUP_GRACE_MS): Promise<void> {
  const ours: number[] = []
  for (const group of groups) if (await stillOurs(group, verifiedOnly)) ours.push(group.pgid)
  if (ours.length === 0) return
  for (const pgid of ours) signalGroup(pgid, 'SIGTERM')
  const left = await waitEmpty(ours, graceMs)
  if (left.length === 0) return
  for (const pgid of left) signalGroup(pgid, 'SIGKILL')
  await waitEmpty(left, graceMs)
}

async function waitEmpty(pgids: number[], ms: number): Promise<number[]> {
  const until = performance.now() + ms
  let left = pgids.filter(groupAlive)
  while (left.length > 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    left = left.filter(groupAlive)
  }
  return left
}
