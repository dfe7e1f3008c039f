/** A problem with how statelint was called (bad path, flag or config): exit 2 with one sentence on stderr. */
export class UsageError extends Error {}
