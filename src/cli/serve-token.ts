// Where `corelane serve` gets a token the user chose: `--token-file FILE` or the
// CORELANE_TOKEN environment variable (neither shows in `ps`), or `--token` (which does, so it
// is warned about). A chosen token must look random enough (see web/access.ts); with none, the
// server makes a random 256-bit one.
import { readFile } from 'node:fs/promises'
import { InputError } from './batch-file.ts'
import { tokenProblem } from './web/access.ts'

export interface TokenChoice {
  token: string | undefined
  /** Printed to stderr: a token given on the command line is visible to every local user. */
  warning: string | null
}

export async function chooseToken(
  flags: { token?: string; 'token-file'?: string },
  env: NodeJS.ProcessEnv,
): Promise<TokenChoice> {
  const given = [
    flags.token !== undefined && '--token',
    flags['token-file'] !== undefined && '--token-file',
    env.CORELANE_TOKEN && 'CORELANE_TOKEN',
  ].filter(Boolean)
  if (given.length > 1)
    throw new InputError('arguments', [
      { field: String(given[0]), message: `give one of --token, --token-file or CORELANE_TOKEN (got ${given.join(', ')})` },
    ])
  let field: string
  let token: string
  if (flags['token-file'] !== undefined) {
    field = '--token-file'
    try {
      token = (await readFile(flags['token-file'], 'utf8')).trim()
    } catch (error) {
      throw new InputError('arguments', [{ field, message: `cannot read ${flags['token-file']}: ${(error as Error).message}` }])
    }
  } else if (flags.token !== undefined) {
    field = '--token'
    token = flags.token
  } else if (env.CORELANE_TOKEN) {
    field = 'CORELANE_TOKEN'
    token = env.CORELANE_TOKEN.trim()
  } else return { token: undefined, warning: null }
  const problem = tokenProblem(token)
  if (problem) throw new InputError('arguments', [{ field, message: problem }])
  const warning =
    field === '--token'
      ? 'corelane: a token given with --token is visible to other local users (ps); prefer --token-file or CORELANE_TOKEN\n'
      : null
  return { token, warning }
}
