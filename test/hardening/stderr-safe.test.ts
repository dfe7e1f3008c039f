import { describe, expect, it } from 'vitest';
import { stderrSafe, withSafeStderr, type CliIO } from '../../src/commands/output.js';

describe('stderr messages: project text escaped, statelint\'s own line clearing kept', () => {
  it('escapes ESC, CSI, OSC, C1 and bidi overrides inside a message and keeps its line breaks', () => {
    const message = 'statelint: Baseline not found: a\u001b[2J\u001b]0;t\u0007\u009b1m\u202eb.json\nsecond line\n';
    expect(stderrSafe(message)).toBe('statelint: Baseline not found: a\\x1b[2J\\x1b]0;t\\x07\\u009b1m\\u202eb.json\nsecond line\n');
  });

  it('keeps the progress line\'s leading carriage return + erase-line, only as the start of a write', () => {
    expect(stderrSafe('\r\u001b[2Kstatelint: analysing 1/2 files')).toBe('\r\u001b[2Kstatelint: analysing 1/2 files');
    expect(stderrSafe('\r\u001b[2K')).toBe('\r\u001b[2K');
    // the same sequence later in a write (from a file name, say) is escaped
    expect(stderrSafe('statelint: x\r\u001b[2Ky')).toBe('statelint: x\\x0d\\x1b[2Ky');
  });

  it('withSafeStderr wraps only stderr', () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, stdoutIsTTY: false };
    const safe = withSafeStderr(io);
    safe.stdout('\u001b[31mreport\u001b[39m');
    safe.stderr('statelint: \u001b[2J');
    expect(out).toEqual(['\u001b[31mreport\u001b[39m']);
    expect(err).toEqual(['statelint: \\x1b[2J']);
  });
});
