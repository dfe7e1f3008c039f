import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliIO } from '../src/cli.js';
import { createProgress } from '../src/commands/progress.js';
import { BIN, ROOT } from './support/cli.js';

const DEMO = path.join(ROOT, 'fixtures/projects/demo-app');

/** An in-process CLI run with a terminal on stderr (or not) and the progress delay given. */
async function run(args: string[], tty: boolean, progressDelayMs: number) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, stdoutIsTTY: false, stderrIsTTY: tty, progressDelayMs, cwd: ROOT };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

describe('progress on stderr', () => {
  it('shows a self-overwriting line in a terminal once the run is long enough, and clears it before anything else', async () => {
    const r = await run([DEMO, '--format', 'json', '--fail-on', 'never'], true, 0);
    expect(r.stderr.replace(/\r\x1b\[2K[^\r]*/g, '')).toBe('');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r\x1b\[2Kstatelint: (reading|analysing) \d+\/\d+ files/);
    // The line is cleared at the end: stderr ends with the clear sequence, and stdout has the report only.
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(r.stdout).not.toMatch(/reading|analysing/);
    expect(JSON.parse(r.stdout).schemaVersion).toBe(1);
  });

  it('is silent with --no-progress, when stderr is not a terminal, and for runs shorter than the delay', async () => {
    for (const [args, tty, delay] of [
      [[DEMO, '--no-progress'], true, 0],
      [[DEMO], false, 0],
      [[DEMO], true, 60_000],
    ] as const) {
      const r = await run([...args, '--fail-on', 'never'], tty, delay);
      expect(r.stderr).not.toMatch(/reading|analysing/);
      expect(r.stderr).not.toContain('\r');
    }
  });

  it('redraws at most every 100 ms but always shows the last file', () => {
    let clock = 0;
    const lines: string[] = [];
    const p = createProgress({ stdout: () => {}, stderr: (t) => lines.push(t), env: {}, stdoutIsTTY: false, stderrIsTTY: true }, true, () => clock, 1000);
    p.update('reading', 1, 500); // before the delay: nothing
    clock = 1000;
    for (let i = 2; i < 500; i++) p.update('reading', i, 500); // same instant: one draw
    clock = 1050;
    p.update('analysing', 500, 500); // the last file is always drawn
    p.finish();
    expect(lines).toEqual(['\r\x1b[2Kstatelint: reading 2/500 files', '\r\x1b[2Kstatelint: analysing 500/500 files', '\r\x1b[2K']);
  });

  it('a quick run in a real terminal shows no progress (script(1) gives the binary a pty)', () => {
    const r = spawnSync('script', ['-qec', `${BIN} ${DEMO} --fail-on never`, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/demo-app|finding|problem/i);
    expect(r.stdout).not.toMatch(/reading|analysing/);
  });
});
