// The job form's side of dependencies between template inputs: JSON object lines in the inputs
// box, each with its own `name` and `after`, become the submit's inputs as they are (the API
// host runs that submit on a real engine in tests/engine/host/api-host-input-deps.test.ts),
// and an `after` that is not a list of names is refused before anything is sent.
import { describe, expect, it } from 'vitest'
import { describeKinds } from '../../src/shared/kind-descriptors.ts'
import { buildSubmit, emptyForm } from '../../src/renderer/src/lib/job-form-model.ts'
import { fieldsFromSchema, initialValues } from '../../src/renderer/src/lib/schema-fields.ts'

const fields = fieldsFromSchema(describeKinds().find((kind) => kind.name === 'shell')!.paramsSchema)

function build(lines: string[]) {
  const state = { ...emptyForm('shell', initialValues(fields)), mode: 'inputs' as const, inputs: lines.join('\n') }
  state.values.argv = 'true'
  return buildSubmit(state, fields)
}

describe('the job form with inputs that wait for others', () => {
  it('sends each object line’s name and after as the input', () => {
    const built = build([
      '{"name": "build", "argv": ["sh", "-c", "sleep 0.3"]}',
      '{"name": "test", "after": ["build"], "argv": ["sh", "-c", "true"]}',
    ])
    expect(built.ok).toBe(true)
    expect(built.ok && built.payload).toEqual({
      template: { kind: 'shell', params: { argv: ['true'] } },
      inputs: [
        { name: 'build', argv: ['sh', '-c', 'sleep 0.3'] },
        { name: 'test', after: ['build'], argv: ['sh', '-c', 'true'] },
      ],
    })
  })

  it('refuses an after that is not a list, naming it and the line', () => {
    const built = build(['{"name": "a"}', '{"name": "b", "after": "a"}'])
    expect(built.ok).toBe(false)
    expect(!built.ok && built.problems[0]!.field).toBe('template.after')
    expect(!built.ok && built.problems[0]!.message).toContain('input on line 2')
  })
})
