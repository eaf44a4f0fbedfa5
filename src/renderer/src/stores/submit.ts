// Sending the job form: check it with the shared schemas, submit it, say what was queued.
// The form component keeps what is typed; this store owns the round trip to the engine and
// the problems that came back, so the form can show them next to their fields.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { DryRunResult } from '../../../shared/contract.ts'
import type { FieldProblem } from '../../../shared/validate.ts'
import { call } from '../api/api.ts'
import { countOf } from '../lib/format.ts'
import { controlFields, type BatchControlValues, type ControlFields } from '../lib/batch-controls.ts'
import { buildSubmit } from '../lib/job-form-model.ts'
import type { JobFormState } from '../lib/job-form-model.ts'
import type { FieldSpec } from '../lib/schema-fields.ts'
import { toCommandError } from '../transport/errors.ts'
import { useNoticesStore } from './notices.ts'

export const useSubmitStore = defineStore('submit', () => {
  const submitting = ref(false)
  /** What is wrong with the form, from the check here or the engine's answer. */
  const problems = shallowRef<FieldProblem[]>([])
  /** The last dry run's jobs (the batch controls' Dry run), until the next submit. */
  const dryRun = shallowRef<DryRunResult | null>(null)

  /**
   * Resolves to true once the engine queued the jobs, or (Dry run) listed them. `controls`:
   * the batch controls (BatchControls.vue).
   */
  async function submit(form: JobFormState, fields: readonly FieldSpec[], controls?: BatchControlValues): Promise<boolean> {
    if (submitting.value) return false
    const built = buildSubmit(form, fields)
    const extra = controls ? controlFields(controls) : ({ ok: true, fields: {} as ControlFields } as const)
    if (!built.ok || !extra.ok) {
      problems.value = [...(built.ok ? [] : built.problems), ...(extra.ok ? [] : extra.problems)]
      return false
    }
    problems.value = []
    dryRun.value = null
    submitting.value = true
    try {
      if (controls?.dryRun) {
        dryRun.value = await call('dryRun', { ...built.payload, ...extra.fields })
        return true
      }
      const result = await call('submit', { ...built.payload, ...extra.fields })
      useNoticesStore().push({
        level: 'success',
        title: `Queued ${countOf(result.streamed ?? result.jobIds.length, 'job')}`,
        message: `Batch #${result.batchId}${built.payload.name ? `: ${built.payload.name}` : ''}${
          extra.fields.results ? `; results in ${extra.fields.results}` : ''
        }`,
      })
      return true
    } catch (err) {
      const e = toCommandError(err)
      problems.value = e.fields.length ? e.fields : [{ field: '', message: e.message }]
      return false
    } finally {
      submitting.value = false
    }
  }

  function clear(field?: string, fieldOf: (problem: FieldProblem) => string = (p) => p.field): void {
    if (field === undefined) problems.value = []
    else if (problems.value.some((p) => fieldOf(p) === field)) problems.value = problems.value.filter((p) => fieldOf(p) !== field)
  }

  return { submitting, problems, dryRun, submit, clear }
})
