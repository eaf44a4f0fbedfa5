// The concurrency lab: the experiments the host offers, the run form (experiment, pool size,
// scale, the Python originals), the run in progress with its live notes, and every result of
// this session (newest first) so runs can be compared. One experiment runs at a time.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ExperimentId, ExperimentInfo, LabResult, LabRunInput } from '../../../shared/lab.ts'
import { LabRunSchema, MAX_LAB_POOL, defaultPool as sharedDefaultPool } from '../../../shared/lab.ts'
import { safeParseProblems } from '../../../shared/validate.ts'
import type { FieldProblem } from '../../../shared/validate.ts'
import { call } from '../api/api.ts'
import { runCommand } from '../api/run-command.ts'
import { toCommandError } from '../transport/errors.ts'
import { useEngineStore } from './engine.ts'

export type LabScale = 'full' | 'quick'

/** Notes kept from the run in progress: enough to see what it did, never a growing log. */
const MAX_NOTES = 20

/**
 * The pool the host will use when none is typed (the shared rule), or null while the core
 * count is not known yet and the pool depends on it.
 */
export function defaultPoolFor(experiment: ExperimentId, cores: number): number | null {
  const pool = sharedDefaultPool(experiment, Math.max(1, cores))
  // Without the core count, only a pool that does not depend on it (the sleeps' 4) is known.
  return cores > 0 || pool === sharedDefaultPool(experiment, MAX_LAB_POOL) ? pool : null
}

export const useLabStore = defineStore('lab', () => {
  const experiments = shallowRef<ExperimentInfo[]>([])
  const loadState = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  const loadError = ref<string | null>(null)

  const experimentId = ref<ExperimentId>('sleep-pool')
  /** The pool size typed by the user; null means the default for the experiment. */
  const poolOverride = ref<number | null>(null)
  const scale = ref<LabScale>('full')
  const python = ref(false)
  const problems = shallowRef<FieldProblem[]>([])

  const running = ref(false)
  const notes = shallowRef<{ at: number; note: string }[]>([])
  const runs = shallowRef<LabResult[]>([])
  /** The run shown, by its start time (unique per run); null follows the newest. */
  const selectedAt = ref<number | null>(null)

  const experiment = computed(() => experiments.value.find((e) => e.id === experimentId.value) ?? null)
  const defaultPool = computed(() => defaultPoolFor(experimentId.value, useEngineStore().cores))
  const pool = computed(() => poolOverride.value ?? defaultPool.value)
  /** Whether the pool size matters: only the thread and process strategies use it. */
  const usesPool = computed(() => experiment.value?.strategies.some((s) => s === 'threads' || s === 'processes') ?? true)
  const canRunPython = computed(() => experiment.value?.python ?? false)
  const selected = computed(() => runs.value.find((r) => r.startedAt === selectedAt.value) ?? runs.value[0] ?? null)
  const latestNote = computed(() => notes.value.at(-1)?.note ?? null)

  async function loadExperiments(force = false): Promise<void> {
    if (loadState.value === 'loading' || (loadState.value === 'ready' && !force)) return
    loadState.value = 'loading'
    try {
      const list = await call('labExperiments', {})
      experiments.value = list
      if (!list.some((e) => e.id === experimentId.value) && list[0]) selectExperiment(list[0].id)
      loadState.value = 'ready'
      loadError.value = null
    } catch (err) {
      loadState.value = 'error'
      loadError.value = toCommandError(err).message
    }
  }

  function selectExperiment(id: ExperimentId): void {
    experimentId.value = id
    poolOverride.value = null
    problems.value = []
  }

  function setPool(value: number | null): void {
    poolOverride.value = value
    problems.value = []
  }

  /** What `labRun` will be sent, checked with the shared schema first. */
  function payload(): { ok: true; input: LabRunInput } | { ok: false; problems: FieldProblem[] } {
    const input: LabRunInput = { experiment: experimentId.value, scale: scale.value, python: python.value && canRunPython.value }
    if (pool.value !== null) input.pool = pool.value
    const parsed = safeParseProblems(LabRunSchema, input)
    return parsed.ok ? { ok: true, input } : { ok: false, problems: parsed.problems }
  }

  /** A `lab` event: what the running experiment is doing now. */
  function onNote(note: string): void {
    if (!running.value) return
    notes.value = [...notes.value, { at: Date.now(), note }].slice(-MAX_NOTES)
  }

  async function run(): Promise<LabResult | null> {
    if (running.value) return null
    const checked = payload()
    if (!checked.ok) {
      problems.value = checked.problems
      return null
    }
    problems.value = []
    running.value = true
    notes.value = []
    const result = await runCommand(
      'The experiment did not run',
      () => call('labRun', checked.input),
      undefined,
      // A refusal naming a field (another run in progress, a pool too large) shows beside the form too.
      (error) => {
        if (error.fields.length) problems.value = error.fields
      },
    )
    if (result) {
      runs.value = [result, ...runs.value]
      selectedAt.value = null
    }
    running.value = false
    return result ?? null
  }

  function select(result: LabResult): void {
    selectedAt.value = result === runs.value[0] ? null : result.startedAt
  }

  function forget(result: LabResult): void {
    runs.value = runs.value.filter((r) => r !== result)
    if (selectedAt.value === result.startedAt) selectedAt.value = null
  }

  return {
    experiments,
    loadState,
    loadError,
    experimentId,
    poolOverride,
    scale,
    python,
    problems,
    running,
    notes,
    runs,
    selectedAt,
    experiment,
    defaultPool,
    pool,
    usesPool,
    canRunPython,
    selected,
    latestNote,
    loadExperiments,
    selectExperiment,
    setPool,
    onNote,
    run,
    select,
    forget,
  }
})
