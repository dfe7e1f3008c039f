import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureSystemPackages, REPO } from './servers.js';

describe('npm run demo:live', () => {
  it('starts the flawed two-node cluster, reports the lost session (exit 1), then the fix (exit 0), and stops everything', () => {
    ensureSystemPackages();
    const r = spawnSync(process.execPath, [path.join(REPO, 'scripts/demo-live.mjs')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/live\/session-lost-on-switch/);
    expect(out).toMatch(/Load mode: 200 of 200 sessions \(100\.0 %\)/);
    expect(out).toMatch(/\(exit code 1\)[\s\S]*1000\/1000 survived \(100\.0 %\)[\s\S]*\(exit code 0\)/);
    const pids = [...out.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBe(5);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.filter(alive)).toEqual([]);
  }, 70_000);
});
