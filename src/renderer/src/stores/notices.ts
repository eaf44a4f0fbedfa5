// Messages for the user that outlive the action that caused them: command errors (with the
// fields at fault), and short confirmations. Shown as a stack of toasts.
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { FieldProblem } from '../../../shared/validate.ts'
import { toCommandError } from '../transport/errors.ts'

export interface Notice {
  id: number
  level: 'error' | 'info' | 'success'
  title: string
  message: string
  fields: FieldProblem[]
}

/** What a caller hands to push(): the id is given here, fields are optional. */
export type NoticeInput = Omit<Notice, 'id' | 'fields'> & { fields?: FieldProblem[] }

const LIFETIME_MS: Record<Notice['level'], number> = { error: 15_000, info: 5000, success: 5000 }
/** More would cover the job table and the pager; older ones make way. */
export const MAX_SHOWN = 2

export const useNoticesStore = defineStore('notices', () => {
  const list = shallowRef<Notice[]>([])
  let nextId = 1

  function dismiss(id: number): void {
    list.value = list.value.filter((n) => n.id !== id)
  }

  function push(notice: NoticeInput): number {
    const id = nextId++
    list.value = [...list.value, { fields: [], ...notice, id }].slice(-MAX_SHOWN)
    setTimeout(() => dismiss(id), LIFETIME_MS[notice.level])
    return id
  }

  /** Shows a failed command: what the user tried (`title`) and what the engine said. */
  function error(title: string, err: unknown): void {
    const e = toCommandError(err)
    // The engine's sentence usually already says what each field's problem is: list a field
    // only when it adds something, so one error reads as one message.
    const fields = e.fields.filter((f) => !e.message.includes(f.message))
    push({ level: 'error', title, message: e.message, fields })
  }

  return { list, push, error, dismiss }
})
