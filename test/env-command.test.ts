import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSecretKey } from '../src/project/env-files.js';
import { ROOT, runCli } from './support/cli.js';

/**
 * `statelint env` through the real binary: every non-placeholder line it prints must clear what its
 * comment claims (checked here independently, by auditing again with --env), nothing secret is
 * printed, and values the user must choose are marked as placeholders.
 */
const PROJECTS = ['demo-app', 'laravel-8', 'laravel-10', 'laravel-11-slim', 'laravel-12', 'moved-config', 'stateless'];

interface Finding { ruleId: string; location: { file: string; line: number } }

/** Findings an env variable can clear: the ones pointing at config or env lines (and every scheduler lock). */
const configLevel = (f: Finding) => f.ruleId === 'laravel/schedule-lock-local' || /^(config\/|app\/Config\/|\.env|composer\.json)/.test(f.location.file);

function auditFindings(dir: string, env: string[] = []): Finding[] {
  const r = runCli([dir, '-f', 'json', '--fail-on', 'never', ...env.flatMap((e) => ['--env', e])]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).findings;
}

function parsePlan(stdout: string): { claims: { rules: string[]; lines: string[] }[]; placeholders: string[] } {
  const claims: { rules: string[]; lines: string[] }[] = [];
  const placeholders: string[] = [];
  for (const line of stdout.split('\n')) {
    const clears = /^# clears ([^:]+):/.exec(line);
    if (clears) claims.push({ rules: clears[1].split(',').map((s) => s.trim()), lines: [] });
    else if (/^\w+=/.test(line)) {
      if (line.includes('# placeholder')) placeholders.push(line);
      else claims.at(-1)!.lines.push(line);
    }
  }
  return { claims, placeholders };
}

describe('statelint env', () => {
  it.each(PROJECTS)('%s: every printed line clears what it claims', (name) => {
    const dir = path.join(ROOT, 'fixtures/projects', name);
    const r = runCli(['env', dir]);
    expect(r.code, r.stderr).toBe(0);
    const { claims, placeholders } = parsePlan(r.stdout);
    const lines = claims.flatMap((c) => c.lines);
    const before = auditFindings(dir).filter(configLevel);
    const after = auditFindings(dir, lines).filter(configLevel);
    for (const c of claims) {
      expect(c.lines.length, `${c.rules.join(',')} has a real (non-placeholder) line`).toBeGreaterThan(0);
      for (const rule of c.rules) {
        expect(before.some((f) => f.ruleId === rule), `${rule} was reported before`).toBe(true);
        expect(after.filter((f) => f.ruleId === rule), `${rule} is gone with ${lines.join(' ')}`).toEqual([]);
      }
    }
    // Placeholders are marked and hold no real value.
    for (const p of placeholders) expect(p).toMatch(/^\w+=<[^>]+>  # placeholder: choose$/);
    for (const l of lines) expect(l).not.toMatch(/</);
    // Nothing secret: no secret key is printed, nor a value from the project's env files.
    for (const l of [...lines, ...placeholders]) expect(isSecretKey(l.split('=')[0]), l).toBe(false);
    expect(r.stdout).not.toMatch(/APP_KEY|PASSWORD|s3cr3t-do-not-print|base64:/);
  });

  it('demo-app: names the keys its config reads (Laravel 10) and sends the hard-coded maintenance driver to --fix', () => {
    const r = runCli(['env', path.join(ROOT, 'fixtures/projects/demo-app')]);
    expect(r.stdout).toMatch(/^CACHE_DRIVER=redis$/m);
    expect(r.stdout).not.toMatch(/^CACHE_STORE=/m);
    expect(r.stdout).toMatch(/^SESSION_DRIVER=redis$/m);
    expect(r.stdout).toMatch(/needs a code change[\s\S]*laravel\/maintenance-mode-local: app\.maintenance\.driver is hard-coded in config\/app\.php:\d+/);
  });

  it('moved-config: follows the app\'s own STORAGE_TYPE variable for the default disk', () => {
    const r = runCli(['env', path.join(ROOT, 'fixtures/projects/moved-config')]);
    expect(r.stdout).toMatch(/^STORAGE_TYPE=s3$/m);
    expect(r.stdout).not.toMatch(/^FILESYSTEM_DISK=/m);
  });

  it('laravel-11-slim: maintenance through the cache, with the 11+ keys', () => {
    const r = runCli(['env', path.join(ROOT, 'fixtures/projects/laravel-11-slim')]);
    expect(r.stdout).toMatch(/^APP_MAINTENANCE_DRIVER=cache$/m);
    expect(r.stdout).toMatch(/^APP_MAINTENANCE_STORE=redis$/m);
  });

  it('-f json gives the same plan as data, without the proof internals', () => {
    const r = runCli(['env', '-f', 'json', path.join(ROOT, 'fixtures/projects/laravel-12')]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.items.map((i: { lines: { key: string }[] }) => i.lines[0].key)).toContain('CACHE_STORE');
    expect(plan).not.toHaveProperty('proofEnv');
    expect(r.stdout).not.toMatch(/"claims"/);
  });

  it('exits 2 with one sentence when the folder is no Laravel app', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'statelint-env-'));
    try {
      const r = runCli(['env', empty]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
