/**
 * A rule that throws, or reports something its metadata forbids, is a bug in statelint: the run stops
 * with exit 2 naming the rule and the file (a stack only with --debug), never a silently missing finding.
 */
export class RuleFailure extends Error {
  constructor(
    readonly ruleId: string,
    readonly file: string | undefined,
    override readonly cause: unknown,
  ) {
    super(`rule ${ruleId} failed${file ? ` on ${file}` : ''}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** A problem with how statelint was called (bad path, flag or config): exit 2 with one sentence on stderr. */
export class UsageError extends Error {}
