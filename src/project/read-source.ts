import { readFileSync } from 'node:fs';

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a source file as UTF-8 text; binary, non-UTF-8, oversized and unreadable files are refused with a reason. */
export function readSource(absolute: string, size: number, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadResult {
  if (size > maxBytes) return { ok: false, reason: `larger than ${Math.round(maxBytes / 1024)} KiB (${Math.round(size / 1024)} KiB); raise --max-file-size to analyse it` };
  let bytes: Buffer;
  try {
    bytes = readFileSync(absolute);
  } catch (e) {
    return { ok: false, reason: `unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  if (bytes.subarray(0, 8000).includes(0)) return { ok: false, reason: 'binary file (contains NUL bytes)' };
  try {
    const text = utf8.decode(bytes);
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch {
    return { ok: false, reason: 'not valid UTF-8' };
  }
}
