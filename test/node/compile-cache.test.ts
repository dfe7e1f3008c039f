import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../support/cli.js';

/**
 * The compiler's V8 code cache (src/lang/ts-adapter.ts): written to the per-user cache folder after the
 * first Node audit, used by the next, ignored when unusable. It may only change speed, never a result.
 */
const cacheHome = mkdtempSync(path.join(os.tmpdir(), 'statelint-cc-'));
afterAll(() => rmSync(cacheHome, { recursive: true, force: true }));

function audit(extraEnv: Record<string, string> = {}): { status: number | null; findings: unknown; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, path.join(ROOT, 'fixtures/projects/node-express-cjs'), '--format', 'json', '--fail-on', 'never'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, XDG_CACHE_HOME: cacheHome, STATELINT_NO_COMPILE_CACHE: '', ...extraEnv },
  });
  const report = JSON.parse(r.stdout);
  return { status: r.status, stderr: r.stderr, findings: report.findings.map((f: { ruleId: string; location: unknown; message: string }) => [f.ruleId, f.location, f.message]) };
}
const cacheFiles = () => {
  try {
    return readdirSync(path.join(cacheHome, 'statelint')).filter((f) => f.endsWith('.v8'));
  } catch {
    return [];
  }
};

describe('the compiler code cache', () => {
  it('is not written when turned off, is written by the first audit, and the next audit gives the same report', () => {
    const off = audit({ STATELINT_NO_COMPILE_CACHE: '1' });
    expect(off.status).toBe(0);
    expect(cacheFiles()).toEqual([]);

    const first = audit();
    expect(first.status).toBe(0);
    const files = cacheFiles();
    expect(files).toHaveLength(1);
    expect(statSync(path.join(cacheHome, 'statelint', files[0])).size).toBeGreaterThan(100_000);

    const second = audit();
    expect(second).toEqual(first);
    expect(first.findings).toEqual(off.findings);
    expect((first.findings as unknown[]).length).toBeGreaterThan(0);
  });

  it('an unusable cache folder (a file, or a path under /proc where a recursive mkdir never returns) changes nothing', () => {
    const reference = audit({ STATELINT_NO_COMPILE_CACHE: '1' });
    const file = path.join(cacheHome, 'not-a-folder');
    writeFileSync(file, '');
    for (const home of [file, '/proc/statelint-no-such-folder']) {
      const r = audit({ XDG_CACHE_HOME: home });
      expect(r).toEqual(reference);
    }
  });

  it('a corrupt cache file is rejected by V8 and rewritten; the report does not change', () => {
    const before = audit();
    const [file] = cacheFiles();
    writeFileSync(path.join(cacheHome, 'statelint', file), 'not a code cache');
    const after = audit();
    expect(after).toEqual(before);
    expect(after.stderr).toBe('');
    expect(statSync(path.join(cacheHome, 'statelint', file)).size).toBeGreaterThan(100_000);
  });
});
