import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/**
 * Installs the Debian packages the report tests need when they are missing (CI: fresh Debian 12, root):
 * chromium (the HTML report is checked in a real browser) and libxml2-utils (xmllint for the JUnit XML).
 * Guarded by a lock file, as test/live/servers.ts does, so parallel workers install at most once.
 */
export function ensureReportPackages(): void {
  const needed: string[] = [];
  if (!existsSync(CHROMIUM)) needed.push('chromium');
  if (!has('xmllint')) needed.push('libxml2-utils');
  if (needed.length === 0) return;
  const lock = path.join(os.tmpdir(), 'statelint-report-apt.lock');
  let fd: number | null = null;
  try {
    fd = openSync(lock, 'wx');
  } catch {
    // another worker is installing: wait for it
    const until = Date.now() + 600_000;
    while (existsSync(lock) && Date.now() < until) spawnSync('sleep', ['0.5']);
    return;
  }
  try {
    if (process.getuid?.() !== 0) throw new Error(`report tests need ${needed.join(', ')} (apt-get install needs root)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...needed], { env, stdio: 'ignore' });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update'], { env, stdio: 'ignore' });
      r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...needed], { env, stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`apt-get install ${needed.join(' ')} failed`);
    }
  } finally {
    if (fd !== null) closeSync(fd);
    rmSync(lock, { force: true });
  }
}
