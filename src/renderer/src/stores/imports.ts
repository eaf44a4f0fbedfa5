// Batch files from disk (drag-and-drop anywhere in the window, or the file picker): read,
// check, submit, and keep the outcome on screen next to the drop zone.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { FieldProblem } from '../../../shared/validate.ts'
import { parseBatchFile } from '../lib/batch-file.ts'
import { countOf } from '../lib/format.ts'
import { call } from '../api/api.ts'
import { toCommandError } from '../transport/errors.ts'

export type ImportStatus = 'idle' | 'working' | 'invalid' | 'failed' | 'submitted'

/** Files bigger than this are refused before reading: a batch file is a list, not data. */
const MAX_BYTES = 256 * 1024 * 1024

export const useImportsStore = defineStore('imports', () => {
  const status = ref<ImportStatus>('idle')
  const fileName = ref('')
  const message = ref('')
  const problems = shallowRef<FieldProblem[]>([])

  function finish(next: ImportStatus, text: string, list: FieldProblem[] = []): void {
    status.value = next
    message.value = text
    problems.value = list
  }

  async function importFile(file: File): Promise<void> {
    fileName.value = file.name
    finish('working', `Reading ${file.name}…`)
    if (file.size > MAX_BYTES) return finish('invalid', `${file.name} is larger than 256 MiB; split it into smaller batch files.`)
    let text: string
    try {
      text = await file.text()
    } catch {
      return finish('failed', `Could not read ${file.name}.`)
    }
    const parsed = parseBatchFile(text, file.name)
    if (!parsed.ok) return finish('invalid', `${file.name} was not submitted. Fix these and drop it again:`, parsed.problems)
    finish('working', `Submitting ${countOf(parsed.jobCount, 'job')} from ${file.name}…`)
    try {
      const result = await call('submit', parsed.payload)
      finish(
        'submitted',
        `Batch #${result.batchId} "${parsed.name}": ${countOf(result.streamed ?? result.jobIds.length, 'job')} queued.`,
      )
    } catch (err) {
      const e = toCommandError(err)
      finish('failed', `The engine refused ${file.name}: ${e.message}`, e.fields)
    }
  }

  function dismiss(): void {
    finish('idle', '')
  }

  return { status, fileName, message, problems, importFile, dismiss }
})
