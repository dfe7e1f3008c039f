import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { formatBytes, LIMITS } from '../lang/budget.js';

export const DEFAULT_MAX_FILE_BYTES = LIMITS.sourceBytes;

export type BytesResult = { ok: true; bytes: Buffer } | { ok: false; reason: string };
/** `note` says how a file that was not plain UTF-8 was decoded (listed with the file; it was analysed). */
export type ReadResult = { ok: true; text: string; note?: string } | { ok: false; reason: string };

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The one way statelint reads a file of the audited project (sources, env and config files,
 * composer.json/lock, bootstrap/app.php, .gitignore, settings and baseline files). A symlink to
 * /dev/zero or a FIFO once made the audit hang and grow without bound, so:
 * - stat, then open with O_NONBLOCK (a FIFO swapped in meanwhile cannot block the open), then fstat
 *   the descriptor: anything but a regular file is refused;
 * - refuse a file larger than maxBytes, and never read past maxBytes even if it grows meanwhile.
 * The reason never quotes the file's content.
 */
export function readRegularFile(file: string | Buffer, maxBytes: number): BytesResult {
  let fd: number | undefined;
  try {
    // stat first so a device is never opened (opening some, e.g. a watchdog, has side effects);
    // fstat after open closes the race with a path swapped in between.
    const before = statSync(file);
    if (!before.isFile()) return { ok: false, reason: `not a regular file (${kindOf(before)})` };
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, reason: `not a regular file (${kindOf(st)})` };
    if (st.size > maxBytes) return { ok: false, reason: `larger than ${formatBytes(maxBytes)} (${formatBytes(st.size)})` };
    // One byte more than allowed tells a file that grew after fstat from one that did not.
    const buf = Buffer.allocUnsafe(Math.min(maxBytes, st.size) + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
      if (got === buf.length) {
        if (got > maxBytes) return { ok: false, reason: `larger than ${formatBytes(maxBytes)} (it grew while being read)` };
        break;
      }
    }
    return { ok: true, bytes: buf.subarray(0, got) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A listed name with U+FFFD was not valid UTF-8 on disk: Node decoded it lossily, so it cannot be opened by that name.
    if (code === 'ENOENT') return { ok: false, reason: typeof file === 'string' && file.includes('\ufffd') ? 'its name is not valid UTF-8, so it could not be opened' : 'not found' };
    if (code === 'EACCES' || code === 'EPERM') return { ok: false, reason: `unreadable: permission denied (${code})` };
    if (code === 'ENXIO') return { ok: false, reason: 'not a regular file (a socket or device)' };
    if (code === 'ELOOP') return { ok: false, reason: 'unreadable: symbolic link loop (ELOOP)' };
    return { ok: false, reason: `unreadable: ${code ?? 'error'}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

let cp1252: TextDecoder | undefined;
function windows1252(bytes: Buffer): string {
  try {
    cp1252 ??= new TextDecoder('windows-1252');
    return cp1252.decode(bytes);
  } catch {
    return bytes.toString('latin1'); // a Node built without ICU: Latin-1 differs only in 0x80-0x9F
  }
}

/**
 * Bytes -> text. UTF-8 (BOM dropped) and UTF-16 with a BOM are read as such. Anything else that is
 * not valid UTF-8 is read as Windows-1252 (Latin-1's superset, the usual legacy PHP encoding), so
 * an env() call in a file with a Latin-1 comment is still found; `note` says so.
 */
export function decodeText(bytes: Buffer): ReadResult {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    const text = new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(bytes.subarray(2));
    if (text.includes('\0')) return { ok: false, reason: 'binary file (contains NUL bytes)' };
    return { ok: true, text, note: `UTF-16 (${bytes[0] === 0xff ? 'little' : 'big'}-endian) file; analysed as text` };
  }
  if (bytes.subarray(0, 8000).includes(0)) return { ok: false, reason: 'binary file (contains NUL bytes)' };
  if (isUtf8(bytes)) {
    const text = bytes.toString('utf8');
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  }
  return { ok: true, text: windows1252(bytes), note: 'not valid UTF-8; analysed as Windows-1252 (Latin-1)' };
}

/** The git index and the disk decode the same way. */
export const decodeSource = decodeText;

/** Reads a source file as text; binary, oversized, non-regular and unreadable files are refused with a reason. */
export function readSource(absolute: string | Buffer, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadResult {
  const read = readRegularFile(absolute, maxBytes);
  if (!read.ok) {
    return /^larger than/.test(read.reason) ? { ok: false, reason: `${read.reason}; raise --max-file-size to analyse it` } : read;
  }
  return decodeText(read.bytes);
}

/** A small metadata file (composer.json, composer.lock, .gitignore, settings, baseline) as text. */
export function readMetadata(absolute: string, maxBytes: number = LIMITS.metadataBytes): ReadResult {
  const read = readRegularFile(absolute, maxBytes);
  return read.ok ? decodeText(read.bytes) : read;
}

export type JsonResult = { ok: true; data: unknown } | { ok: false; reason: string };

/**
 * A JSON file, parsed. The reason for a syntax error gives a line and column at most: V8's own
 * message quotes the text ("Unexpected token 'A', "APP_KEY=ba"..."), which would print a secret
 * from a file such as .env named by mistake.
 */
export function readJsonFile(absolute: string, maxBytes: number = LIMITS.metadataBytes): JsonResult {
  const read = readMetadata(absolute, maxBytes);
  if (!read.ok) return read;
  try {
    return { ok: true, data: JSON.parse(read.text) };
  } catch (e) {
    return { ok: false, reason: `is not valid JSON${jsonErrorPosition(read.text, (e as Error).message)}` };
  }
}

function jsonErrorPosition(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return '';
  const at = Math.min(Number(m[1]), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return ` (line ${line}, column ${at - lineStart + 1})`;
}
