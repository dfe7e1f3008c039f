import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

/** Reads a source file as UTF-8 text; binary, non-UTF-8, oversized and unreadable files are refused with a reason. */
export function readSource(absolute: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadResult {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(absolute, 'r');
    const size = fstatSync(fd).size;
    if (size > maxBytes) return { ok: false, reason: `larger than ${Math.round(maxBytes / 1024)} KiB (${Math.round(size / 1024)} KiB); raise --max-file-size to analyse it` };
    bytes = readFileSync(fd);
  } catch (e) {
    return { ok: false, reason: `unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return decodeSource(bytes);
}

/** Bytes as source text: binary and non-UTF-8 content is refused with a reason; a BOM is dropped. */
export function decodeSource(bytes: Buffer): ReadResult {
  if (bytes.subarray(0, 8000).includes(0)) return { ok: false, reason: 'binary file (contains NUL bytes)' };
  if (!isUtf8(bytes)) return { ok: false, reason: 'not valid UTF-8' };
  const text = bytes.toString('utf8');
  return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}
