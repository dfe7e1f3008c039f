/** A node or store given on the command line did not answer: exit 2 with this sentence, not a finding. */
export class TargetUnreachableError extends Error {}

/** Short reason for a failed network call, without secrets (error code or timeout). */
export function reasonOf(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string }; message?: string };
  if (err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = err?.cause?.code ?? err?.code;
  if (code) return String(code);
  return (err?.cause?.message ?? err?.message ?? 'unknown error').split('\n')[0] ?? 'unknown error';
}
