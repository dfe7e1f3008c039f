/** A node or store given on the command line did not answer: exit 2 with this sentence, not a finding. */
export class TargetUnreachableError extends Error {}

/**
 * A node answered, but not with something a check can use: a redirect loop, a redirect to an origin
 * that is not a named node, or a request statelint refused to send. Becomes a live/node-error finding.
 */
export class NodeAnswerError extends Error {}

/** Short reason for a failed network call, without secrets (error code or timeout). */
export function reasonOf(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string }; message?: string };
  if (err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = err?.cause?.code ?? err?.code;
  if (code) return String(code);
  return (err?.cause?.message ?? err?.message ?? 'unknown error').split('\n')[0] ?? 'unknown error';
}

export function timeoutError(ms: number): Error {
  const e = new Error(`no answer within ${ms} ms`);
  e.name = 'TimeoutError';
  return e;
}

/**
 * Rejects with a TimeoutError when `p` has not settled within `ms` and runs `onTimeout` (close the
 * connection): client libraries chain their own per-step timeouts (connect, then a ready check, then
 * retries), so only a deadline around the whole step keeps it within --timeout.
 */
export async function bounded<T>(p: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          onTimeout?.();
          reject(timeoutError(ms));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
