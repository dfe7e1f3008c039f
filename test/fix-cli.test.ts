import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../src/engine/fix/index.js';
import { ROOT, runCli } from './support/cli.js';

const DEMO = path.join(ROOT, 'fixtures/projects/demo-app');

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.set(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'), readFileSync(path.join(e.parentPath, e.name), 'utf8'));
  }
  return out;
}

/** `statelint --fix` as a user runs it on the demo app: --diff first, then --fix, then again. */
describe('--fix and --diff on a copy of the demo app', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-fixcli-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each([[false], [true]])('unsafe fixes %s: --diff equals what --fix changes, every changed PHP file passes php -l, a second run changes nothing', async (unsafe) => {
    const app = path.join(work, unsafe ? 'unsafe' : 'safe');
    cpSync(DEMO, app, { recursive: true });
    const extra = unsafe ? ['--unsafe-fixes'] : [];
    const before = files(app);
    const preview = runCli(['--diff', ...extra], {}, app);
    const fixed = runCli(['--fix', ...extra, '-f', 'json', '--fail-on', 'never'], {}, app);
    const after = files(app);
    const changed = [...after].filter(([f, text]) => before.get(f) !== text).map(([file, text]) => ({ file, before: before.get(file)!, after: text }));
    expect(preview.stdout).toBe(await unifiedDiff(changed));
    expect(preview.code).toBe(changed.length ? 1 : 0);
    if (unsafe) expect(changed.length).toBeGreaterThan(0);
    const report = JSON.parse(fixed.stdout);
    expect(report.fixes.converged).toBe(true);
    expect(report.fixes.dropped).toEqual([]);
    expect(fixed.stderr).toMatch(/^statelint: applied \d+ fix(es)? in \d+ files?\n$/);
    // What remains is reported, without the findings the fixes cleared.
    expect(report.findings.filter((f: { fix: { applicability: string } | null }) => f.fix && (f.fix.applicability === 'safe' || (unsafe && f.fix.applicability === 'unsafe')))).toEqual([]);
    for (const c of changed.filter((f) => f.file.endsWith('.php') && !f.file.endsWith('.blade.php'))) execFileSync('php', ['-l', path.join(app, c.file)], { stdio: 'pipe' });
    const again = runCli(['--fix', ...extra, '--fail-on', 'never'], {}, app);
    expect(again.stderr).toBe('statelint: applied 0 fixes in 0 files\n');
    expect(files(app)).toEqual(after);
    expect(runCli(['--diff', ...extra], {}, app)).toMatchObject({ code: 0, stdout: '' });
  });

  it('--unsafe-fixes alone and --fix with --diff are usage errors', () => {
    expect(runCli([DEMO, '--unsafe-fixes'])).toMatchObject({ code: 2, stderr: 'statelint: --unsafe-fixes goes with --fix (apply) or --diff (preview)\n' });
    expect(runCli([DEMO, '--fix', '--diff'])).toMatchObject({ code: 2, stderr: 'statelint: --diff previews what --fix would change: use one of them\n' });
  });
});
